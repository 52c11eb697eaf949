"""``keras.ops`` functions that densekit records as several of its recorded ops: truth
reductions (all, any, count_nonzero), moments, vector norms and L2/RMS normalization, and the
shape ops that move, flip, repeat or roll a sample's axes (as IndexMapOp's transpose and take).
On arrays they compute at once with NumPy, as the other ops do."""

import numbers

import numpy as np

from densekit.backend import epsilon as _epsilon
from densekit.layers import batch_loss
from densekit.layers.keras_tensor import KerasTensor
from densekit.layers.operation_layers import ElementwiseOp, IndexMapOp
from densekit.ops import numpy as ops
from densekit.ops.symbolic import is_symbolic, sample_axis, scalar, unsupported

_t = ops.convert_to_tensor


def _truth(x):
    return ElementwiseOp("not_zero")(x)


def all(x, axis=None, keepdims=False):  # noqa: A001  (Keras's name)
    """Whether every element along ``axis`` is non-zero (1.0 / 0.0 on symbolic tensors)."""
    if not is_symbolic(x):
        return np.all(_t(x), axis=axis, keepdims=keepdims)
    return ops.min(_truth(x), axis=axis, keepdims=keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001
    if not is_symbolic(x):
        return np.any(_t(x), axis=axis, keepdims=keepdims)
    return ops.max(_truth(x), axis=axis, keepdims=keepdims)


def count_nonzero(x, axis=None):
    if not is_symbolic(x):
        return np.asarray(np.count_nonzero(_t(x), axis=axis)).astype(np.int32)[()]  # int32, as Keras's
    return ops.sum(_truth(x), axis=axis)


def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) over ``axes`` (keras.ops.moments)."""
    if not is_symbolic(x):
        x = _t(x)
        axes = tuple(np.atleast_1d(axes).tolist())
        return np.mean(x, axis=axes, keepdims=keepdims), np.var(x, axis=axes, keepdims=keepdims)
    return ops.mean(x, axis=axes, keepdims=keepdims), ops.var(x, axis=axes, keepdims=keepdims)


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002  (Keras's name)
    """A vector norm along one sample axis (``ord`` None or 2, 1, inf, -inf, 0 or any p), or
    the Frobenius norm over two (keras.ops.norm; on arrays NumPy's linalg.norm)."""
    if not is_symbolic(x):
        x = _t(x)
        out = np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
        return out.astype(x.dtype if x.dtype.kind == "f" else np.float32)
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    if axis is None or len(axes) > 2:
        raise unsupported("norm", "with axis=None it takes the norm over the batch axis too; give the sample axis "
                                  "(axis=-1) or two sample axes.")
    if len(axes) == 2:
        if ord not in (None, "fro"):
            raise unsupported("norm", f"it records the Frobenius norm of matrices only (received ord={ord!r}).")
        return ops.sqrt(ops.sum(ops.square(x), axis=axes, keepdims=keepdims))
    if ord in (None, 2):
        return ops.sqrt(ops.sum(ops.square(x), axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return ops.max(ops.abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return ops.min(ops.abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return ops.sum(_truth(x), axis=axis, keepdims=keepdims)
    if ord == 1:
        return ops.sum(ops.abs(x), axis=axis, keepdims=keepdims)
    if isinstance(ord, numbers.Real) and not isinstance(ord, bool):
        return ops.power(ops.sum(ops.power(ops.abs(x), float(ord)), axis=axis, keepdims=keepdims), 1.0 / ord)
    raise ValueError(f"Invalid `ord` argument for vector norm. Received: ord={ord!r}")


def normalize(x, axis=-1, order=2, epsilon=None):
    """``x`` divided by its ``order``-norm along ``axis``; for order 2 as Keras computes it,
    ``x · rsqrt(max(Σx², ε²))``, so that a zero vector stays finite (keras/src/ops/nn.py)."""
    if isinstance(order, bool) or not isinstance(order, numbers.Integral) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    eps = _epsilon() if epsilon is None else float(epsilon)
    if not is_symbolic(x):
        x = _t(x)
        if order == 2:
            return x / np.sqrt(np.maximum(np.sum(np.square(x), axis=axis, keepdims=True), eps * eps)).astype(x.dtype)
        return x / np.maximum(np.linalg.norm(x, ord=order, axis=axis, keepdims=True), eps).astype(x.dtype)
    if order == 2:
        square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
        return ops.multiply(x, _rsqrt(ops.maximum(square_sum, eps * eps)))
    return ops.divide(x, ops.maximum(norm(x, ord=order, axis=axis, keepdims=True), eps))


def _rsqrt(x):
    return ElementwiseOp("rsqrt")(x)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """``x · rsqrt(mean(x², axis) + ε) · scale`` (keras.ops.rms_normalization; ``scale`` a number
    on symbolic tensors)."""
    eps = _epsilon() if epsilon is None else float(epsilon)
    if not is_symbolic(x):
        x = _t(x)
        out = x / np.sqrt(np.mean(np.square(x), axis=axis, keepdims=True) + eps).astype(x.dtype)
        return out if scale is None else out * np.asarray(scale, dtype=out.dtype)
    out = ops.multiply(x, _rsqrt(ops.add(ops.mean(ops.square(x), axis=axis, keepdims=True), eps)))
    if scale is None:
        return out
    if scalar(scale) is None:
        raise unsupported("rms_normalization", "its `scale` is an array; densekit records a number. For a learned "
                                               "scale use layers.RMSNormalization.")
    return ops.multiply(out, scalar(scale))


# --- moving a sample's axes ---------------------------------------------------------------------

def _permuted(x, perm, op):
    if list(perm) == list(range(x.ndim)):
        return x
    if perm[0] != 0:
        raise unsupported(op, "it moves the batch axis; keep axis 0 first.")
    return IndexMapOp("transpose", axes=[int(a) for a in perm])(x)


def moveaxis(x, source, destination):
    if not is_symbolic(x):
        return np.moveaxis(_t(x), source, destination)
    src = [sample_axis(a, x.ndim, "moveaxis") for a in np.atleast_1d(source).tolist()]
    dst = [sample_axis(a, x.ndim, "moveaxis") for a in np.atleast_1d(destination).tolist()]
    perm = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return _permuted(x, perm, "moveaxis")


def swapaxes(x, axis1, axis2):
    if not is_symbolic(x):
        return np.swapaxes(_t(x), axis1, axis2)
    a, b = sample_axis(axis1, x.ndim, "swapaxes"), sample_axis(axis2, x.ndim, "swapaxes")
    perm = list(range(x.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return _permuted(x, perm, "swapaxes")


def _taken(x, axis, indices, op):
    """x's positions ``indices`` along sample ``axis`` (IndexMapOp take)."""
    a = sample_axis(axis, x.ndim, op)
    indices = [int(i) for i in indices]
    if not indices:  # (Keras gives samples with no values; a densekit layer's output needs one)
        raise unsupported(op, "here it would leave each sample no values along an axis (a repeat count of 0), and "
                              "a densekit layer's output needs at least one value per sample.")
    return IndexMapOp("take", indices=indices, axis=a)(x)


def flip(x, axis=None):
    if not is_symbolic(x):
        return np.flip(_t(x), axis=axis)
    if axis is None:
        raise unsupported("flip", "with axis=None it reverses the batch axis too; give the sample axes.")
    for a in np.atleast_1d(axis).tolist():
        x = _taken(x, a, range(x.shape[sample_axis(a, x.ndim, "flip")] - 1, -1, -1), "flip")
    return x


def roll(x, shift, axis=None):
    if not is_symbolic(x):
        return np.roll(_t(x), shift, axis=axis)
    if axis is None:
        raise unsupported("roll", "with axis=None it rolls across the batch axis; give the sample axis.")
    shifts, axes = np.broadcast_arrays(np.atleast_1d(shift), np.atleast_1d(axis))
    for s, a in zip(shifts.tolist(), axes.tolist()):
        size = x.shape[sample_axis(a, x.ndim, "roll")]
        x = _taken(x, a, [(i - int(s)) % size for i in range(size)], "roll")
    return x


def repeat(x, repeats, axis=None):
    if not is_symbolic(x):
        return np.repeat(_t(x), repeats, axis=axis)
    if axis is None:
        raise unsupported("repeat", "with axis=None it flattens the batch axis into the others; give the sample axis.")
    size = x.shape[sample_axis(axis, x.ndim, "repeat")]
    counts = np.broadcast_to(np.asarray(repeats, dtype=np.int64), (size,))
    if (counts < 0).any():
        raise ValueError(f"repeat: `repeats` must not be negative. Received: repeats={repeats!r}")
    return _taken(x, axis, np.repeat(np.arange(size), counts), "repeat")


def tile(x, repeats):
    if not is_symbolic(x):
        return np.tile(_t(x), repeats)
    reps = [int(r) for r in np.atleast_1d(repeats).tolist()]
    reps = [1] * (x.ndim - len(reps)) + reps
    if len(reps) != x.ndim or reps[0] != 1:
        raise unsupported("tile", f"it repeats the batch axis (or adds axes): repeats={repeats!r} for a tensor of rank "
                                  f"{x.ndim}; give 1 for the batch axis.")
    for a, r in enumerate(reps):
        if r != 1:
            x = _taken(x, a, np.tile(np.arange(x.shape[a]), r), "tile")
    return x


def unstack(x, num=None, axis=0):
    if not is_symbolic(x):
        x = _t(x)
        return [np.take(x, i, axis=axis) for i in range(x.shape[axis])]
    a = sample_axis(axis, x.ndim, "unstack")
    whole = (slice(None),) * (a - 1 if batch_loss.in_one_row() else a)
    return [ops.get_item(x, whole + (i,)) for i in range(x.shape[a])]


def hstack(xs):
    if not is_symbolic(*xs):
        return np.hstack([_t(x) for x in xs])
    if xs[0].ndim < 2:
        raise unsupported("hstack", "for tensors of one value a sample it joins along the batch axis.")
    return ops.concatenate(list(xs), axis=1)


# --- about a tensor -----------------------------------------------------------------------------

def ndim(x):
    return x.ndim if is_symbolic(x) else np.ndim(x)


def size(x):
    """The number of elements. Of a symbolic tensor whose batch size is unknown, the count over
    the batch it will hold: a batch total (ops.sum of ones), which a stateful metric's
    update_state adds to a variable, as Keras's ``v.assign_add(ops.cast(ops.size(y), ...))``."""
    if not is_symbolic(x):
        return np.size(x)
    if x.shape[0] is not None:
        return int(np.prod(x.shape))
    if batch_loss.in_one_row():  # a metric's result(): the one row's elements
        return int(np.prod(x.shape[1:]))
    return ops.sum(ops.ones_like(x))


def is_tensor(x):
    """Whether ``x`` is a tensor of densekit's computations: a NumPy array (densekit computes on
    arrays eagerly) or a symbolic tensor."""
    return isinstance(x, (np.ndarray, KerasTensor))


def copy(x):
    return x if is_symbolic(x) else np.copy(_t(x))


__all__ = ["all", "any", "copy", "count_nonzero", "flip", "hstack", "is_tensor", "moments", "moveaxis", "ndim", "norm",
           "normalize", "repeat", "rms_normalization", "roll", "size", "swapaxes", "tile", "unstack"]
