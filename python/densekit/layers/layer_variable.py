"""The weights a Layer subclass creates with ``add_weight`` (Keras's Variable,
keras/src/backend/common/variables.py).

On arrays a variable is its values: ``ops.matmul(x, self.w)`` and ``x + self.b`` compute with
NumPy, and ``assign``/``assign_add`` change them, as in the Keras guide's eager examples. On a
symbolic tensor, the op that combines the two records a WeightOp layer that holds the variable
(cpp/include/densekit/layers/ops.hpp), so the weight lives in the model's C++ graph and trains
there; the variable then reads and writes its values through that graph.
"""

import numpy as np

from densekit.layers import keras_tensor
from densekit.layers.keras_tensor import KerasTensor
from densekit.layers.trace_call import tracing


class VariableOperators:
    """Python's operators on a variable: densekit.ops on it (``_op`` says how the variable enters
    the op: recorded against a symbolic tensor, else its values)."""

    def _op(self, name, a, b):
        return getattr(keras_tensor._ops, name)(a, b)

    def __add__(self, other):
        return self._op("add", self, other)

    def __radd__(self, other):
        return self._op("add", other, self)

    def __sub__(self, other):
        return self._op("subtract", self, other)

    def __rsub__(self, other):
        return self._op("subtract", other, self)

    def __mul__(self, other):
        return self._op("multiply", self, other)

    def __rmul__(self, other):
        return self._op("multiply", other, self)

    def __truediv__(self, other):
        return self._op("divide", self, other)

    def __rtruediv__(self, other):
        return self._op("divide", other, self)

    def __pow__(self, other):
        return self._op("power", self, other)

    def __matmul__(self, other):
        return self._op("matmul", self, other)

    def __rmatmul__(self, other):
        return self._op("matmul", other, self)


class LayerVariable(VariableOperators):
    def __init__(self, layer, name, shape, initializer, trainable, regularizer, constraint):
        self._layer, self.name, self.shape = layer, name, tuple(int(d) for d in shape)
        self._trainable, self.regularizer, self.constraint = bool(trainable), regularizer, constraint
        self.created_trainable = self._trainable  # (the ones the layer's trainable switch turns: Keras)
        self.initializer = initializer
        self.dtype = "float32"
        self._value = np.array(initializer(self.shape, dtype="float32"), dtype=np.float32).reshape(self.shape)
        self._op_layer = None  # the WeightOp that holds the variable in a graph, once recorded

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Takes effect at the next compile, as any layer's switch: the weight's WeightOp is frozen."""
        self._trainable = bool(value)
        if self._op_layer is not None:
            self._op_layer.trainable = self._trainable

    @property
    def path(self):
        return f"{self._layer._path_scope or ''}{self._layer.name}/{self.name}"

    @property
    def value(self):
        return self.numpy()

    def numpy(self):
        op = self._op_layer
        if op is not None and op._graph is not None:
            return op._graph.get_weight(op._core, 0).reshape(self.shape)
        return self._value.copy()

    def assign(self, value):
        if isinstance(value, KerasTensor) or tracing():
            # (a number assigned while call() is traced would be assigned once, not at each batch)
            raise NotImplementedError(
                f"The weight '{self.path}' was assigned in a call traced into a model's graph: densekit runs call() "
                "once, to record it, so the value would change once, not at each batch, and a traced call cannot "
                "change a weight's value (its optimizer trains it). Such state updates run in eager calls only "
                "(the layer called on arrays).")
        values = np.array(value, dtype=np.float32)
        if values.shape != self.shape:  # (not broadcast: a wrong-shaped value is a mistake, as in Keras)
            raise ValueError(f"Layer {self._layer.name} weight shape {self.shape} is not compatible with provided weight "
                             f"shape {values.shape}.")
        op = self._op_layer
        if op is not None and op._graph is not None:
            op._graph.set_weight(op._core, 0, np.ascontiguousarray(values))
        else:
            self._value = values
            if op is not None:
                op._core.set_initial_values(values.reshape(-1))
        return self

    def assign_add(self, value):
        return self.assign(self.numpy() + np.asarray(value, dtype=np.float32))

    def assign_sub(self, value):
        return self.assign(self.numpy() - np.asarray(value, dtype=np.float32))

    def __array__(self, dtype=None, copy=None):
        self._refuse_value_in_trace()
        values = self.numpy()
        return values if dtype is None else values.astype(dtype)

    def __neg__(self):
        self._refuse_value_in_trace()
        return -self.numpy()

    def _refuse_value_in_trace(self):
        """In a traced call a variable's values would enter the graph as a constant (ops.exp(w) is
        computed once, now): the weight would never train, so this raises instead."""
        if tracing():
            raise NotImplementedError(
                f"The weight '{self.path}' was used by its values (ops.exp(w), ops.sum(w), -w, ...) in a call traced "
                "into a model's graph, where the result would be a constant that never trains. densekit records a "
                "weight combined directly with a tensor: x @ w, x + w, x - w, w - x, x * w, x / w.")

    def __repr__(self):  # (Keras's, the value as NumPy prints it)
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, value={self.numpy()}>"

