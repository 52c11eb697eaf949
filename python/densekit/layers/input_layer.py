"""Input / InputLayer: the entry point of a model, and the symbolic tensor of the functional API.

Calling a layer on KerasTensors records a :class:`Node` (the layer, the tensors it was called on)
and returns a new KerasTensor whose shape the C++ layer inferred. A model is the graph of nodes
between its Inputs and its outputs; the C++ core runs it. KerasTensors hold no values.
"""

import collections

import numpy as np

from densekit import _core
from densekit.layers.layer import Layer
from densekit.utils import naming

KerasHistory = collections.namedtuple("KerasHistory", ["operation", "node_index", "tensor_index"])

_SYMBOLIC_HELP = ("A KerasTensor is a symbolic placeholder: it has a shape but no values. Build the model from layer "
                  "calls (for example densekit.layers.Concatenate()([a, b]) instead of numpy.concatenate), and use "
                  "model.predict(x) to compute values.")


class Node:
    """One call of a layer on symbolic tensors."""

    def __init__(self, layer, inputs, single, training=None):
        self.layer = layer
        self.inputs = list(inputs)  # KerasTensors
        self.single = single        # called on one tensor (not a list)
        self.training = training    # None (follow the model), True or False
        self.output = None

    @property
    def parent_nodes(self):
        return [t._node for t in self.inputs]

    @property
    def is_input(self):
        return not self.inputs


class KerasTensor:
    """A symbolic tensor: a shape (batch first, None) and the layer call that produced it."""

    def __init__(self, shape, dtype="float32", name=None, layer=None, node=None, node_index=0):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.name = name if name is not None else naming.auto_name("KerasTensor")
        self._layer = layer
        self._node = node
        self._keras_history = KerasHistory(layer, node_index, 0)

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    # Arithmetic between tensors builds merge layers; with numbers, a Rescaling layer.
    def _binary(self, other, merge, scale_of, offset_of):
        from densekit.layers import merging, rescaling

        if isinstance(other, KerasTensor):
            return merge()([self, other])
        if isinstance(other, (int, float, np.integer, np.floating)) and not isinstance(other, bool):
            return rescaling.Rescaling(scale_of(float(other)), offset_of(float(other)))(self)
        return NotImplemented

    def __add__(self, other):
        from densekit.layers import merging

        return self._binary(other, merging.Add, lambda v: 1.0, lambda v: v)

    __radd__ = __add__

    def __sub__(self, other):
        from densekit.layers import merging

        return self._binary(other, merging.Subtract, lambda v: 1.0, lambda v: -v)

    def __rsub__(self, other):
        if isinstance(other, (int, float, np.integer, np.floating)) and not isinstance(other, bool):
            from densekit.layers import rescaling

            return rescaling.Rescaling(-1.0, float(other))(self)
        return NotImplemented

    def __mul__(self, other):
        from densekit.layers import merging

        return self._binary(other, merging.Multiply, lambda v: v, lambda v: 0.0)

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, (int, float, np.integer, np.floating)) and not isinstance(other, bool) and other != 0:
            from densekit.layers import rescaling

            return rescaling.Rescaling(1.0 / float(other))(self)
        return NotImplemented

    def __neg__(self):
        from densekit.layers import rescaling

        return rescaling.Rescaling(-1.0)(self)

    # What a placeholder cannot do: have values.
    def __array__(self, dtype=None, copy=None):
        raise TypeError(f"Cannot convert {self!r} to a NumPy array. {_SYMBOLIC_HELP}")

    def __bool__(self):
        raise TypeError(f"A KerasTensor has no truth value ({self!r} was used in a Python condition). {_SYMBOLIC_HELP}")

    def __float__(self):
        raise TypeError(f"Cannot convert {self!r} to a number. {_SYMBOLIC_HELP}")

    def __iter__(self):
        raise TypeError(f"Cannot iterate over {self!r}. {_SYMBOLIC_HELP}")

    def __len__(self):
        raise TypeError(f"{self!r} has no length: its batch dimension is unknown. {_SYMBOLIC_HELP}")

    def numpy(self):
        raise TypeError(f"{self!r} has no values. {_SYMBOLIC_HELP}")

    __hash__ = object.__hash__


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
        node = Node(self, [], single=True)
        self._inbound_nodes.append(node)
        # Keras: a named Input gives its tensor the same name.
        self.output = KerasTensor(batch_shape, "float32", name, self, node, 0)
        node.output = self.output
        self._core = _core.InputLayer(self.name, list(batch_shape[1:]))

    @property
    def shape(self):
        return self.batch_shape[1:]

    def count_params(self):
        return 0

    def __call__(self, *args, **kwargs):
        raise ValueError(f"InputLayer '{self.name}' cannot be called on a tensor: it is the start of a model. Use its "
                         "output (densekit.Input(shape) returns it) as the first tensor instead.")


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, tensor=None,
          optional=False):
    """A symbolic input tensor (its InputLayer is the first layer of the model)."""
    if shape is not None and not np.iterable(shape):
        raise ValueError(f"Cannot convert '{shape}' to a shape.")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, batch_shape=batch_shape,
                       name=name, optional=optional)
    return layer.output
