"""Input / InputLayer: the entry point of a model. Its output is the first symbolic tensor
(layers/keras_tensor.py) of the functional API.
"""

import numbers

import numpy as np

from densekit.backend import standardize_dtype
from densekit.layers.core_config import core_from_config
from densekit.layers.keras_tensor import KerasTensor
from densekit.layers.layer import Layer
from densekit.layers.node import Node


def _to_shape(shape):
    """A tuple of ints (or None) from a shape (keras/src/backend/common/variables.py,
    standardize_shape): a float, a string or a NaN is refused, not truncated."""
    if isinstance(shape, (str, bytes)) or not np.iterable(shape):
        raise ValueError(f"Cannot convert '{shape}' to a shape.")
    dims = []
    for d in shape:
        if d is not None and (isinstance(d, bool) or not isinstance(d, numbers.Integral)):
            raise ValueError(f"Cannot convert '{shape}' to a shape. Found invalid dimension '{d}' of type "
                             f"'{type(d)}'.")
        dims.append(None if d is None else int(d))
    return tuple(dims)


def _input_dtype(dtype):
    """The name of an input's dtype: a string, a NumPy or Python type, or a saved dtype policy
    (the C++ InputLayer refuses types other than float32 and whole numbers)."""
    if isinstance(dtype, dict):  # a saved DTypePolicy
        dtype = dtype.get("config", {}).get("name", "float32")
    return standardize_dtype(dtype)


class InputLayer(Layer):
    """Declares the per-sample shape (and type) a model receives."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, **kwargs):
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, **kwargs)
        self._input_dtype = _input_dtype(dtype)
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
        if ragged:
            raise ValueError("densekit does not support ragged inputs: give every sample the same shape.")
        self.batch_shape = batch_shape
        self.sparse = False
        self.optional = optional
        self._core = core_from_config(self, "InputLayer", batch_shape=[None] + list(batch_shape[1:]),
                                      dtype=self._input_dtype)
        node = Node(self, [], single=True)
        self._inbound_nodes.append(node)
        # Keras: a named Input gives its tensor the same name.
        node.output = KerasTensor(batch_shape, self._input_dtype, name, self, node, 0)  # self.output

    @property
    def built(self):
        return True  # (Keras's InputLayer is built when made: it has no weights to make)

    @property
    def dtype(self):
        return self._input_dtype

    @property
    def path(self):
        return None  # (Keras's InputLayer is never built in a scope)

    @property
    def shape(self):
        return self.batch_shape[1:]

    def count_params(self):
        return 0

    def __call__(self, *args, **kwargs):
        raise ValueError(f"InputLayer '{self.name}' cannot be called on a tensor: it is the start of a model. Use its "
                         "output (densekit.Input(shape) returns it) as the first tensor instead.")


def Input(shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None, name=None, tensor=None,
          optional=False):
    """A symbolic input tensor (its InputLayer is the first layer of the model)."""
    if shape is not None and not np.iterable(shape):
        raise ValueError(f"Cannot convert '{shape}' to a shape.")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, ragged=ragged,
                       batch_shape=batch_shape, name=name, optional=optional)
    return layer.output
