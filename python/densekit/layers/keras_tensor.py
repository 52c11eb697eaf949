"""KerasTensor: the symbolic tensor of the functional API (keras/src/backend/common/keras_tensor.py).

Calling a layer on KerasTensors records a Node (layers/node.py: the layer, the tensors it was
called on) and returns a new KerasTensor whose shape the C++ layer inferred. A model is the graph
of nodes between its Inputs and its outputs; the C++ core runs it. KerasTensors hold no values.
"""

import collections

import numpy as np

from densekit.utils import naming

KerasHistory = collections.namedtuple("KerasHistory", ["operation", "node_index", "tensor_index"])

_SYMBOLIC_HELP = ("A KerasTensor is a symbolic placeholder: it has a shape but no values. Build the model from layer "
                  "calls (for example densekit.layers.Concatenate()([a, b]) instead of numpy.concatenate), and use "
                  "model.predict(x) to compute values.")

# The layers that arithmetic on tensors builds: "add", "subtract", "multiply" (between two
# tensors) and "rescaling" (with a number). Those layers import this module (through layer.py),
# so it cannot import them; densekit/layers/__init__.py, which imports every layer, hands them
# over (set_operator_layers) before any tensor can exist.
_operator_layers = {}


def set_operator_layers(**layers):
    """Sets the layer classes that ``+``, ``-``, ``*``, ``/`` and unary ``-`` on tensors build."""
    _operator_layers.update(layers)


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
        if isinstance(other, KerasTensor):
            return _operator_layers[merge]()([self, other])
        if isinstance(other, (int, float, np.integer, np.floating)) and not isinstance(other, bool):
            return _operator_layers["rescaling"](scale_of(float(other)), offset_of(float(other)))(self)
        return NotImplemented

    def __add__(self, other):
        return self._binary(other, "add", lambda v: 1.0, lambda v: v)

    __radd__ = __add__

    def __sub__(self, other):
        return self._binary(other, "subtract", lambda v: 1.0, lambda v: -v)

    def __rsub__(self, other):
        if isinstance(other, (int, float, np.integer, np.floating)) and not isinstance(other, bool):
            return _operator_layers["rescaling"](-1.0, float(other))(self)
        return NotImplemented

    def __mul__(self, other):
        return self._binary(other, "multiply", lambda v: v, lambda v: 0.0)

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, (int, float, np.integer, np.floating)) and not isinstance(other, bool) and other != 0:
            return _operator_layers["rescaling"](1.0 / float(other))(self)
        return NotImplemented

    def __neg__(self):
        return _operator_layers["rescaling"](-1.0)(self)

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
