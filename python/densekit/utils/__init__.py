"""Utilities: seeding, one-hot encoding, padding sequences, progress bars, downloading into Keras's cache, plotting
a model."""

import random as _random

import numpy as np

from densekit import _core
from densekit.backend import clear_session, standardize_dtype  # noqa: F401  (Keras exports them here too)
from densekit.utils.file_utils import get_file  # noqa: F401
from densekit.utils.io_utils import (  # noqa: F401  (Keras exports them here and in keras.config)
    disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled)
from densekit.utils.naming import to_snake_case  # noqa: F401
from densekit.utils.operation_utils import get_source_inputs  # noqa: F401
from densekit.utils.object_registration import (  # noqa: F401  (Keras exports them here too)
    CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name, get_registered_object,
    register_keras_serializable)
from densekit.utils.data_tuples import pack_x_y_sample_weight, unpack_x_y_sample_weight  # noqa: F401
from densekit.utils.progbar import Progbar  # noqa: F401
from densekit.utils.py_dataset import PyDataset, Sequence  # noqa: F401
from densekit.utils.sequences import pad_sequences  # noqa: F401
from densekit.utils.timeseries import timeseries_dataset_from_array  # noqa: F401

__all__ = ["set_random_seed", "to_categorical", "normalize", "clear_session", "get_file", "plot_model", "model_to_dot",
           "PyDataset", "Sequence", "serialize_keras_object", "deserialize_keras_object", "Progbar",
           "pack_x_y_sample_weight", "unpack_x_y_sample_weight", "pad_sequences",
           "is_keras_tensor", "standardize_dtype", "timeseries_dataset_from_array", "get_source_inputs",
           "enable_interactive_logging", "disable_interactive_logging", "is_interactive_logging_enabled"]


def __dir__():
    # The names imported on first use are listed too, as Keras's dir(keras.utils) lists them.
    return sorted(set(globals()) | set(__all__))


def __getattr__(name):
    # Imported on first use: model_visualization needs the layers, which import this package.
    if name in ("plot_model", "model_to_dot"):
        from densekit.utils import model_visualization

        return getattr(model_visualization, name)
    if name in ("serialize_keras_object", "deserialize_keras_object"):  # Keras exports them here too
        from densekit.utils import object_serialization

        return getattr(object_serialization, name)
    raise AttributeError(f"module 'densekit.utils' has no attribute '{name}'")


def set_random_seed(seed):
    """Seeds Python's ``random``, NumPy and densekit's generator: a model built and trained
    after this call is bitwise reproducible for a given thread count."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed!r} (of type {type(seed)})")
    seed = int(seed)
    if not 0 <= seed < 2**32:  # NumPy's range: a seed beyond it would be wrapped, and equal another
        raise ValueError(f"Seed must be between 0 and 2**32 - 1. Received: seed={seed}")
    _random.seed(seed)
    np.random.seed(seed)
    _core.set_random_seed(seed)


def to_categorical(x, num_classes=None):
    """One-hot encodes integer class labels into a float64 array with the classes last."""
    values = np.asarray(x)
    if values.dtype.kind in "US":  # labels written as text ("0", "1"), which Keras's int64 cast reads
        try:
            values = values.astype("int64")
        except ValueError:
            raise TypeError(f"to_categorical expects integer class labels; received text that is not a whole number "
                            f"among {values.ravel()[:3].tolist()}.") from None
    if values.dtype.kind not in "biuf" and values.dtype != object:
        raise TypeError(f"to_categorical expects integer class labels; received an array of dtype {values.dtype}.")
    if values.dtype.kind in "fO":
        values = values.astype("float64")
        bad = ~np.isfinite(values) | (values != np.round(values))
        if bad.any():
            raise ValueError(f"to_categorical expects integer class labels; received a label of {float(values[bad][0])}.")
    x = values.astype("int64")
    if x.ndim > 1 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    if x.size and x.min() < 0:
        raise ValueError(f"to_categorical expects non-negative class labels; received a label of {int(x.min())}.")
    if not num_classes:  # None or 0: from the labels, as Keras's `if not num_classes`
        num_classes = int(x.max()) + 1 if x.size else 0
    elif x.size and x.max() >= num_classes:
        raise ValueError(f"to_categorical received a label of {int(x.max())}, outside the range [0, {num_classes}) "
                         f"given by num_classes={num_classes}.")
    out = np.zeros(x.shape + (num_classes,))
    np.put_along_axis(out, x[..., None], 1.0, axis=-1)
    return out


def normalize(x, axis=-1, order=2):
    """``x / ||x||_order`` along ``axis``; zero norms are left as they are. ``axis=None`` divides
    by numpy's norm of the whole array (for a matrix and order 2, its largest singular value),
    as Keras does (keras/src/utils/numerical_utils.py)."""
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, -1 if axis is None else axis)

