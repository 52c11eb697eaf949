"""The base of every metric: densekit's built-in metrics keep their state in a C++ accumulator
(reset every epoch); a subclass of Metric itself keeps its state in variables, as Keras's
guides write one (keras/src/metrics/metric.py)."""

import numpy as np

from densekit import _core
from densekit.utils import naming
from densekit.utils.arguments import check_axis_fits, compute_dtype, set_fields
from densekit.utils.pickling import ConfigPickling


def _overrides_state(cls):
    """Whether a class of the user's (below a densekit metric) replaces how the state updates or
    reads: densekit's C++ metric would silently ignore that."""
    for klass in cls.__mro__:
        if klass.__module__.split(".")[0] == "densekit":  # reached densekit's own classes
            return False
        if any(name in vars(klass) for name in ("update_state", "result", "reset_state")):
            return True
    return False


class Metric(ConfigPickling):
    """A streaming metric: ``update_state``, ``result``, ``reset_state``.

    densekit's metrics keep their state in C++. A subclass of Metric itself, as Keras's guides
    write one, keeps its state in variables made with ``add_variable``: its update_state and
    result run in Python on arrays, and compile() traces them into C++
    (trainers/stateful_metrics.py)."""

    _core_name = None
    _wraps_a_function = False  # MeanMetricWrapper: its config is the function's and its arguments
    def __init__(self, dtype=None, name=None, **params):  # (Keras's order: keras/src/metrics/metric.py)
        self._dtype = compute_dtype(dtype)
        if self._core_name is None:  # the user's own stateful metric
            if params:
                raise TypeError(f"{type(self).__name__}.__init__() got unexpected keyword argument(s) "
                                f"{sorted(params)}")
            self.name = name or naming.auto_name(type(self).__name__)
            self._params, self._core, self._variables = {}, None, []
            return
        if _overrides_state(type(self)):
            raise NotImplementedError(
                f"{type(self).__name__} replaces update_state, result or reset_state of densekit's "
                f"{self._core_name} metric, which computes in C++ and would ignore the change. Subclass "
                "densekit.metrics.Metric itself (state in add_variable variables), or write a function of "
                "(y_true, y_pred) with densekit.ops.")
        self._core = self._make_core()
        self._core.identifier = ""  # a metric object: saved as its class
        # Without a name, Keras auto-names the metric from its class, made unique ("precision",
        # "precision_1"); the classes with a default name (keras/src/metrics/) keep it as it is.
        self.name = name or naming.auto_name(type(self).__name__)
        self._core.name = self.name
        self._params = params
        set_fields(self._core, self, params)
        self._core.reset()

    def _make_core(self):
        return _core.Metric.from_name(self._core_name)

    def __getattr__(self, name):
        # Keras's metrics keep their arguments as attributes (TopKCategoricalAccuracy(k=3).k,
        # R2Score().num_regressors): here they are in the config (or the C++ metric's arguments).
        if not name.startswith("_"):
            for arguments in (self.__dict__.get("_config"), self.__dict__.get("_params")):
                if arguments and name in arguments:
                    return arguments[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    # --- a stateful metric's variables (keras/src/metrics/metric.py) ----------------------------
    @property
    def variables(self):
        """Its own variables, then those of the metrics it holds as attributes (alone, in lists
        or dicts), as Keras tracks sub-metrics."""
        return list(getattr(self, "_variables", [])) + [v for sub in self._sub_metrics() for v in sub.variables]

    def _sub_metrics(self):
        found, pending = [], list(vars(self).values())
        while pending:
            value = pending.pop(0)
            if isinstance(value, dict):
                pending[:0] = list(value.values())
            elif isinstance(value, (list, tuple)):
                pending[:0] = list(value)
            elif isinstance(value, Metric) and value is not self and all(value is not f for f in found):
                found.append(value)
        return found

    @property
    def dtype(self):
        """Keras's compute dtype of the metric, as given (float32 by default): kept in its config;
        densekit computes in float32 whatever it says."""
        return self.__dict__.get("_dtype", "float32")

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        if self._core_name is not None:
            raise NotImplementedError(f"densekit's {type(self).__name__} keeps its state in C++; add_variable is for "
                                      "subclasses of densekit.metrics.Metric itself.")
        from densekit.trainers.metric_variable import MetricVariable
        variable = MetricVariable(self.name, name or f"variable_{len(self._variables)}", shape, initializer, dtype)
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        return self.add_variable(shape, initializer or "zeros", dtype=dtype, name=name)

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._core is None:
            raise NotImplementedError(f"{type(self).__name__} must implement update_state().")
        y_pred = np.ascontiguousarray(y_pred, dtype=np.float32)
        y_true = np.ascontiguousarray(y_true, dtype=np.float32)
        check_axis_fits(self, y_pred.ndim)
        weights = None if sample_weight is None else self._weights_per_sample(sample_weight, y_pred)
        self._core.update(y_true, y_pred, weights)

    def _weights_per_sample(self, sample_weight, y_pred):
        """``sample_weight`` as one weight per sample of the C++ metric (each row of y_pred's
        last axis; one number given weighs each). Weights per element (Keras broadcasts a (1, classes) weight
        over the rows) are refused, as the README says, not read as weights of other rows."""
        weights = np.ascontiguousarray(sample_weight, dtype=np.float32)
        samples = y_pred.shape[:-1] if y_pred.ndim > 1 else y_pred.shape
        shape = weights.shape
        while len(shape) > len(samples) and shape[-1] == 1:  # (n, 1) weighs the samples of (n, classes)
            shape = shape[:-1]
        if weights.size == 1:  # one number weighs each sample, as in Keras
            return np.full(int(np.prod(samples)), weights.reshape(-1)[0], dtype=np.float32)
        if shape != samples:
            raise ValueError(f"{type(self).__name__}: sample_weight must have one value per sample (shape {samples}) or "
                             f"be one number: densekit takes one weight per sample, not per element. Received sample_weight.shape="
                             f"{weights.shape} for y_pred.shape={y_pred.shape}")
        return weights.reshape(-1)

    def result(self):
        if self._core is None:
            raise NotImplementedError(f"{type(self).__name__} must implement result().")
        # One value per threshold or class for some (TruePositives with a list of thresholds,
        # F1Score with average=None), as Keras returns them.
        if self._core.array_valued:
            return np.asarray(self._core.results(), dtype=np.float32)
        return np.float32(self._core.result())

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

    def reset_state(self):
        if self._core is None:  # Keras's default: every variable back to zeros, its sub-metrics' too
            for variable in getattr(self, "_variables", []):
                variable.assign(np.zeros(variable.shape, dtype=np.float32))
            for sub in self._sub_metrics():
                sub.reset_state()
            return
        self._core.reset()

    def get_config(self):
        if self._core_name is None and not self._wraps_a_function:
            return {"name": self.name, "dtype": self.dtype}
        return {"name": self.name, "dtype": self.dtype, **self._params}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class _KerasConfigMetric(Metric):
    """A metric whose get_config is Keras's: its constructor's arguments, kept as given."""

    def _keep_config(self, **config):
        self._config = config

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, **self._config}
