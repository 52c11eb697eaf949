"""The variables a stateful Metric subclass makes with ``add_variable`` (Keras's Variable,
keras/src/backend/common/variables.py), as densekit traces the metric
(trainers/stateful_metrics.py): eagerly they hold values; while update_state is traced they
record the batch statistics assigned to them; while result() is traced they are graph inputs."""

import numbers

import numpy as np

from densekit import initializers
from densekit.layers import keras_tensor
from densekit.layers.batch_loss import BatchLoss
from densekit.layers.keras_tensor import KerasTensor
from densekit.layers.layer_variable import VariableOperators


class MetricVariable(VariableOperators):
    """A metric's state variable (``add_variable``): its values eagerly; while densekit traces
    update_state it records assignments, and while it traces result() it is a graph input."""

    def __init__(self, metric_name, name, shape, initializer, dtype=None):
        self.name, self.path = name, f"{metric_name}/{name}"
        self.shape = tuple(int(d) for d in shape)
        self.dtype = dtype or "float32"
        self.trainable = False
        values = initializers.get(initializer)(self.shape, dtype="float32")
        self._value = np.array(np.broadcast_to(np.asarray(values, dtype=np.float32), self.shape))
        self._symbol = None    # result(): the graph input standing for the variable
        self._recorder = None  # update_state: the list its assignments go to

    # --- values -------------------------------------------------------------------------------
    def _read(self):
        if self._recorder is not None:
            raise NotImplementedError(
                f"update_state reads the metric variable '{self.name}': densekit traces update_state as the batch "
                "statistics it adds to (or assigns to) each variable, e.g. "
                f"self.{self.name}.assign_add(ops.sum(values)), and cannot read a variable's running value there.")
        return self._symbol if self._symbol is not None else self._value

    @property
    def value(self):
        return self._read()

    def numpy(self):
        value = self._read()
        if isinstance(value, KerasTensor):
            raise TypeError(f"The metric variable '{self.name}' has no values while result() is traced.")
        return value.copy()

    def __array__(self, dtype=None, copy=None):
        values = self.numpy()
        return values if dtype is None else values.astype(dtype)

    def __float__(self):
        return float(self.numpy())

    def __repr__(self):
        value = self._symbol if self._symbol is not None else self._value
        return f"<MetricVariable path={self.path}, shape={self.shape}, dtype={self.dtype}, value={value}>"

    # --- assignments --------------------------------------------------------------------------
    def _assign(self, value, accumulate, sign):
        if self._recorder is not None:
            self._recorder.append((self, accumulate, _statistic(self, value, sign)))
            return self
        if self._symbol is not None:
            raise NotImplementedError(f"result() assigns the metric variable '{self.name}': result must only read "
                                      "the state.")
        values = sign * np.asarray(value, dtype=np.float32)
        self._value = np.array(np.broadcast_to(self._value + values if accumulate else values, self.shape),
                               dtype=np.float32)
        return self

    def assign(self, value):
        return self._assign(value, False, 1.0)

    def assign_add(self, value):
        return self._assign(value, True, 1.0)

    def assign_sub(self, value):
        return self._assign(value, True, -1.0)

    # Python's operators (VariableOperators): ops on the value, a graph input while result() is traced.
    def _op(self, name, a, b):
        a = a._read() if isinstance(a, MetricVariable) else a
        b = b._read() if isinstance(b, MetricVariable) else b
        return getattr(keras_tensor._ops, name)(a, b)

    def __neg__(self):
        return keras_tensor._ops.negative(self._read())


def unwrap(value):
    """A metric variable as the value ops compute with; anything else as it is."""
    if isinstance(value, MetricVariable):
        return value._read()
    if isinstance(value, (list, tuple)) and any(isinstance(v, MetricVariable) for v in value):
        return type(value)(unwrap(v) for v in value)
    return value


def _statistic(variable, value, sign):
    """(terms, offset) of what update_state gives a variable: batch statistics and numbers."""
    if isinstance(value, BatchLoss):
        return [(t, r, sign * s) for t, r, s in value.terms], sign * value.offset
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return [], sign * float(value)
    if isinstance(value, np.ndarray) and value.size == 1:
        return [], sign * float(value.reshape(-1)[0])
    if isinstance(value, KerasTensor):
        raise NotImplementedError(
            f"update_state assigns a tensor of each sample ({value.shape}) to the metric variable '{variable.name}': "
            "reduce it over the batch first (ops.sum(values) or ops.mean(values), with no axis), as the variable "
            "holds one running value.")
    raise TypeError(f"update_state assigns {value!r} ({type(value).__name__}) to the metric variable "
                    f"'{variable.name}'; densekit traces a batch statistic (ops.sum / ops.mean with no axis) or a "
                    "number.")
