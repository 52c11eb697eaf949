"""Metrics: streaming accumulators in C++ (reset every epoch), named as Keras names them."""

import numpy as np

from densekit import _core
from densekit import metric_functions
from densekit.utils.arguments import (by_position as _by_position, check_axis_fits as _check_axis_fits,
                                      class_axis as _class_axis, compute_dtype as _compute_dtype)
from densekit.metric_functions import *  # noqa: F401,F403 - the functions keras.metrics names
from densekit.utils import naming, object_serialization
from densekit.utils import object_registration
from densekit.metric_base import Metric, _KerasConfigMetric

__all__ = [
    "AUC", "Accuracy", "BinaryAccuracy", "ConcordanceCorrelation", "CosineSimilarity", "PearsonCorrelation", "BinaryCrossentropy", "CategoricalAccuracy", "CategoricalCrossentropy", "CategoricalHinge",
    "F1Score", "Hinge", "LogCoshError", "SquaredHinge",
    "FBetaScore", "FalseNegatives", "FalsePositives", "KLDivergence", "Mean", "MeanMetricWrapper", "Metric",
    "Poisson", "Sum", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredError", "MeanSquaredLogarithmicError", "Precision", "PrecisionAtRecall", "R2Score", "Recall",
    "RecallAtPrecision", "RootMeanSquaredError", "SensitivityAtSpecificity", "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy", "SparseTopKCategoricalAccuracy", "SpecificityAtSensitivity",
    "TopKCategoricalAccuracy", "TrueNegatives", "TruePositives", "deserialize", "get", "serialize",
] + metric_functions.__all__


def _metric_class(class_name, core_name, doc, default_name=None, positional=None, **defaults):
    # Keras's signature order: (name, dtype, ...) unless `positional` says otherwise (top-k's k first)
    order = positional or ("name", "dtype", *defaults)

    def __init__(self, *args, **kwargs):
        kwargs = _by_position(class_name, order, args, kwargs)
        name, dtype = kwargs.pop("name", default_name or core_name), kwargs.pop("dtype", None)
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
                                        "argmax(y) among the k largest p", positional=("k", "name", "dtype"), k=5)
_SparseTopK = _metric_class("SparseTopKCategoricalAccuracy", "sparse_top_k_categorical_accuracy",
                            "y among the k largest p", positional=("k", "name", "dtype"), k=5)


class SparseTopKCategoricalAccuracy(_SparseTopK):
    """y among the k largest p (a score for every class: Keras's from_sorted_ids=False)."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        if from_sorted_ids:
            raise NotImplementedError("densekit's SparseTopKCategoricalAccuracy takes a score for every class "
                                      "(from_sorted_ids=False), not sorted class ids.")
        super().__init__(k, name, dtype)
MeanAbsoluteError = _metric_class("MeanAbsoluteError", "mean_absolute_error", "mean |y - p|")
MeanSquaredError = _metric_class("MeanSquaredError", "mean_squared_error", "mean (y - p)²")
MeanAbsolutePercentageError = _metric_class("MeanAbsolutePercentageError", "mean_absolute_percentage_error",
                                            "100·mean |y - p| / |y|")
MeanSquaredLogarithmicError = _metric_class("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error",
                                            "mean (log(p+1) - log(y+1))²")
RootMeanSquaredError = _metric_class("RootMeanSquaredError", "root_mean_squared_error", "sqrt(mean (y - p)²)")
KLDivergence = _metric_class("KLDivergence", "kl_divergence", "mean Σ y·log(y / p)")
Poisson = _metric_class("Poisson", "poisson", "mean (p − y·log p)")
Hinge = _metric_class("Hinge", "hinge", "mean max(1 − y·p, 0), labels in {-1, 1} (0/1 mapped)")
SquaredHinge = _metric_class("SquaredHinge", "squared_hinge", "mean max(1 − y·p, 0)²")
CategoricalHinge = _metric_class("CategoricalHinge", "categorical_hinge",
                                 "mean max(0, max((1−y)·p) − Σ y·p + 1)")
LogCoshError = _metric_class("LogCoshError", "log_cosh_error", "mean log(cosh(p − y))", default_name="logcosh")
class Accuracy(Metric):
    """mean(y == p), exactly (the string "accuracy" names the accuracy chosen from the shapes)."""
    _core_name = "Accuracy"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def _make_core(self):
        return _core.Metric.from_config_json('{"class_name": "Accuracy"}')


class CosineSimilarity(Metric):
    """The mean over samples of the cosine similarity of targets and predictions (1: aligned)."""
    _core_name = "cosine_similarity"

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype)
        self._axis = _class_axis(axis, type(self).__name__)


class _Correlation(_KerasConfigMetric):
    """A correlation metric: each update's values are rows along the last axis, as Keras takes
    them (metric_functions.correlation_rows)."""

    def update_state(self, y_true, y_pred, sample_weight=None):
        _check_axis_fits(self, np.ndim(y_pred))
        y_true, y_pred, _ = metric_functions.correlation_rows(y_true, y_pred)
        super().update_state(y_true, y_pred, sample_weight)


class PearsonCorrelation(_Correlation):
    """The mean over samples of the Pearson correlation of a sample's targets and outputs, taken
    across its outputs (keras/src/metrics/correlation_metrics.py): NaN for a sample whose targets
    or outputs are all equal, as in Keras, so a model with one output has none to give."""
    _core_name = "pearson_correlation"

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype)
        self._axis = _class_axis(axis, type(self).__name__)
        self._keep_config(axis=axis)


class ConcordanceCorrelation(_Correlation):
    """The mean over samples of the concordance correlation of a sample's targets and outputs,
    taken across its outputs, with Keras's formula (keras/src/metrics/correlation_metrics.py): its
    covariance term subtracts the outputs' mean from the targets too, and so does this one."""
    _core_name = "concordance_correlation"

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype)
        self._axis = _class_axis(axis, type(self).__name__)
        self._keep_config(axis=axis)


def _check_label_smoothing(label_smoothing):
    if not 0.0 <= float(label_smoothing) <= 1.0:
        raise ValueError(f"`label_smoothing` must be in [0, 1]. Received: label_smoothing={label_smoothing}")


class _LossMetric(_KerasConfigMetric):
    """The mean of a loss function over the samples, with the loss's own arguments."""

    def _set_loss(self, from_logits, label_smoothing=0.0):
        loss = self._core.loss  # pybind hands back the metric's own Loss, edited in place
        loss.from_logits = bool(from_logits)
        loss.label_smoothing = float(label_smoothing)


class BinaryCrossentropy(_LossMetric):
    """Mean binary cross-entropy; ``from_logits`` and ``label_smoothing`` as the loss takes them."""
    _core_name = "binary_crossentropy"

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        _check_label_smoothing(label_smoothing)
        super().__init__(name=name, dtype=dtype)
        self._set_loss(from_logits, label_smoothing)
        self._keep_config(from_logits=bool(from_logits), label_smoothing=label_smoothing)


class CategoricalCrossentropy(_LossMetric):
    """Mean categorical cross-entropy of one-hot targets."""
    _core_name = "categorical_crossentropy"

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0, axis=-1):
        _check_label_smoothing(label_smoothing)
        super().__init__(name=name, dtype=dtype)
        self._axis = _class_axis(axis, type(self).__name__)
        self._set_loss(from_logits, label_smoothing)
        self._keep_config(from_logits=bool(from_logits), label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(_LossMetric):
    """Mean categorical cross-entropy of integer labels."""
    _core_name = "sparse_categorical_crossentropy"

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, ignore_class=None,
                 axis=-1):
        if ignore_class is not None:
            raise ValueError("densekit's SparseCategoricalCrossentropy metric does not take `ignore_class` yet.")
        super().__init__(name=name, dtype=dtype)
        self._axis = _class_axis(axis, type(self).__name__)
        self._set_loss(from_logits)
        self._keep_config(from_logits=bool(from_logits), ignore_class=None, axis=axis)


class _Reduction(_KerasConfigMetric):
    """Mean / Sum of values (keras/src/metrics/reduction_metrics.py): ``update_state(values,
    sample_weight)``, each sample's values reduced first, one weight per sample."""

    def __init__(self, name, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._keep_config()

    def update_state(self, values, sample_weight=None):
        values = np.asarray(values, dtype=np.float32)
        values = values.reshape(1) if values.ndim == 0 else values.reshape(len(values), -1)
        super().update_state(values, values, sample_weight)  # (which takes one weight per sample, or one)


class Mean(_Reduction):
    """The (weighted) mean of the values given to update_state."""
    _core_name = "Mean"

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)


class Sum(_Reduction):
    """The (weighted) sum of the values given to update_state."""
    _core_name = "Sum"

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanMetricWrapper(Metric):
    """The mean over the samples of ``fn(y_true, y_pred, **kwargs)``: one of densekit's loss or
    metric functions (computed by the C++ core), or a function of the user's written with
    densekit.ops (traced into C++ for the shapes it first sees, trainers/traced_losses.py)."""
    _wraps_a_function = True

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper's `fn` must be callable. Received: fn={fn!r}")
        fn_name = getattr(fn, "__name__", None)
        self._fn, self._fn_kwargs = fn, kwargs
        # Named as Keras names it: by `name`, else "mean_metric_wrapper" (made unique).
        name = name or naming.auto_name("mean_metric_wrapper")
        if metric_functions.is_densekit_function(fn):
            self._core_name = fn_name
            super().__init__(name=name, dtype=dtype)  # (its core: function_core, saved as Keras saves the wrapper)
            metric_functions.set_function_arguments(self._core, fn, kwargs)
            return
        self.name, self._dtype = name, _compute_dtype(dtype)
        self._params, self._core = {}, None
        self._eager_sums = np.zeros(2)

    def _make_core(self):
        return metric_functions.function_core(self._fn)

    def _traced_function(self):
        return lambda y_true, y_pred: self._fn(y_true, y_pred, **self._fn_kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._core is not None:  # a densekit function, or the traced one a model compiled
            super().update_state(y_true, y_pred, sample_weight)
            return
        # Called on arrays before any compile: the function runs eagerly (densekit.ops on NumPy),
        # and each sample's mean is weighted as Keras's Mean does.
        values = np.asarray(self._fn(y_true, y_pred, **self._fn_kwargs), dtype=np.float64)
        values = values.reshape(len(values), -1).mean(axis=1) if values.ndim > 1 else values.reshape(-1)
        weights = np.ones_like(values) if sample_weight is None else np.asarray(sample_weight, np.float64).reshape(-1)
        if weights.size not in (1, values.size):
            raise ValueError(f"`sample_weight` must have one value per sample ({values.size}); received "
                             f"sample_weight.shape={np.shape(sample_weight)}.")
        weights = np.broadcast_to(weights, values.shape)
        self._eager_sums += np.array([np.sum(values * weights), np.sum(weights)])

    def result(self):
        if self._core is not None:
            return super().result()
        total, count = self._eager_sums
        return np.float32(total / count if count else 0.0)

    def reset_state(self):
        self._eager_sums = np.zeros(2)
        if self._core is not None:
            self._core.reset()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "fn": object_registration.serialize_object(self._fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        return cls(**object_registration.with_function(config))


def _plain(value):
    """A NumPy number as Python's (a config is JSON)."""
    return value.item() if isinstance(value, np.generic) else value


class Precision(_KerasConfigMetric):
    """TP / (TP + FP), a prediction being positive when p > threshold."""
    _core_name = "precision"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        if top_k is not None or class_id is not None:
            raise ValueError("densekit's Precision does not support `top_k` or `class_id` yet.")
        values = _threshold_list(thresholds)
        super().__init__(name=name, dtype=dtype, thresholds=values or [])  # one value per threshold
        self._keep_config(thresholds=_plain(thresholds), top_k=None, class_id=None)
        self.thresholds = values or [0.5]  # (Keras's attribute: the thresholds in use)


class Recall(_KerasConfigMetric):
    """TP / (TP + FN), a prediction being positive when p > threshold."""
    _core_name = "recall"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        if top_k is not None or class_id is not None:
            raise ValueError("densekit's Recall does not support `top_k` or `class_id` yet.")
        values = _threshold_list(thresholds)
        super().__init__(name=name, dtype=dtype, thresholds=values or [])  # one value per threshold
        self._keep_config(thresholds=_plain(thresholds), top_k=None, class_id=None)
        self.thresholds = values or [0.5]  # (Keras's attribute: the thresholds in use)


class AUC(_KerasConfigMetric):
    """Area under the ROC or PR curve over ``num_thresholds`` evenly spaced thresholds, summed by
    interpolation, minoring or majoring; with ``multi_label`` the mean of each label's area."""
    _core_name = "auc"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        curve, summation_method = str(curve).upper(), str(summation_method).lower()
        if curve not in ("ROC", "PR"):
            raise ValueError(f'Invalid `curve` argument value "{curve}". Expected one of: ROC, PR '
                             "(densekit does not compute PRGAIN).")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f'Invalid `summation_method` argument value "{summation_method}". '
                             "Expected one of: interpolation, minoring, majoring")
        if thresholds is not None or label_weights is not None:
            raise ValueError("densekit's AUC uses evenly spaced thresholds and equal label weights: "
                             "`thresholds` and `label_weights` must be None.")
        if num_thresholds <= 1:
            raise ValueError(f"Argument `num_thresholds` must be an integer > 1. Received: num_thresholds={num_thresholds}")
        if num_labels is not None and not multi_label:
            raise ValueError("`num_labels` is only used when `multi_label` is True.")
        super().__init__(name=name, dtype=dtype, num_thresholds=int(num_thresholds), from_logits=bool(from_logits), curve=curve,
                         summation_method=summation_method, multi_label=bool(multi_label),
                         num_labels=int(num_labels or 0))
        self._keep_config(num_thresholds=int(num_thresholds), curve=curve, summation_method=summation_method,
                          multi_label=bool(multi_label), num_labels=num_labels, label_weights=None,
                          from_logits=bool(from_logits))
        self.thresholds = _even_thresholds(int(num_thresholds), 1e-7)


def _even_thresholds(count, margin):
    """Keras's attribute of the metrics over evenly spaced thresholds: 0 and 1 at the ends, just
    beyond them by ``margin`` (AUC's epsilon), and count - 2 between."""
    return [0.0 - margin] + [(i + 1) / (count - 1) for i in range(count - 2)] + [1.0 + margin]


def _threshold_list(thresholds):
    """TruePositives & co.: None → 0.5, one float, or a list, each in [0, 1]
    (parse_init_thresholds in keras/src/metrics/metrics_utils.py)."""
    if thresholds is None:
        return None
    values = [float(t) for t in (thresholds if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds])]
    if not values or any(not 0.0 <= v <= 1.0 for v in values):
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {values}")
    return values


class _ConfusionCount(_KerasConfigMetric):
    """A weighted count of one cell of the confusion matrix at each threshold (p > threshold is a
    positive prediction): a scalar for one threshold, an array for several."""

    def __init__(self, thresholds=None, name=None, dtype=None):
        values = _threshold_list(thresholds)
        super().__init__(name=name, dtype=dtype, thresholds=values or [])
        self._keep_config(thresholds=thresholds if not isinstance(thresholds, np.ndarray) else values)
        self.thresholds = values or [0.5]  # (Keras's attribute: the thresholds in use)


class TruePositives(_ConfusionCount):
    """Weighted count of positive targets predicted positive."""
    _core_name = "true_positives"


class FalsePositives(_ConfusionCount):
    """Weighted count of negative targets predicted positive."""
    _core_name = "false_positives"


class TrueNegatives(_ConfusionCount):
    """Weighted count of negative targets predicted negative."""
    _core_name = "true_negatives"


class FalseNegatives(_ConfusionCount):
    """Weighted count of positive targets predicted negative."""
    _core_name = "false_negatives"


class _RateAtRate(_KerasConfigMetric):
    """The best of one rate among the ``num_thresholds`` thresholds in [0, 1] where another rate
    reaches the given value; 0 when none does (keras/src/metrics/confusion_metrics.py)."""
    _value_name = None

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"Argument `{self._value_name}` must be in the range [0, 1]. "
                             f"Received: {self._value_name}={value}")
        if int(num_thresholds) <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        if class_id is not None and int(class_id) < 0:
            raise ValueError(f"Argument `class_id` must be a non-negative integer. Received: class_id={class_id}")
        super().__init__(name=name, dtype=dtype, value=float(value), num_thresholds=int(num_thresholds),
                         class_id=-1 if class_id is None else int(class_id))
        self._keep_config(num_thresholds=int(num_thresholds), class_id=class_id, **{self._value_name: value})
        self.thresholds = [0.5] if int(num_thresholds) == 1 else _even_thresholds(int(num_thresholds), 0.0)


class SensitivityAtSpecificity(_RateAtRate):
    """Best sensitivity (TP / (TP + FN)) where specificity (TN / (TN + FP)) ≥ ``specificity``."""
    _core_name, _value_name = "sensitivity_at_specificity", "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_RateAtRate):
    """Best specificity where sensitivity ≥ ``sensitivity``."""
    _core_name, _value_name = "specificity_at_sensitivity", "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_RateAtRate):
    """Best precision (TP / (TP + FP)) where recall ≥ ``recall``."""
    _core_name, _value_name = "precision_at_recall", "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_RateAtRate):
    """Best recall where precision ≥ ``precision``."""
    _core_name, _value_name = "recall_at_precision", "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)


class R2Score(_KerasConfigMetric):
    """Coefficient of determination per output column, 1 − Σ(y − ŷ)² / Σ(y − ȳ)², aggregated as
    ``class_aggregation`` says; adjusted for ``num_regressors`` when > 0."""
    _core_name = "r2_score"

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        if class_aggregation not in (None, "uniform_average", "variance_weighted_average"):
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             "(None, 'uniform_average', 'variance_weighted_average'). "
                             f"Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value >= 0. "
                             f"Received: num_regressors={num_regressors}")
        super().__init__(name=name, dtype=dtype, class_aggregation=class_aggregation or "", num_regressors=int(num_regressors))
        self._keep_config(class_aggregation=class_aggregation, num_regressors=int(num_regressors))

    def update_state(self, y_true, y_pred, sample_weight=None):
        _require_2d("R2Score", y_true, y_pred)
        super().update_state(y_true, y_pred, sample_weight)


def _require_2d(what, y_true, y_pred):
    """R2Score and FBetaScore take (batch_size, output_dim) data only, as Keras's _build says."""
    shapes = np.shape(y_true), np.shape(y_pred)
    if len(shapes[0]) != 2 or len(shapes[1]) != 2:
        raise ValueError(f"{what} expects 2D inputs with shape (batch_size, output_dim). Received input shapes: "
                         f"y_pred.shape={shapes[1]} and y_true.shape={shapes[0]}.")


class FBetaScore(_KerasConfigMetric):
    """(1 + β²)·precision·recall / (β²·precision + recall) per class, or averaged (micro, macro,
    weighted by the classes' target counts); threshold=None predicts each row's largest output."""
    _core_name = "f_beta_score"

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: "
                             f"[None, 'micro', 'macro', 'weighted']. Received: average={average}")
        # A Python float each, as Keras checks them (keras/src/metrics/f_score_metrics.py): 1 and
        # np.float32(0.5) are refused there too.
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None and not isinstance(threshold, float):
            raise ValueError("Invalid `threshold` argument value. It should be a Python float. "
                             f"Received: threshold={threshold} of type '{type(threshold)}'")
        if threshold is not None and not 0.0 < threshold <= 1.0:
            raise ValueError("Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                             f"Received: threshold={threshold}")
        super().__init__(name=name, dtype=dtype, average=average or "", beta=float(beta), top_only=threshold is None,
                         threshold=0.5 if threshold is None else float(threshold))
        self._keep_config(average=average, beta=float(beta), threshold=threshold)

    def update_state(self, y_true, y_pred, sample_weight=None):
        _require_2d("FBetaScore", y_true, y_pred)
        super().update_state(y_true, y_pred, sample_weight)


class F1Score(FBetaScore):
    """FBetaScore with β = 1."""
    _core_name = "f1_score"

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)
        del self._config["beta"]


# Strings Keras cannot build either: these classes have a required argument (compile refuses them).
NEED_AN_ARGUMENT = {
    name: f"keras.metrics.{cls}({arg}=...)"
    for cls, arg in (("SensitivityAtSpecificity", "specificity"), ("SpecificityAtSensitivity", "sensitivity"),
                     ("PrecisionAtRecall", "recall"), ("RecallAtPrecision", "precision"))
    for name in (cls, naming.to_snake_case(cls))
}


def serialize(metric):
    """keras.metrics.serialize: the metric's Keras config."""
    return object_serialization.serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    """keras.metrics.deserialize: the Metric a class name or a serialize() dict names."""
    names = object_serialization.names_in("keras.metrics", (Metric,), snake_case=True)  # "auc", "mse" as Keras
    return object_serialization.deserialize_named(config, custom_objects, names, (Metric,), "metric")


def get(identifier):
    """keras.metrics.get: a Metric instance for a class name (``"AUC"``, ``"auc"``, ``"mse"``,
    ``"accuracy"`` for Accuracy), a serialize() dict, a class or an instance; ValueError
    otherwise (keras/src/metrics/__init__.py). compile() reads its identifiers apart
    (trainers/compile_utils.py: "accuracy" there is chosen from the shapes)."""
    if identifier is None:
        return None
    return object_serialization.get_named(identifier, deserialize, _names, "metric")


def _names():
    names = object_serialization.names_in("keras.metrics", (Metric,), snake_case=True)
    names.update({alias: names[cls] for alias, cls in _ALIASES.items()})
    return names


# Keras's short names of metric classes (its ALL_OBJECTS_DICT).
_ALIASES = {"bce": "BinaryCrossentropy", "BCE": "BinaryCrossentropy", "mse": "MeanSquaredError",
            "MSE": "MeanSquaredError", "mae": "MeanAbsoluteError", "MAE": "MeanAbsoluteError",
            "mape": "MeanAbsolutePercentageError", "MAPE": "MeanAbsolutePercentageError",
            "msle": "MeanSquaredLogarithmicError", "MSLE": "MeanSquaredLogarithmicError"}
