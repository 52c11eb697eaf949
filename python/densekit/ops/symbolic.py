"""How an op decides between computing and recording: called on arrays it computes at once
(NumPy results, as Keras's NumPy backend); called on a symbolic tensor (densekit.Input, a layer's
output, a subclassed model's traced call) it records a layer of the C++ graph
(layers/operation_layers.py) and returns the new symbolic tensor."""

import numbers

import numpy as np

from densekit.layers import batch_loss
from densekit.layers.keras_tensor import KerasTensor


def is_symbolic(*values):
    return any(isinstance(v, KerasTensor) for v in values)


def scalar(value):
    """``value`` as a Python float when it is a single number (a 0-d array too), else None."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        return float(value)
    return None


def unsupported(op, detail):
    """The error for an op densekit cannot record in a model's graph."""
    return NotImplementedError(
        f"densekit.ops.{op} cannot be recorded on a symbolic tensor: {detail} densekit records an op as a layer of "
        "its C++ graph, computed per sample. Call the op on arrays (eagerly), or build the computation from "
        "densekit.layers and the ops listed in docs/ops.md.")


def check_constant(op, value):
    """A constant an op mixes with a symbolic tensor must be one number."""
    if isinstance(value, KerasTensor):
        return value
    number = scalar(value)
    if number is None:
        shape = getattr(np.asarray(value), "shape", "?")
        raise unsupported(op, f"one operand is a constant array of shape {shape}; densekit records constants of a "
                              "single number only (for a constant vector, use a layer, e.g. a Dense or Rescaling).")
    return number


class BatchBroadcastError(ValueError):
    """Two symbolic tensors Keras would broadcast across the batch (check_same_rank)."""


def check_same_rank(op, a, b):
    """Keras broadcasts two tensors' whole shapes, batch axis included; densekit's graph combines
    them per sample. The two agree unless the ranks differ and the longer shape has a 1 where the
    shorter's batch axis meets it: Keras then broadcasts over the batch ((batch,) and (batch, 1)
    give (batch, batch)), a result densekit cannot compute, so it refuses rather than give
    another. (Where that dimension is larger, Keras fails unless the batch happens to match it.)"""
    longer, shorter = (tuple(a.shape), tuple(b.shape)) if len(a.shape) >= len(b.shape) else (tuple(b.shape), tuple(a.shape))
    if len(longer) > len(shorter) and longer[len(longer) - len(shorter)] == 1:
        raise BatchBroadcastError(
            f"densekit.ops.{op}: the tensors have shapes {tuple(a.shape)} and {tuple(b.shape)}. Keras broadcasts them "
            "batch axis included, the batch axis of one against the other's axis of size 1, which gives one result "
            "per pair of samples; densekit's per-sample graph cannot compute that. Give them one rank first "
            "(ops.expand_dims, ops.reshape or ops.squeeze).")


def sample_axis(axis, ndim, op):
    """A Keras axis (counting the batch axis) of a tensor of rank ``ndim``, checked."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{op}: `axis` must be an integer. Received: axis={axis!r}")
    if batch_loss.in_one_row():  # a variable's own axes: the graph's one row is the variable
        rank = ndim - 1
        a = int(axis) + rank if axis < 0 else int(axis)
        if not 0 <= a < rank:
            raise ValueError(f"{op}: axis {axis} is out of bounds for a tensor of rank {rank}.")
        return a + 1
    a = int(axis) + ndim if axis < 0 else int(axis)
    if not 0 <= a < ndim:
        raise ValueError(f"{op}: axis {axis} is out of bounds for a tensor of rank {ndim}.")
    if a == 0:
        raise unsupported(op, "it works along the batch axis (axis 0), and a layer computes each sample on its own.")
    return a
