"""Stateful metrics written in Python (Metric subclasses with add_variable, update_state and
result), traced into the C++ core.

Keras runs a Metric subclass's update_state on every batch and its result() whenever the logs are
read (keras/src/metrics/metric.py). densekit runs each once on symbolic tensors instead:
update_state on (y_true, y_pred[, sample_weight]) shaped like the data, where each
``v.assign_add(ops.sum(values))`` records "add this batch statistic to v" (the statistic is a sum
or mean over the batch, ops.sum / ops.mean with no axis, a BatchLoss); result() on the variables
as inputs of a one-row graph. The C++ metric (cpp/include/densekit/traced_metric.hpp) keeps the
variables, adds each batch's statistics and computes the result, so no Python runs per batch.
reset_state() runs once, eagerly, to learn the values it resets to.
"""

import contextlib
import inspect
import json
import math

from densekit import _core
from densekit.layers import batch_loss
from densekit.layers.input_layer import Input
from densekit.layers.keras_tensor import KerasTensor
from densekit.layers.trace_call import trace_call
from densekit.ops.symbolic import BatchBroadcastError
from densekit.saving.serialization_lib import model_class
from densekit.trainers.metric_variable import unwrap
from densekit.utils.object_registration import serialize_object


# --- tracing ------------------------------------------------------------------------------------

@contextlib.contextmanager
def _variables_as(metric, recorder=None, symbols=None):
    variables = metric.variables
    try:
        for k, v in enumerate(variables):
            v._recorder, v._symbol = recorder, (symbols[k] if symbols else None)
        yield
    finally:
        for v in variables:
            v._recorder = v._symbol = None


def _graph_output(tensor, inputs):
    """``tensor`` as a graph output: an input passed through unchanged gets an identity op (a
    graph's output must be computed by a layer)."""
    from densekit import ops
    return ops.stop_gradient(tensor) if any(tensor is i for i in inputs) else tensor


def _takes_sample_weight(metric):
    params = inspect.signature(metric.update_state).parameters.values()
    return any(p.name == "sample_weight" or p.kind == p.VAR_KEYWORD for p in params)


def _trace_update(metric, y_true_shape, y_pred_shape, weighted, what, weight_shape=()):
    functional = model_class("Functional")
    inputs = [Input(shape=tuple(y_true_shape), name="y_true"), Input(shape=tuple(y_pred_shape), name="y_pred")]
    if weighted:
        inputs.append(Input(shape=weight_shape, name="sample_weight"))
    recorded = []
    with _variables_as(metric, recorder=recorded):
        kwargs = {"sample_weight": inputs[2]} if weighted else {}
        trace_call(what, metric.update_state, inputs[0], inputs[1], **kwargs)
    index = {v: k for k, v in enumerate(metric.variables)}
    outputs, updates = [], []
    for variable, accumulate, (terms, offset) in recorded:
        if not math.isfinite(offset):
            raise ValueError(f"{what}: update_state adds {offset} to the variable '{variable.name}' on every batch; "
                             "the values it adds must be finite.")
        spec = []
        for tensor, reduction, scale in terms:
            position = next((k for k, t in enumerate(outputs) if t is tensor), None)
            if position is None:
                outputs.append(tensor)
                position = len(outputs) - 1
            spec.append({"output": position, "mean": reduction == "mean", "scale": float(scale)})
        updates.append({"variable": index[variable], "accumulate": accumulate, "terms": spec, "offset": offset})
    if not outputs:
        raise ValueError(f"{what}: update_state adds nothing computed from y_true and y_pred to the metric's "
                         "variables (use v.assign_add(ops.sum(values)) with values computed from them).")
    graph = functional(inputs, [_graph_output(t, inputs) for t in outputs],
                       name=f"traced_{metric.name}_update{'_weighted' if weighted else ''}")
    return {"graph": json.loads(_core.model_config_json(graph._core)), "updates": updates}


def _trace_result(metric, what):
    functional = model_class("Functional")
    inputs = [Input(shape=v.shape, name=f"state_{k}") for k, v in enumerate(metric.variables)]
    with _variables_as(metric, symbols=inputs), batch_loss.one_row():
        value = unwrap(trace_call(what, metric.result))
    if not isinstance(value, KerasTensor):
        raise TypeError(f"{what}: result() returned {value!r} ({type(value).__name__}); it must return a value "
                        "computed from the metric's variables.")
    out = _graph_output(value, inputs)
    return json.loads(_core.model_config_json(functional(inputs, out, name=f"traced_{metric.name}_result")._core))


def _reset_values(metric):
    """The values reset_state() gives each variable, found by running it (the values restored after)."""
    saved = [v._value.copy() for v in metric.variables]
    try:
        metric.reset_state()
        return [v._value.reshape(-1).astype(float).tolist() for v in metric.variables]
    finally:
        for v, values in zip(metric.variables, saved):
            v._value = values


def _trace_weighted_update(metric, y_true_shape, y_pred_shape, what):
    """update_state with sample weights (None when it takes none): one weight per sample, traced
    as (batch,); where those meet a (batch, 1) tensor, which Keras would broadcast across the
    batch (the guide's CategoricalTruePositives), as (batch, 1), the shape under which Keras
    computes them per sample."""
    if not _takes_sample_weight(metric):
        return None
    try:
        return _trace_update(metric, y_true_shape, y_pred_shape, True, what)
    except BatchBroadcastError:
        return _trace_update(metric, y_true_shape, y_pred_shape, True, what, weight_shape=(1,))


def core_metric(metric, y_true_shape, y_pred_shape):
    """The C++ metric for a stateful Metric subclass instance, traced for targets of per-sample
    shape ``y_true_shape`` and outputs of ``y_pred_shape``."""
    what = f"The metric '{metric.name}'"
    if not metric.variables:
        raise ValueError(f"{what} has no variables: a stateful Metric keeps its state in variables made with "
                         "self.add_variable(shape=..., initializer=..., name=...) in its __init__.")
    traced = {
        "variables": [{"name": v.name, "shape": list(v.shape), "reset": reset}
                      for v, reset in zip(metric.variables, _reset_values(metric))],
        "update": _trace_update(metric, y_true_shape, y_pred_shape, False, what),
        "update_weighted": _trace_weighted_update(metric, y_true_shape, y_pred_shape, what),
        "result": _trace_result(metric, what),
    }
    config = serialize_object(metric)
    config["densekit_traced"] = traced
    return _core.Metric.from_config_json(json.dumps(config, default=repr))
