"""compile()'s arguments resolved per model output: one value, a list or a dict for the loss,
the loss weights, the metrics and the weighted metrics (keras/src/trainers/compile_utils.py)."""

import numbers

from densekit import losses as losses_module, metrics as metrics_module


def is_config(value):
    """A serialized Keras object ({"class_name": ..., "config": ...}) rather than a per-output dict."""
    return isinstance(value, dict) and "class_name" in value


# The accuracy functions: compiled by name they are wrapped without a direction, so
# mode="auto" cannot tell which way they improve (Keras's behaviour); their classes can.
_DIRECTIONLESS = {"binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                  "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy"}


def metric_direction(identifier, core):
    """(name, "up" / "down" / None) of a compiled metric, as callbacks' mode="auto" sees it."""
    name = identifier if isinstance(identifier, str) else core.name
    fn_name = identifier if isinstance(identifier, str) else getattr(identifier, "__name__", None)
    if fn_name in _DIRECTIONLESS and not isinstance(identifier, metrics_module.Metric):
        return name, None
    return name, "up" if core.higher_is_better else "down"


def resolve_compile(args, names, keys):
    """compile()'s arguments ``args`` (loss, loss_weights, metrics, weighted_metrics) for a model
    whose outputs are ``names`` (and, for a dict of outputs, ``keys``), per output: loss objects,
    loss weights, metric and weighted-metric objects (Keras's CompileLoss and CompileMetrics rules
    for a value given once, as a list or as a dict). Returns (those four lists, each metric's
    direction by name). Repeated metric names are told apart in the logs by the C++ model ("_1",
    "weighted_")."""
    n = len(names)
    index = {name: k for k, name in enumerate(names)}
    if keys:
        index.update({key: k for k, key in enumerate(keys)})

    def by_output(value, what):
        """A dict keyed by output names (or output dict keys) as a per-output list (None: absent)."""
        out = [None] * n
        for key, v in value.items():
            if key not in index:
                raise ValueError(f"In the dict argument `{what}`, key '{key}' does not correspond to any model output. "
                                 f"Received: {what}={value}. The model's outputs are {names}.")
            out[index[key]] = v
        return out

    loss = args["loss"]
    if loss is None:
        losses = None
    else:
        if isinstance(loss, dict) and not is_config(loss):
            per = by_output(loss, "loss")
        elif isinstance(loss, (list, tuple)):
            if len(loss) != n:
                raise ValueError(f"The model has {n} output(s) ({names}) but {len(loss)} losses were given: pass one "
                                 "loss, one per output, or a dict keyed by output names.")
            per = list(loss)
        else:
            per = [loss] * n
        missing = [names[k] for k, v in enumerate(per) if v is None]
        if missing:
            raise ValueError(f"densekit needs a loss for every output; none was given for {missing}.")
        losses = [losses_module.get(v) for v in per]

    weights = args["loss_weights"]
    if weights is None:
        weights = [1.0] * n
    elif isinstance(weights, dict):
        per = by_output(weights, "loss_weights")
        weights = [1.0 if w is None else w for w in per]
    elif isinstance(weights, (list, tuple)):
        if len(weights) != n:
            raise ValueError(f"`loss_weights` must match the number of losses, got {n} losses and {len(weights)} "
                             "weights.")
        weights = list(weights)
    else:
        if n > 1 and isinstance(loss, (list, tuple, dict)) and not is_config(loss):
            raise ValueError(f"`loss_weights` must match the number of losses, got {n} losses and 1 weight. Pass a "
                             "list or a dict of weights.")
        weights = [weights] * n
    for w in weights:
        if isinstance(w, bool) or not isinstance(w, numbers.Real):
            raise ValueError(f"Every loss weight must be a number. Received: loss_weights={args['loss_weights']!r}")
    weights = [float(w) for w in weights]

    def metric_lists(metrics, what):
        """Per output, the metric identifiers."""
        entry = lambda v: [] if v is None else (list(v) if isinstance(v, (list, tuple)) else [v])  # noqa: E731
        if metrics is None:
            return [[] for _ in range(n)]
        if n == 1:
            if isinstance(metrics, dict):
                return [[m for v in by_output(metrics, what) for m in entry(v)]]
            return [list(metrics)]
        if isinstance(metrics, dict):
            return [entry(v) for v in by_output(metrics, what)]
        if len(metrics) != n:
            raise ValueError(f"For a model with multiple outputs, when providing the `{what}` argument as a list, it "
                             f"should have as many entries as the model has outputs. Received:\n{what}={metrics}\nof "
                             f"length {len(metrics)} whereas the model has {n} outputs.")
        return [entry(v) for v in metrics]

    plain = [[(m, metrics_module.get(m)) for m in ms if m is not None] for ms in metric_lists(args["metrics"], "metrics")]
    weighted = [[(m, metrics_module.get(m)) for m in ms if m is not None]
                for ms in metric_lists(args.get("weighted_metrics"), "weighted_metrics")]
    # Each metric's direction under its own (unprefixed) name, which is all callbacks' mode="auto"
    # can match in Keras.
    directions = dict(metric_direction(m, core) for pairs in plain + weighted for m, core in pairs)
    resolved = (losses, weights, [[c for _, c in pairs] for pairs in plain],
                [[c for _, c in pairs] for pairs in weighted])
    return resolved, directions
