"""Normalization: ``(x - mean) / max(sqrt(variance), epsilon)`` with statistics given or learned
by ``adapt()`` (the population mean and variance, computed in C++)."""

import numbers

import numpy as np

from densekit import _core
from densekit.utils import arrays
from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


def _axis_tuple(axis):
    if axis is None:
        return ()
    if isinstance(axis, numbers.Integral) and not isinstance(axis, bool):
        return (int(axis),)
    try:
        return tuple(int(a) for a in axis)
    except TypeError:
        raise ValueError(f"`axis` must be an int, a tuple of ints or None. Received: axis={axis!r}") from None


class Normalization(Layer):
    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = _axis_tuple(axis)
        if (mean is not None) != (variance is not None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be set. "
                             f"Received: mean={mean} and variance={variance}")
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        values = {}
        if mean is not None:
            mean_array, variance_array = np.asarray(mean, dtype=np.float64), np.asarray(variance, dtype=np.float64)
            if mean_array.shape != variance_array.shape:
                raise ValueError("When setting values directly, `mean` and `variance` must have the same shape. Received: "
                                 f"mean shape {mean_array.shape} and variance shape {variance_array.shape}")
            if mean_array.ndim > len(self.axis):
                raise ValueError(f"The rank of `mean` must be less than or equal to the number of axes ({len(self.axis)}). "
                                 f"Received: mean shape {mean_array.shape} for axis {self.axis}")
            if not (np.all(np.isfinite(mean_array)) and np.all(np.isfinite(variance_array)) and np.all(variance_array >= 0)):
                raise ValueError("When setting values directly, `mean` must be finite and `variance` finite and "
                                 f"non-negative. Received: mean={mean} and variance={variance}")
            values = dict(mean=mean_array.tolist(), variance=variance_array.tolist())
        self._core = core_from_config(self, "Normalization", axis=list(self.axis), invert=self.invert, **values)

    def adapt(self, data):
        """Computes the mean and variance of ``data`` (an array, or an iterable of batches) over
        every axis not in ``axis``, and stores them as the layer's weights."""
        if self.input_mean is not None:
            raise ValueError(f"Layer '{self.name}' was given `mean` and `variance`: it cannot be adapted.")
        if isinstance(data, list) and data and all(hasattr(b, "shape") for b in data):
            batches = data  # a list of batches
        elif isinstance(data, (np.ndarray, list, tuple)) or hasattr(data, "__array__") or hasattr(data, "to_numpy"):
            batches = [data]
        elif hasattr(data, "__iter__"):
            batches = list(data)
        else:
            raise TypeError(f"Unsupported data type: {type(data)}. `adapt` supports NumPy arrays, lists and iterables "
                            "of batches.")
        batches = [arrays.to_array(b[0] if isinstance(b, tuple) else b, "data") for b in batches]
        if not batches:
            raise ValueError("adapt() received an empty iterable (no batches). Expected at least one batch.")
        if any(b.ndim == 0 for b in batches):
            raise ValueError("adapt() needs an array with a batch axis; received a scalar.")
        if not any(len(b) for b in batches):
            raise ValueError("adapt() received no samples: the data is empty. Expected at least one sample.")
        shape = list(batches[0].shape[1:])
        for b in batches:
            if list(b.shape[1:]) != shape:
                raise ValueError(f"adapt() yielded a batch with incompatible shape. Expected {(None,) + tuple(shape)}, "
                                 f"got {b.shape}.")
        out_shape = _core.build_layer(self._core, [shape], [])
        mean, variance = self._core.adapt(batches)
        if self._graph is not None:  # already in a model: update its weights there too
            stat_shape = tuple(self._core.statistics_shape)
            self.set_weights([np.reshape(mean, stat_shape), np.reshape(variance, stat_shape), np.zeros(())])
        else:  # Keras's adapt builds the layer for the first batch's shape: its weights exist now
            self._built_for([batches[0].shape], out_shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "axis" in config and isinstance(config["axis"], list):
            config["axis"] = tuple(config["axis"])
        return cls(**config)
