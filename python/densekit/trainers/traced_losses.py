"""Losses and metrics written in Python with densekit.ops, traced into the C++ core.

A function of ``(y_true, y_pred)`` given to compile() as a loss or a metric, or the ``call`` of a
Loss subclass, runs once on symbolic tensors shaped like the model's output: the ops it calls
record a small graph with the inputs y_true and y_pred. The C++ model runs that graph as it runs
a built-in loss (cpp/include/densekit/traced_loss.hpp): the forward pass gives each sample's
values, Keras's reduction weighs and sums them (reduce_weighted_values in
keras/src/losses/loss.py), and the backward pass gives the gradient with respect to y_pred, so
no Python runs per batch. A metric function becomes Keras's MeanMetricWrapper: the weighted mean
over the samples of each sample's mean value.
"""

import functools
import json
import numbers

from densekit import _core
from densekit.losses import LossFunctionWrapper, _same_rank
from densekit.layers.batch_loss import BatchLoss
from densekit.layers.input_layer import Input
from densekit.layers.keras_tensor import KerasTensor
from densekit.layers.trace_call import trace_call
from densekit.saving.serialization_lib import model_class
from densekit.utils.object_registration import serialize_object


def _function_of(obj):
    """The function of (y_true, y_pred) that ``obj`` computes: a Loss subclass's ``call``, a
    MeanMetricWrapper's ``fn`` with its arguments, or ``obj`` itself."""
    wrapped = getattr(obj, "fn", None) or getattr(obj, "_fn", None)  # a wrapper of a function: errors name it
    if callable(wrapped) and not getattr(obj, "_fn_kwargs", None):
        return wrapped
    fn = getattr(obj, "_traced_function", None)
    return fn() if fn is not None else obj


def _same_rank_first(function):
    @functools.wraps(function)
    def call(y_true, y_pred):
        return function(*_same_rank(y_true, y_pred))
    return call


def _name_of(obj):
    return getattr(obj, "name", None) or getattr(obj, "__name__", None) or type(obj).__name__


def trace(obj, y_pred_shape, what, y_true_shape=None, number_allowed=False):
    """The C++ model of ``obj``'s function on (y_true, y_pred) of per-sample shapes
    ``y_true_shape`` (by default y_pred's) and ``y_pred_shape``. ``what`` names it in errors
    ("The loss 'my_loss'"). ``number_allowed``: a metric may return one number."""
    functional = model_class("Functional")  # registered by densekit.models, which imports this package
    y_true = Input(shape=tuple(y_pred_shape if y_true_shape is None else y_true_shape), name="y_true")
    y_pred = Input(shape=tuple(y_pred_shape), name="y_pred")
    function = _function_of(obj)
    if isinstance(obj, LossFunctionWrapper):
        # Keras's wrapper of a loss function brings y_true and y_pred to one rank before calling it
        # (keras/src/losses/losses.py): targets (n,) meet outputs (n, 1) as (n, 1).
        function = _same_rank_first(function)
    out = trace_call(what, function, y_true, y_pred)
    if number_allowed and isinstance(out, numbers.Real) and not isinstance(out, bool):
        # One number (Keras's trainer tests return 0.0): that value for every sample, as Keras's
        # mean of it gives. (A loss of one number is refused: nothing could train.)
        from densekit import ops
        out = ops.add(ops.zeros_like(ops.sum(y_pred, axis=-1)), float(out))
    if isinstance(out, BatchLoss):
        raise NotImplementedError(f"{what} reduces over the batch axis (ops.mean or ops.sum with no axis): return the "
                                  "loss of each sample (axis=-1); the loss's reduction averages over the batch.")
    if not isinstance(out, KerasTensor):
        raise TypeError(f"{what} returned {out!r} ({type(out).__name__}) on symbolic tensors; it must return a tensor "
                        "computed from y_true and y_pred with densekit.ops (the loss of each sample, e.g. "
                        "ops.mean(ops.square(y_true - y_pred), axis=-1)).")
    if out is y_true or out is y_pred:
        raise ValueError(f"{what} returns one of its inputs unchanged; a loss must compute a value from them.")
    if len(out.shape) < 1:
        raise ValueError(f"{what} returned a value of shape {out.shape}; it must keep the batch axis.")
    return functional([y_true, y_pred], out, name=f"traced_{_name_of(obj)}")._core


def core_loss(obj, y_pred_shape, y_true_shape=None):
    """The C++ loss for a loss ``obj`` of Python code (function or Loss subclass instance)."""
    name = _name_of(obj)
    source = obj.fn if getattr(obj, "_given_as_function", False) else obj
    config = json.dumps(serialize_object(source), default=repr)
    loss = _core.Loss.traced(trace(obj, y_pred_shape, f"The loss '{name}'", y_true_shape), name, config)
    reduction = getattr(obj, "reduction", "sum_over_batch_size")
    loss.reduction = _core.Loss.reduction_from_name(reduction or "none")
    return loss


def core_metric(obj, y_pred_shape, y_true_shape=None):
    """The C++ metric for a metric function ``obj`` (or a MeanMetricWrapper of one)."""
    name = _name_of(obj)
    config = json.dumps(serialize_object(obj), default=repr)
    return _core.Metric.traced(trace(obj, y_pred_shape, f"The metric '{name}'", y_true_shape, number_allowed=True),
                               name, config)


def is_traced_loss(obj):
    """Whether compile() traces ``obj`` as a loss: a Python function, or a Loss whose ``call``
    is the user's (a built-in loss or loss function is computed by the C++ core directly)."""
    from densekit import losses
    if isinstance(obj, losses.Loss):
        return obj._core is None
    return callable(obj) and not isinstance(obj, type) and not hasattr(obj, "_densekit_class") and \
        not hasattr(obj, "_densekit_accuracy")


def is_traced_metric(obj):
    """Whether compile() traces ``obj``: a metric function (or a MeanMetricWrapper of one), or a
    stateful Metric subclass of the user's (trainers/stateful_metrics.py)."""
    from densekit import metric_functions, metrics
    if isinstance(obj, metrics.Metric):
        return obj._core_name is None
    # densekit's own functions without a C++ metric of their name (huber, log_cosh) are traced too.
    return callable(obj) and not isinstance(obj, type) and not metric_functions.is_densekit_function(obj)

