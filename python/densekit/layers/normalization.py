"""Normalization: ``(x - mean) / max(sqrt(variance), epsilon)`` with statistics given or learned
by ``adapt()`` (the population mean and variance, computed in C++)."""

import numbers

import numpy as np

from densekit import _core
from densekit.utils import arrays
from densekit.utils.py_dataset import PyDataset
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


class _Statistic(np.ndarray):
    """``layer.mean`` / ``layer.variance``: an array that also answers ``.numpy()``, as the TF
    tutorials call it on Keras's tensor (``normalizer.mean.numpy()``)."""

    def numpy(self):
        return np.asarray(self)


def _is_batch(item):
    """An array, or a batch tuple whose first element (x) is one."""
    return hasattr(item, "shape") or (isinstance(item, tuple) and 0 < len(item) <= 3 and hasattr(item[0], "shape"))


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
        self._build_input_shape = None  # per sample, as first built (Keras's `_build_input_shape`)
        self._adapted = None  # (mean, variance) of the last adapt(), before the layer is in a model

    def build(self, input_shape):
        if self._build_input_shape is None:
            self._build_input_shape = tuple(input_shape[1:])
        super().build(input_shape)

    @property
    def mean(self):
        """The mean the layer subtracts, shaped to broadcast against its inputs (Keras's
        ``layer.mean``, e.g. ``(1, features)``); None until the layer is built or adapted."""
        stats = self._statistics()
        return None if stats is None else stats[0]

    @property
    def variance(self):
        """The variance, shaped as ``mean``. Keras sets it when the layer is built."""
        stats = self._statistics()
        if stats is None:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute 'variance'")
        return stats[1]

    def _input_shape_seen(self):
        if self._build_input_shape is None:
            shapes = self._graph_input_shapes()
            return None if shapes is None else shapes[0][1:]
        return self._build_input_shape

    def _statistics(self):
        shape = self._input_shape_seen()
        if shape is None or not self.built:
            return None
        ndim = len(shape) + 1
        keep = sorted(a % ndim for a in self.axis)
        target = [1] + [shape[d - 1] if d in keep else 1 for d in range(1, ndim)]  # batch axis first
        if self.input_mean is not None:
            # Given values line up with the kept axes from the right (Keras's build).
            def expand(values):
                values = np.asarray(values, dtype=np.float32)
                expanded = [1] * ndim
                for i in range(1, values.ndim + 1):
                    expanded[keep[-i]] = values.shape[-i]
                return np.broadcast_to(np.reshape(values, expanded), target)
            pair = (expand(self.input_mean), expand(self.input_variance))
        else:
            if self._graph is not None:
                pair = self.get_weights()[:2]
            elif self._adapted is not None:
                pair = self._adapted
            else:  # built, not adapted: the initial weights
                stat_shape = tuple(self._core.statistics_shape)
                pair = (np.zeros(stat_shape), np.ones(stat_shape))
            pair = [np.reshape(v, target) for v in pair]
        return tuple(np.array(v, dtype=np.float32).view(_Statistic) for v in pair)

    def adapt(self, data):
        """Computes the mean and variance of ``data`` (an array, or an iterable of batches) over
        every axis not in ``axis``, and stores them as the layer's weights."""
        if self.input_mean is not None:
            raise ValueError(f"Layer '{self.name}' was given `mean` and `variance`: it cannot be adapted.")
        if isinstance(data, PyDataset):  # its batches by index, as many as it has
            if data.num_batches is None:
                raise ValueError("adapt() cannot read an endless PyDataset (one without __len__) to its end: pass a "
                                 "finite one, or the batches to adapt on.")
            batches = [data[i] for i in range(data.num_batches)]
        elif isinstance(data, list) and data and all(_is_batch(b) for b in data):
            batches = data  # a list of batches: arrays, or (x, y) or (x, y, sample_weight) tuples
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
        if self._build_input_shape is None:
            self._build_input_shape = tuple(shape)
        out_shape = _core.build_layer(self._core, [shape], [])
        mean, variance = self._core.adapt(batches)
        self._adapted = (np.asarray(mean, dtype=np.float32), np.asarray(variance, dtype=np.float32))
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
