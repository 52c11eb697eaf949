"""KerasTensor: the symbolic tensor of the functional API (keras/src/backend/common/keras_tensor.py).

Calling a layer on KerasTensors records a Node (layers/node.py: the layer, the tensors it was
called on) and returns a new KerasTensor whose shape the C++ layer inferred. A model is the graph
of nodes between its Inputs and its outputs; the C++ core runs it. KerasTensors hold no values.
"""

import collections

import numpy as np

from densekit.layers.trace_call import tracing
from densekit.utils import naming

KerasHistory = collections.namedtuple("KerasHistory", ["operation", "node_index", "tensor_index"])

_SYMBOLIC_HELP = ("A KerasTensor is a symbolic placeholder: it has a shape but no values. Build the model from layer "
                  "calls (for example densekit.layers.Concatenate()([a, b]) instead of numpy.concatenate), and use "
                  "model.predict(x) to compute values.")

# Python's operators on tensors are densekit.ops (x + y, x ** 2, x[:, 1:3]). densekit.ops
# records layers, which import this module, so it cannot import them: densekit/ops/__init__.py
# hands itself over (set_operator_ops) before any tensor can exist.
_ops = None


def set_operator_ops(ops):
    """Sets the module whose functions Python's operators on tensors call."""
    global _ops
    _ops = ops



def is_keras_tensor(x):
    """Whether ``x`` is a symbolic tensor (densekit.Input, a layer's output); Keras exports it
    from keras.backend and keras.utils (densekit/__init__.py puts it there)."""
    return isinstance(x, KerasTensor)


def _operand(value):
    """Whether an operator takes ``value``: a tensor, a number or an array (densekit.ops refuses
    constant arrays with a clear error); anything else lets Python try the other side."""
    if isinstance(value, (bool, np.bool_)):
        return False
    return isinstance(value, (KerasTensor, int, float, np.integer, np.floating, np.ndarray, list, tuple))


class KerasTensor:
    """A symbolic tensor: a shape (batch first, None) and the layer call that produced it."""

    # NumPy's arithmetic on a tensor (numpy_array * tensor) is densekit.ops' own; its other
    # functions (np.tanh(tensor)) have no values to work on.
    _UFUNC_OPS = {"add": "add", "subtract": "subtract", "multiply": "multiply", "true_divide": "divide",
                  "divide": "divide", "power": "power", "maximum": "maximum", "minimum": "minimum",
                  "remainder": "mod", "floor_divide": "floor_divide"}

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        op = self._UFUNC_OPS.get(ufunc.__name__)
        if op is not None and method == "__call__" and not kwargs:
            return getattr(_ops, op)(*inputs)
        hint = f" Use densekit.ops.{ufunc.__name__}." if hasattr(_ops, ufunc.__name__) else ""
        raise TypeError(f"Cannot apply numpy.{ufunc.__name__} to {self!r}.{hint} {_SYMBOLIC_HELP}")

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
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse=False, ragged=False, name={self.name}>"

    # Arithmetic is densekit.ops: between tensors, merge layers (Add, ...) or BinaryOp; with a
    # number, Rescaling or ElementwiseOp.
    def _apply(self, op, a, b):
        return getattr(_ops, op)(a, b) if _operand(a) and _operand(b) else NotImplemented

    def __add__(self, other):
        return self._apply("add", self, other)

    def __radd__(self, other):
        return self._apply("add", other, self)

    def __sub__(self, other):
        return self._apply("subtract", self, other)

    def __rsub__(self, other):
        return self._apply("subtract", other, self)

    def __mul__(self, other):
        return self._apply("multiply", self, other)

    def __rmul__(self, other):
        return self._apply("multiply", other, self)

    def __truediv__(self, other):
        return self._apply("divide", self, other)

    def __rtruediv__(self, other):
        return self._apply("divide", other, self)

    def __mod__(self, other):
        return self._apply("mod", self, other)

    def __rmod__(self, other):
        return self._apply("mod", other, self)

    def __floordiv__(self, other):
        return self._apply("floor_divide", self, other)

    def __rfloordiv__(self, other):
        return self._apply("floor_divide", other, self)

    def __pow__(self, other):
        return self._apply("power", self, other)

    def __rpow__(self, other):
        return self._apply("power", other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __getitem__(self, key):
        return _ops.get_item(self, key)

    # Comparisons and logic, as Keras's KerasTensor: 1.0 / 0.0 tensors.
    def __lt__(self, other):
        return self._apply("less", self, other)

    def __le__(self, other):
        return self._apply("less_equal", self, other)

    def __gt__(self, other):
        return self._apply("greater", self, other)

    def __ge__(self, other):
        return self._apply("greater_equal", self, other)

    def _logic(self, op, a, b):
        truth = (bool, np.bool_)
        return getattr(_ops, op)(a, b) if all(_operand(v) or isinstance(v, truth) for v in (a, b)) else NotImplemented

    def __and__(self, other):
        return self._logic("logical_and", self, other)

    def __rand__(self, other):
        return self._logic("logical_and", other, self)

    def __or__(self, other):
        return self._logic("logical_or", self, other)

    def __ror__(self, other):
        return self._logic("logical_or", other, self)

    def __xor__(self, other):
        return self._logic("logical_xor", self, other)

    def __rxor__(self, other):
        return self._logic("logical_xor", other, self)

    def __invert__(self):
        return _ops.logical_not(self)

    # == and != compare element-wise inside the user's traced code (a metric's update_state
    # counts matches with them, as it would on eager tensors); elsewhere a tensor is equal to
    # itself only, as Keras's KerasTensor, so containers of tensors behave.
    def __eq__(self, other):
        if tracing() and _operand(other) and other is not self:
            return _ops.equal(self, other)
        return other is self

    def __ne__(self, other):
        if tracing() and _operand(other) and other is not self:
            return _ops.not_equal(self, other)
        return other is not self

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
