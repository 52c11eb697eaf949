"""compile()'s arguments as the C++ model takes them: each loss, loss weight and metric turned
into its C++ object, in the structure the user gave (one value, a list or a dict). The C++ model
resolves them per output with Keras's rules (cpp/src/training/compile_args.cpp, after
keras/src/trainers/compile_utils.py)."""

import inspect
import json
import numbers

from densekit import _core, losses as losses_module, metric_functions, metrics as metrics_module
from densekit.trainers import stateful_metrics, traced_losses
from densekit.utils import naming, traceback_utils
from densekit.utils.arguments import check_axis_fits

ABSENT = ("absent", [], [])


def is_config(value):
    """A serialized Keras object ({"class_name": ..., "config": ...}) rather than a per-output dict."""
    return isinstance(value, dict) and "class_name" in value


def is_traced_config(value):
    """A saved loss or metric of Python code, with the graph densekit traced from it."""
    return is_config(value) and "densekit_traced" in value


def _structured(value, leaf):
    """(form, values, keys) of one argument, each value converted by ``leaf(value, position)``:
    position is None for one value given for every output, else its index or dict key."""
    if value is None:
        return ABSENT
    if isinstance(value, dict) and not is_config(value):
        return "dict", [leaf(v, str(k)) for k, v in value.items()], [str(k) for k in value]
    if isinstance(value, (list, tuple)):
        return "list", [leaf(v, i) for i, v in enumerate(value)], []
    return "one", [leaf(value, None)], []


class _Outputs:
    """The per-sample shapes of the model's outputs (and of their targets) by position (index or
    output name/key), for tracing the losses and metrics written in Python; unknown until the
    model is built, when compile() converts them for checking names and counts only
    (placeholders). Targets are taken to be shaped like the outputs until data says otherwise."""

    def __init__(self, shapes=None, names=(), keys=(), target_shapes=None):
        self.shapes, self.names, self.keys = shapes, list(names), list(keys or ())
        self.target_shapes = target_shapes

    def _at(self, shapes, position):
        if shapes is None:
            return None
        if position is None or len(shapes) == 1:
            return shapes[0]
        if isinstance(position, int):
            return shapes[position] if position < len(shapes) else None
        for labels in (self.keys, self.names):
            if position in labels:
                return shapes[labels.index(position)]
        return None

    def shape(self, position):
        return self._at(self.shapes, position)

    def target_shape(self, position):
        shape = self._at(self.target_shapes, position)
        return shape if shape is not None else self.shape(position)


def _traced_loss(value, shape, target_shape):
    if shape is None:  # a placeholder until the model is built
        placeholder = _core.Loss.from_name("mean_squared_error")
        placeholder.display_name = getattr(value, "name", "loss")
        return placeholder
    return traced_losses.core_loss(value, shape, target_shape)


def _loss(outputs):
    def leaf(value, position):
        if isinstance(value, (list, tuple)) and len(value) == 1 and position is not None:
            value = value[0]  # one output's loss in a list of its own, as Keras's structures allow
        if value is None:
            return None
        if is_traced_config(value):  # a loaded model's traced loss: rebuilt from the graph it saved
            return _core.Loss.from_config_json(json.dumps(value))
        loss = losses_module.loss_object(value)
        if loss._core is None:  # the user's function or Loss subclass: traced for its output
            return _traced_loss(loss, outputs.shape(position), outputs.target_shape(position))
        return loss._core
    return leaf


def _loss_arg(loss, outputs):
    """The loss argument; one loss of Python code for several outputs of different shapes is
    traced once per output (a list)."""
    if outputs.shapes and len(outputs.shapes) > 1 and traced_losses.is_traced_loss(loss):
        return "list", [_loss(outputs)(loss, i) for i in range(len(outputs.shapes))], []
    return _structured(loss, _loss(outputs))


def _loss_weights(weights):
    def number(w):
        if isinstance(w, bool) or not isinstance(w, numbers.Real):
            raise ValueError(f"Every loss weight must be a number. Received: loss_weights={weights!r}")
        return float(w)
    if isinstance(weights, dict):  # an output left out (or None) weighs 1
        weights = {k: w for k, w in weights.items() if w is not None}
    return _structured(weights, lambda w, _: number(w))


def _metric_entry(outputs):
    def leaf(value, position):
        """One output's metrics: a metric, a list of them, or None."""
        if value is None:
            return []
        items = value if isinstance(value, (list, tuple)) else [value]
        shape = outputs.shape(position)
        return [_metric(m, shape, outputs.target_shape(position)) for m in items if m is not None]
    return leaf


def instantiated(value):
    """``value`` with each Loss or Metric class in it replaced by an instance, as Keras's
    losses.get and metrics.get call a class they are given (keras/src/losses/__init__.py)."""
    if isinstance(value, type) and issubclass(value, (losses_module.Loss, metrics_module.Metric)):
        return value()
    if isinstance(value, dict) and not is_config(value):
        return {key: instantiated(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(instantiated(item) for item in value)
    return value


def metric_core(identifier):
    """The C++ metric for a compile() entry: a string, a Metric instance, a Keras config, or one
    of keras.metrics' / keras.losses' functions. "accuracy" (any case) and "acc" are the accuracy
    chosen from the shapes, named as given (keras/src/trainers/compile_utils.py)."""
    if isinstance(identifier, metrics_module.Metric):
        return identifier._core
    if isinstance(identifier, dict) and identifier.get("class_name") in ("function", "MeanMetricWrapper"):
        # One of Keras's functions, bare or wrapped with arguments, as Keras's compile config has it.
        return _core.Metric.from_config_json(json.dumps(identifier))
    if isinstance(identifier, dict) and "class_name" in identifier:  # a saved metric object
        cls = getattr(metrics_module, identifier["class_name"], None)
        if isinstance(cls, type) and issubclass(cls, metrics_module.Metric) and cls is not metrics_module.Metric:
            return cls.from_config(identifier.get("config", {}))._core
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        core = _core.Metric.from_name("accuracy")  # resolved from the shapes, named as given
        core.name = core.identifier = identifier
        return core
    if isinstance(identifier, str) and identifier in metrics_module.NEED_AN_ARGUMENT:
        raise TypeError(f"The metric {identifier!r} needs its target rate: pass "
                        f"{metrics_module.NEED_AN_ARGUMENT[identifier]} instead of the string.")
    if isinstance(identifier, str):  # named by the string, whatever it names ("AUC", "mse")
        core = _core.Metric.from_name(identifier)
        core.name = identifier
        return core
    if metric_functions.is_densekit_function(identifier):
        return metric_functions.function_core(identifier)
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}. densekit computes metrics in C++; "
                     f"valid names are: {', '.join(_core.Metric.names())}.")


def _metric(value, shape, target_shape):
    if is_traced_config(value):
        return _core.Metric.from_config_json(json.dumps(value))
    if not traced_losses.is_traced_metric(value):
        return metric_core(value)
    if shape is None:  # a placeholder until the model is built
        placeholder = _core.Metric.from_name("mean_squared_error")
        placeholder.name = getattr(value, "name", None) or getattr(value, "__name__", "metric")
        return placeholder
    if isinstance(value, metrics_module.Metric) and not isinstance(value, metrics_module.MeanMetricWrapper):
        return stateful_metrics.core_metric(value, target_shape, shape)
    core = traced_losses.core_metric(value, shape, target_shape)
    if isinstance(value, metrics_module.Metric):  # the object compile() received reads the model's state
        value._core = core
    return core


def _leaves(value):
    """The losses or metrics of one compile() argument, flattened as Keras's tree does (a dict's
    values in the order of its sorted keys); a Keras config dict is one leaf."""
    if isinstance(value, dict) and not is_config(value):
        return [x for _, v in sorted(value.items()) for x in _leaves(v)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _leaves(v)]
    return [] if value is None else [value]


def check_argument_types(loss_weights, metrics, weighted_metrics):
    """compile()'s refusals of containers Keras does not take, in its words."""
    if metrics is not None and not isinstance(metrics, (list, tuple, dict)):
        raise ValueError("Expected `metrics` argument to be a list, tuple, or dict. "
                         f"Received instead: metrics={metrics} of type {type(metrics)}")
    if weighted_metrics is not None and not isinstance(weighted_metrics, (list, tuple, dict)):
        raise ValueError("Expected `weighted_metrics` argument to be a list, tuple, or dict. "
                         f"Received instead: weighted_metrics={weighted_metrics} of type {type(weighted_metrics)}")
    if loss_weights is not None and not isinstance(loss_weights, (list, tuple, dict, numbers.Real)):
        raise ValueError("Expected `loss_weights` argument to be a float (single output case) or a list, tuple, or "
                         f"dict (multiple output case). Received instead: loss_weights={loss_weights} of type "
                         f"{type(loss_weights)}")


def compile_args(loss, loss_weights, metrics, weighted_metrics, output_shapes=None, output_names=(), output_keys=(),
                 target_shapes=None):
    """The four per-output arguments of the C++ Model.compile. Losses and metrics written in
    Python are traced for ``output_shapes`` (per-sample shapes, once the model is built) and
    targets of ``target_shapes`` (by default the outputs')."""
    outputs = _Outputs(output_shapes, output_names, output_keys, target_shapes)
    return (_loss_arg(loss, outputs), _loss_weights(loss_weights), _structured(metrics, _metric_entry(outputs)),
            _structured(weighted_metrics, _metric_entry(outputs)))


def check_axes(kwargs, output_shapes, output_names, output_keys):
    """Refuses a loss or metric object given axis=1 for an output that is not 2-D (densekit's
    losses and metrics reduce the last axis, which is axis 1 only there). A metric is checked
    against every output."""
    outputs = _Outputs(output_shapes, output_names, output_keys)

    def leaf(value, position):
        if isinstance(value, losses_module.Loss):
            for shape in output_shapes if position is None else [outputs.shape(position)]:
                check_axis_fits(value, None if shape is None else len(shape) + 1)
    _structured(kwargs["loss"], leaf)
    for metric in _leaves(kwargs["metrics"]) + _leaves(kwargs["weighted_metrics"]):
        for shape in output_shapes:
            check_axis_fits(metric, len(shape) + 1)


def has_traced(loss, metrics, weighted_metrics):
    """Whether any loss or metric is Python code that compile() traces (once shapes are known)."""
    return (any(traced_losses.is_traced_loss(v) for v in _leaves(loss) if not isinstance(v, (str, dict)))
            or any(traced_losses.is_traced_metric(v) for v in _leaves(metrics) + _leaves(weighted_metrics)
                   if not isinstance(v, (str, dict))))


def take_metric_auto_names(metrics, weighted_metrics, output_names):
    """Takes the auto-names of the metric objects Keras makes without a name when its compiled
    metrics meet their first data (CompileMetrics.build in keras/src/trainers/compile_utils.py),
    in its order: each string but "accuracy" / "acc" names a class there, and a function is
    wrapped in a MeanMetricWrapper. Those whose name defaults to None (AUC, Precision...) take
    the next number of their name, so a metric object made after them is "auc_1", as in Keras."""
    classes, names = [], metrics_module._names()
    for value in (metrics, weighted_metrics):
        if isinstance(value, dict) and not is_config(value) and len(output_names) > 1:
            value = [value.get(name) for name in output_names]
        for m in _leaves(value):
            if isinstance(m, str) and m.lower() not in ("accuracy", "acc") and m in names:
                name_argument = inspect.signature(names[m]).parameters.get("name")
                if name_argument is not None and name_argument.default is None:
                    classes.append(names[m].__name__)
            elif callable(m) and not isinstance(m, (type, metrics_module.Metric)):
                classes.append("MeanMetricWrapper")
    for class_name in classes:
        naming.auto_name(class_name)


def metric_directions(metric_lists):
    """{name: "up" / "down" / None} of the compiled metrics, as callbacks' mode="auto" sees them:
    each under the name it was given by (a string or function) or its own name (an object)."""
    directions = {}
    for cores in metric_lists:
        for core in cores:
            name = core.identifier or core.name
            directions[name] = ("up" if core.higher_is_better else "down") if core.has_direction else None
    return directions


def warn_probabilities_given_as_logits(core_model):
    """Keras on TensorFlow warns when a cross-entropy compiled with from_logits=True is given a
    softmax or sigmoid output, and reads that activation's logits all the same
    (keras/src/backend/tensorflow/nn.py, _get_logits): densekit computes it so, and warns so."""
    for function, activation in core_model.probabilities_given_as_logits:
        traceback_utils.warn(f'"`{function}` received `from_logits=True`, but the `output` argument was produced by '
                             f"a {activation} activation and thus does not represent logits. Was this intended?")


def logs_in_order(logs, metric_names, output_names):
    """The values of ``logs`` ((key, value) pairs) in the order Keras's evaluate and
    train_on_batch list them (keras/src/trainers/trainer.py, _flatten_metrics_in_order): the
    loss, the value keyed by each compiled metric's own name (metrics, then weighted metrics), so
    a weighted metric named as another gives that other's value again; the per-output losses;
    then every key not listed yet, sorted."""
    values = dict(logs)
    names = ["loss", *metric_names, *(f"{name}_loss" for name in output_names if len(output_names) > 1)]
    return [values[k] for k in names if k in values] + [values[k] for k in sorted(values) if k not in names]


# The steps a Keras model may override (keras/src/trainers/trainer.py and the backends'):
# densekit runs them in C++, so a model's own would be silently skipped.
_OWN_STEPS = ("train_step", "test_step", "predict_step", "compute_loss", "compute_metrics")


def refuse_own_steps(model_class):
    """NotImplementedError when a model class defines its own training, evaluation or
    prediction step (Keras's "Customizing what happens in fit()" guide)."""
    own = [name for name in _OWN_STEPS if callable(getattr(model_class, name, None))]
    if own:
        raise NotImplementedError(
            f"{model_class.__name__} defines {', '.join(own)}: densekit runs fit, evaluate and predict in C++ and "
            "never calls a model's own steps. Express what they do with compile()'s loss (a function of (y_true, "
            "y_pred) or a Loss subclass) and metrics, self.add_loss() in call(), and callbacks.")
