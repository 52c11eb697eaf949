"""compile()'s arguments as the C++ model takes them: each loss, loss weight and metric turned
into its C++ object, in the structure the user gave (one value, a list or a dict). The C++ model
resolves them per output with Keras's rules (cpp/src/training/compile_args.cpp, after
keras/src/trainers/compile_utils.py)."""

import numbers

from densekit import losses as losses_module, metrics as metrics_module

ABSENT = ("absent", [], [])


def is_config(value):
    """A serialized Keras object ({"class_name": ..., "config": ...}) rather than a per-output dict."""
    return isinstance(value, dict) and "class_name" in value


def _structured(value, leaf):
    """(form, values, keys) of one argument, each value converted by ``leaf``."""
    if value is None:
        return ABSENT
    if isinstance(value, dict) and not is_config(value):
        return "dict", [leaf(v) for v in value.values()], [str(k) for k in value]
    if isinstance(value, (list, tuple)):
        return "list", [leaf(v) for v in value], []
    return "one", [leaf(value)], []


def _loss(value):
    return None if value is None else losses_module.get(value)._core


def _loss_weights(weights):
    def number(w):
        if isinstance(w, bool) or not isinstance(w, numbers.Real):
            raise ValueError(f"Every loss weight must be a number. Received: loss_weights={weights!r}")
        return float(w)
    if isinstance(weights, dict):  # an output left out (or None) weighs 1
        weights = {k: w for k, w in weights.items() if w is not None}
    return _structured(weights, number)


def _metric_entry(value):
    """One output's metrics: a metric, a list of them, or None."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    return [metrics_module.get(m) for m in items if m is not None]


def compile_args(loss, loss_weights, metrics, weighted_metrics):
    """The four per-output arguments of the C++ Model.compile."""
    return (_structured(loss, _loss), _loss_weights(loss_weights), _structured(metrics, _metric_entry),
            _structured(weighted_metrics, _metric_entry))


# The accuracy functions: compiled by name they are wrapped without a direction, so
# mode="auto" cannot tell which way they improve (Keras's behaviour); their classes can.
_DIRECTIONLESS = {"binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                  "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy"}


def metric_directions(metric_lists):
    """{name: "up" / "down" / None} of the compiled metrics, as callbacks' mode="auto" sees them:
    each under the name it was given by (a string or function) or its own name (an object)."""
    directions = {}
    for cores in metric_lists:
        for core in cores:
            name = core.identifier or core.name
            directions[name] = None if core.identifier in _DIRECTIONLESS or not core.has_direction else (
                "up" if core.higher_is_better else "down")
    return directions
