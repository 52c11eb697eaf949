"""Input / InputLayer: the entry point of a model, and the symbolic tensor it produces."""

import numpy as np

from densekit import _core
from densekit.layers.layer import Layer
from densekit.utils import naming


class KerasTensor:
    """A symbolic tensor: a shape (batch first, None) and the layer that produced it."""

    def __init__(self, shape, dtype="float32", name=None, layer=None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.name = name if name is not None else naming.auto_name("KerasTensor")
        self._layer = layer

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"


def _to_shape(shape):
    try:
        return tuple(None if d is None else int(d) for d in shape)
    except TypeError:
        raise ValueError(f"Cannot convert '{shape}' to a shape.") from None


class InputLayer(Layer):
    """Declares the per-sample shape a model receives."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, input_tensor=None,
                 optional=False, name=None, ragged=False, **kwargs):
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if batch_shape is not None:
            batch_shape = _to_shape(batch_shape)
        elif shape is not None:
            batch_shape = (batch_size,) + _to_shape(shape)
        else:
            raise ValueError("You must pass a `shape` argument.")
        if any(d is None or d <= 0 for d in batch_shape[1:]):
            raise ValueError(f"densekit needs every non-batch dimension of an input to be a positive integer. "
                             f"Received: shape={batch_shape[1:]}")
        if sparse:
            raise ValueError("densekit does not support sparse inputs.")
        self.batch_shape = batch_shape
        self.sparse = False
        self.optional = optional
        tensor_name = name  # Keras: a named Input gives its tensor the same name
        self.output = KerasTensor(batch_shape, "float32", tensor_name, self)
        self._core = _core.InputLayer(self.name, list(batch_shape[1:]))

    @property
    def shape(self):
        return self.batch_shape[1:]

    def count_params(self):
        return 0


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, tensor=None,
          optional=False):
    """A symbolic input tensor (its InputLayer is the first layer of the model)."""
    if shape is not None and not np.iterable(shape):
        raise ValueError(f"Cannot convert '{shape}' to a shape.")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, batch_shape=batch_shape,
                       name=name, optional=optional)
    return layer.output
