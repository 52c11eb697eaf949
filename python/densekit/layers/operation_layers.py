"""The layers densekit.ops records on symbolic tensors (cpp/include/densekit/layers/ops.hpp):
element-wise functions, broadcasting division and power, reductions over a sample's axes, and
index maps (slicing, transposes, gathers). They have no weights; a model that holds them
trains, saves and loads like any other. Keras records these calls as Operations
(keras/src/ops/numpy.py); densekit records them as layers of its C++ graph, named after the op
("sin", "power", "sum", "get_item")."""

from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer
from densekit.utils import naming


class _OpLayer(Layer):
    def __init__(self, op, name=None, **kwargs):
        super().__init__(name=name if name is not None else naming.auto_name(op), **kwargs)
        self.op = op


class ElementwiseOp(_OpLayer):
    """``f(x)`` element by element: abs, sqrt, exp, ..., power/rpower/rdivide/maximum/minimum
    with a number (``value``) and clip (to ``[x_min, x_max]``)."""

    def __init__(self, op, value=0.0, x_min=0.0, x_max=0.0, **kwargs):
        super().__init__(op, **kwargs)
        self.value, self.x_min, self.x_max = float(value), float(x_min), float(x_max)
        numbers = dict(x_min=self.x_min, x_max=self.x_max) if op == "clip" else dict(value=self.value)
        self._core = core_from_config(self, "ElementwiseOp", op=op, **numbers)


class BinaryOp(_OpLayer):
    """``x / y`` or ``x ** y`` between two tensors, broadcasting as Keras does."""

    _takes_list = True

    def __init__(self, op, **kwargs):
        super().__init__(op, **kwargs)
        self._core = core_from_config(self, "BinaryOp", op=op)


class Reduce(_OpLayer):
    """sum, mean, max, min, prod, var, std or logsumexp over some of a sample's axes."""

    def __init__(self, op, axis=None, keepdims=False, **kwargs):
        super().__init__(op, **kwargs)
        self.axis, self.keepdims = axis, bool(keepdims)
        self._core = core_from_config(self, "Reduce", op=op, axis=axis, keepdims=self.keepdims)


class IndexMapOp(_OpLayer):
    """Each output element is an input element: ``get_item`` (basic slicing, ``key`` holds one
    integer or ``[start, stop, step]`` per sample axis), ``transpose`` (``axes``) and ``take``
    (``indices`` along ``axis``)."""

    def __init__(self, op, key=None, axes=None, indices=None, axis=1, **kwargs):
        super().__init__(op, **kwargs)
        self.key, self.axes, self.indices, self.axis = key, axes, indices, axis
        fields = {"get_item": dict(key=key), "transpose": dict(axes=axes), "take": dict(indices=indices, axis=axis)}
        self._core = core_from_config(self, "IndexMapOp", op=op, **fields.get(op, {}))
