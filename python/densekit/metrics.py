"""Metrics: streaming accumulators in C++ (reset every epoch), named as Keras names them."""

import numpy as np

from densekit import _core
from densekit.utils import naming

__all__ = [
    "AUC", "BinaryAccuracy", "BinaryCrossentropy", "CategoricalAccuracy", "CategoricalCrossentropy", "Metric",
    "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError", "MeanSquaredLogarithmicError",
    "Precision", "Recall", "RootMeanSquaredError", "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy", "TopKCategoricalAccuracy", "get",
]

class Metric:
    """A streaming metric: ``update_state``, ``result``, ``reset_state``."""

    _core_name = None

    def __init__(self, name=None, dtype=None, **params):
        self._core = _core.Metric.from_name(self._core_name)
        self._core.identifier = ""  # a metric object: saved as its class
        # Without a name, Keras auto-names the metric from its class, made unique ("precision",
        # "precision_1"); the classes with a default name (keras/src/metrics/) keep it as it is.
        self.name = name or naming.auto_name(type(self).__name__)
        self._core.name = self.name
        self._params = params
        for key, value in params.items():
            setattr(self._core, key, value)
        self._core.reset()

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.ascontiguousarray(y_pred, dtype=np.float32)
        y_true = np.ascontiguousarray(y_true, dtype=np.float32)
        weights = None if sample_weight is None else np.ascontiguousarray(sample_weight, dtype=np.float32).reshape(-1)
        self._core.update(y_true, y_pred, weights)

    def result(self):
        return np.float32(self._core.result())

    def reset_state(self):
        self._core.reset()

    def get_config(self):
        return {"name": self.name, **self._params}

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _metric_class(class_name, core_name, doc, **defaults):
    def __init__(self, name=core_name, dtype=None, **kwargs):
        params = dict(defaults)
        for key, value in kwargs.items():
            if key not in defaults:
                raise TypeError(f"{class_name}.__init__() got an unexpected keyword argument '{key}'")
            params[key] = value
        Metric.__init__(self, name=name, dtype=dtype, **params)

    return type(class_name, (Metric,), {"__init__": __init__, "_core_name": core_name, "__doc__": doc})


BinaryAccuracy = _metric_class("BinaryAccuracy", "binary_accuracy", "mean(y == (p > threshold))", threshold=0.5)
CategoricalAccuracy = _metric_class("CategoricalAccuracy", "categorical_accuracy", "argmax(y) == argmax(p)")
SparseCategoricalAccuracy = _metric_class("SparseCategoricalAccuracy", "sparse_categorical_accuracy",
                                          "y == argmax(p)")
TopKCategoricalAccuracy = _metric_class("TopKCategoricalAccuracy", "top_k_categorical_accuracy",
                                        "argmax(y) among the k largest p", k=5)
SparseTopKCategoricalAccuracy = _metric_class("SparseTopKCategoricalAccuracy", "sparse_top_k_categorical_accuracy",
                                              "y among the k largest p", k=5)
MeanAbsoluteError = _metric_class("MeanAbsoluteError", "mean_absolute_error", "mean |y - p|")
MeanSquaredError = _metric_class("MeanSquaredError", "mean_squared_error", "mean (y - p)²")
MeanAbsolutePercentageError = _metric_class("MeanAbsolutePercentageError", "mean_absolute_percentage_error",
                                            "100·mean |y - p| / |y|")
MeanSquaredLogarithmicError = _metric_class("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error",
                                            "mean (log(p+1) - log(y+1))²")
RootMeanSquaredError = _metric_class("RootMeanSquaredError", "root_mean_squared_error", "sqrt(mean (y - p)²)")
BinaryCrossentropy = _metric_class("BinaryCrossentropy", "binary_crossentropy", "mean binary cross-entropy")
CategoricalCrossentropy = _metric_class("CategoricalCrossentropy", "categorical_crossentropy",
                                        "mean categorical cross-entropy")
SparseCategoricalCrossentropy = _metric_class("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy",
                                              "mean sparse categorical cross-entropy")


def _threshold(thresholds):
    """The one threshold densekit's Precision / Recall take, in [0, 1] as Keras requires
    (keras/src/metrics/metrics_utils.py, assert_thresholds_range)."""
    if thresholds is None:
        return 0.5
    value = float(thresholds)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: [{thresholds}]")
    return value


class Precision(Metric):
    """TP / (TP + FP), a prediction being positive when p > threshold."""
    _core_name = "precision"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        if top_k is not None or class_id is not None:
            raise ValueError("densekit's Precision does not support `top_k` or `class_id` yet.")
        super().__init__(name=name, threshold=_threshold(thresholds))


class Recall(Metric):
    """TP / (TP + FN), a prediction being positive when p > threshold."""
    _core_name = "recall"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        if top_k is not None or class_id is not None:
            raise ValueError("densekit's Recall does not support `top_k` or `class_id` yet.")
        super().__init__(name=name, threshold=_threshold(thresholds))


class AUC(Metric):
    """Area under the ROC curve, by trapezoids over ``num_thresholds`` thresholds."""
    _core_name = "auc"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        if curve != "ROC" or summation_method != "interpolation" or multi_label or thresholds is not None:
            raise ValueError("densekit's AUC supports curve='ROC', summation_method='interpolation' and "
                             "multi_label=False, with evenly spaced thresholds.")
        if num_thresholds <= 1:
            raise ValueError(f"Argument `num_thresholds` must be an integer > 1. Received: num_thresholds={num_thresholds}")
        super().__init__(name=name, num_thresholds=int(num_thresholds), from_logits=bool(from_logits))


def get(identifier):
    """The C++ metric for a compile() entry: a string, a Metric instance, or one of the
    densekit.losses functions."""
    if isinstance(identifier, Metric):
        return identifier._core
    if isinstance(identifier, dict) and "class_name" in identifier:  # a saved metric object
        cls = globals().get(identifier["class_name"])
        if isinstance(cls, type) and issubclass(cls, Metric) and cls is not Metric:
            return cls(**identifier.get("config", {}))._core
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        core = _core.Metric.from_name("accuracy")  # resolved from the shapes, named as given
        core.name = core.identifier = identifier
        return core
    if isinstance(identifier, str):  # named by the string, whatever it names ("AUC", "mse")
        core = _core.Metric.from_name(identifier)
        core.name = identifier
        return core
    fn_name = getattr(identifier, "__name__", None)
    if callable(identifier) and fn_name and hasattr(identifier, "_densekit_class"):
        core = _core.Metric.from_name(fn_name)
        return core
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}. densekit computes metrics in C++; "
                     f"valid names are: {', '.join(_core.Metric.names())}.")
