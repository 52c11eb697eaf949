"""The functions keras.metrics names (densekit.metrics exports them): the accuracies
(keras/src/metrics/accuracy_metrics.py), which give 1.0 for a hit and 0.0 for a miss, computed
by the C++ metric that compile() runs under the same name; and the loss functions, the same
functions as keras.losses'."""

import json

import numpy as np

from densekit import _core
from densekit.utils.arguments import by_position as _by_position
from densekit.losses import (binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
                             categorical_focal_crossentropy, categorical_hinge, hinge, huber,
                             kl_divergence, log_cosh, mean_absolute_error, mean_absolute_percentage_error,
                             mean_squared_error, mean_squared_logarithmic_error, poisson,
                             sparse_categorical_crossentropy, squared_hinge)

__all__ = [
    "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy", "binary_crossentropy", "categorical_crossentropy",
    "binary_focal_crossentropy", "categorical_focal_crossentropy",
    "sparse_categorical_crossentropy", "categorical_hinge", "hinge", "huber", "kl_divergence", "log_cosh",
    "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error",
    "poisson", "squared_hinge", "pearson_correlation", "concordance_correlation",
]


def _accuracy_function(name, doc, sample_shape, **defaults):
    def fn(y_true, y_pred, *args, **kwargs):
        kwargs = _by_position(name, tuple(defaults), args, kwargs)  # (threshold, k: Keras's order)
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(f"{name}() got an unexpected keyword argument '{sorted(unknown)[0]}'")
        core = _core.Metric.from_name(name)
        for key, value in {**defaults, **kwargs}.items():
            setattr(core, key, value)
        y_true = np.ascontiguousarray(y_true, dtype=np.float32)
        y_pred = np.ascontiguousarray(y_pred, dtype=np.float32)
        values = core.sample_values(y_true, y_pred)
        return values.reshape(sample_shape(y_true, y_pred, values.size))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    fn._densekit_accuracy = True
    fn._densekit_arguments = tuple(defaults)
    return fn


def is_densekit_function(fn):
    """One of densekit's loss or accuracy functions (a C++ metric computes it: function_core)."""
    return callable(fn) and (hasattr(fn, "_densekit_class") or getattr(fn, "_densekit_accuracy", False))


def function_core(fn):
    """The C++ metric compile() makes of one of densekit's functions, as Keras wraps a function
    (MeanMetricWrapper): named after it, and saved as the function."""
    return _core.Metric.from_config_json(json.dumps({"class_name": "function", "config": fn.__name__}))


def set_function_arguments(core, fn, kwargs):
    """The arguments one of densekit's functions takes (an accuracy's ``threshold`` or ``k``; a
    loss's ``delta``, ``from_logits``, ``label_smoothing``) set on the C++ metric computing it,
    as MeanMetricWrapper(fn, **kwargs) passes them on; TypeError for any other."""
    allowed = getattr(fn, "_densekit_arguments", None)
    target = core
    if allowed is None:  # a loss function: its class checks the values (and refuses another's)
        allowed = ("delta", "from_logits", "label_smoothing", "gamma", "alpha", "apply_class_balancing", "axis")
        target = core.loss
        fn._densekit_class(**{k: v for k, v in kwargs.items() if k in allowed})
    for key, value in kwargs.items():
        if key not in allowed:
            raise TypeError(f"{fn.__name__}() got an unexpected keyword argument '{key}'")
        if key == "axis" and value not in (-1, 1):
            raise ValueError(f"densekit's {fn.__name__} takes the last axis. Received: axis={value}")
        if key != "axis":  # (the class axis, which densekit's loss classes check too)
            setattr(target, key, value)


def _one_per_position(y_true, y_pred, rows):
    """y_pred's shape without its class axis: (batch,), or (batch, steps) for 3-D outputs."""
    shape = y_pred.shape[:-1]
    return shape if len(shape) and int(np.prod(shape)) == rows else (rows,)


def _like_the_outputs(y_true, y_pred, rows):
    # The higher rank of the two, as Keras's squeeze_or_expand_to_same_rank brings (n, 1) and (n,) to (n, 1).
    shape = y_pred.shape if y_pred.ndim >= y_true.ndim else y_true.shape
    return shape if len(shape) and int(np.prod(shape)) == rows else (rows,)


def _like_sparse_labels(y_true, y_pred, rows):
    # (N, 1) labels beside (N, C) scores keep their shape, as Keras's sparse top-k returns them.
    return y_true.shape if y_true.ndim == y_pred.ndim and y_true.size == rows else (rows,)


binary_accuracy = _accuracy_function(
    "binary_accuracy", "1.0 where ``y_true == (y_pred > threshold)``, output by output.", _like_the_outputs,
    threshold=0.5)
categorical_accuracy = _accuracy_function(
    "categorical_accuracy", "1.0 where ``argmax(y_true) == argmax(y_pred)``.", _one_per_position)
sparse_categorical_accuracy = _accuracy_function(
    "sparse_categorical_accuracy", "1.0 where ``y_true == argmax(y_pred)``.", _one_per_position)
top_k_categorical_accuracy = _accuracy_function(
    "top_k_categorical_accuracy", "1.0 where the one-hot class is among the k highest scores.", _one_per_position, k=5)
_sparse_top_k = _accuracy_function(
    "sparse_top_k_categorical_accuracy", "1.0 where the integer label is among the k highest scores.",
    _like_sparse_labels, k=5)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the k highest scores."""
    if from_sorted_ids:
        raise NotImplementedError("densekit's sparse_top_k_categorical_accuracy takes a score for every class "
                                  "(from_sorted_ids=False), not sorted class ids.")
    return _sparse_top_k(y_true, y_pred, k=k)


sparse_top_k_categorical_accuracy._densekit_accuracy = True
sparse_top_k_categorical_accuracy._densekit_arguments = ("k",)


def correlation_rows(y_true, y_pred):
    """y_true and y_pred as rows along their last axis, and the shape of one value a row (None
    for a 2-D pair, whose rows are already the samples). Keras correlates along the last axis, so
    a 1-D pair is one sample and a 3-D one has a sample per leading index
    (keras/src/metrics/correlation_metrics.py)."""
    y_true, y_pred = np.asarray(y_true, dtype=np.float32), np.asarray(y_pred, dtype=np.float32)
    if y_true.shape != y_pred.shape or y_pred.ndim in (0, 2) or y_pred.shape[-1] == 0:
        return y_true, y_pred, None  # (refused or served as they are)
    width = y_pred.shape[-1]
    return y_true.reshape(-1, width), y_pred.reshape(-1, width), y_pred.shape[:-1]


def _correlation_function(name, doc):
    per_sample = _accuracy_function(name, doc, _one_per_position)

    def fn(y_true, y_pred, axis=-1):
        if axis not in (-1, 1):
            raise ValueError(f"densekit's {name} correlates across the outputs (axis -1). Received: axis={axis}")
        y_true, y_pred, shape = correlation_rows(y_true, y_pred)
        values = per_sample(y_true, y_pred)
        return values if shape is None else values.reshape(shape)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    fn._densekit_accuracy = True  # (computed by the C++ metric of its name, as the accuracies are)
    fn._densekit_arguments = ("axis",)
    return fn


pearson_correlation = _correlation_function(
    "pearson_correlation", "Each sample's Pearson correlation of its targets and outputs, across the outputs "
    "(NaN for a sample whose targets or outputs are all equal, as in Keras).")
concordance_correlation = _correlation_function(
    "concordance_correlation", "Each sample's concordance correlation of its targets and outputs, across the "
    "outputs, with Keras's formula (keras/src/metrics/correlation_metrics.py).")
