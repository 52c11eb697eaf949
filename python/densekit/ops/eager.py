"""``keras.ops`` functions densekit computes on arrays only (with NumPy, as Keras's NumPy backend
does): creating arrays, running sums, sorting, statistics, products and linear algebra. On a
symbolic tensor each raises an error that names it: a layer computes each sample on its own, and
these either work across the batch or have no recorded C++ form yet (docs/ops.md)."""

import numpy as np

from densekit.backend import floatx
from densekit.ops.eager_dtypes import _as_float, _t
from densekit.ops.numpy import _eager_only, int32_positions
from densekit.ops.symbolic import is_symbolic, unsupported

_NOT_RECORDED = "densekit computes it on arrays only (no recorded form in a model's graph yet)."


def _keras_dtype(*values):
    """The dtype Keras gives a result of these Python numbers or arrays (keras/src/backend/common/
    dtypes.py): a Python float makes it floatx (float64 only for a float64 array), Python ints
    int32 (int64 for an int64 array)."""
    values = [v for v in values if v is not None]
    arrays = [np.dtype(v.dtype) for v in values if hasattr(v, "dtype")]
    if any(isinstance(v, float) or np.dtype(getattr(v, "dtype", np.int32)).kind == "f" for v in values):
        return np.dtype(np.float64) if np.dtype(np.float64) in arrays else np.dtype(floatx())
    return np.dtype(np.int64) if np.dtype(np.int64) in arrays else np.dtype(np.int32)


def _creation(name, fn):
    def wrapper(*args, **kwargs):
        if is_symbolic(*args, *kwargs.values()):
            raise unsupported(name, "it creates an array, which a model's graph does not hold.")
        return fn(*args, **kwargs)

    wrapper.__name__ = wrapper.__qualname__ = name
    wrapper.__doc__ = f"NumPy's ``{name}`` with Keras's default dtypes."
    return wrapper


def _arange(start, stop=None, step=None, dtype=None):
    dtype = dtype or _keras_dtype(start, stop, step)
    if stop is None:
        start, stop = 0, start
    return np.arange(start, stop, 1 if step is None else step, dtype=dtype)


def _float_dtype(*values):
    """floatx, or float64 when an array argument is float64 (Keras's result_type(..., float))."""
    return _keras_dtype(*values, 0.0)


def _linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    dtype = dtype or _float_dtype(start, stop)
    return np.linspace(start, stop, num=num, endpoint=endpoint, retstep=retstep, dtype=dtype, axis=axis)


def _float_default(numpy_fn):
    def fn(*args, dtype=None, **kwargs):
        return numpy_fn(*args, dtype=dtype or floatx(), **kwargs)
    return fn


arange = _creation("arange", _arange)
linspace = _creation("linspace", _linspace)
logspace = _creation("logspace", lambda start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0: np.logspace(
    start, stop, num=num, endpoint=endpoint, base=base, axis=axis,
    dtype=dtype or _float_dtype(start, stop)))
geomspace = _creation("geomspace", lambda start, stop, num=50, endpoint=True, dtype=None, axis=0: np.geomspace(
    start, stop, num=num, endpoint=endpoint, axis=axis, dtype=dtype or _float_dtype(start, stop)))
eye = _creation("eye", _float_default(lambda N, M=None, k=0, dtype=None: np.eye(N, M=M, k=k, dtype=dtype)))
identity = _creation("identity", _float_default(lambda n, dtype=None: np.identity(n, dtype=dtype)))
tri = _creation("tri", _float_default(lambda N, M=None, k=0, dtype=None: np.tri(N, M=M, k=k, dtype=dtype)))
empty = _creation("empty", _float_default(lambda shape, dtype=None: np.empty(shape, dtype=dtype)))
meshgrid = _creation("meshgrid", lambda *x, indexing="xy": np.meshgrid(*[_t(a) for a in x], indexing=indexing))
array = _creation("array", lambda x, dtype=None: np.array(_t(x), dtype=dtype))


def convert_to_numpy(x):
    if is_symbolic(x):
        raise unsupported("convert_to_numpy", "a symbolic tensor has no values while the model is built.")
    return np.asarray(x)


def dtype(x):
    """The standardized name of x's dtype ("float32", "int32", ...; a Python float is float32)."""
    return x.dtype if is_symbolic(x) else str(_t(x).dtype)


def full_like(x, fill_value, dtype=None):
    if is_symbolic(x):
        raise unsupported("full_like", "it fills a constant; for ones or zeros use ops.ones_like / ops.zeros_like, "
                                       "times a number.")
    return np.full_like(_t(x), fill_value, dtype=dtype)


def _cumulative(numpy_fn):
    def fn(x, axis=None, dtype=None):
        x = _t(x)
        dtype = dtype or (np.int32 if x.dtype == np.bool_ else x.dtype)
        return numpy_fn(x, axis=axis, dtype=dtype)
    return fn


def _top_k(x, k, sorted=True):
    """The k largest values along the last axis and their positions (int32), the earlier
    position first among equal values, as Keras's stable top_k."""
    x = _t(x)
    n = x.shape[-1]
    # Descending and stable without negating (unsigned values would wrap): a stable ascending
    # sort of the reversed row, read backwards.
    order = (n - 1 - np.argsort(np.flip(x, axis=-1), axis=-1, kind="stable"))[..., ::-1][..., :k]
    return np.take_along_axis(x, order, axis=-1), order.astype(np.int32)


def _in_top_k(targets, predictions, k):
    """Whether each target's prediction is among the k largest of its row (ties at the k-th
    value count as in, as in Keras)."""
    predictions = _t(predictions)
    targets = np.asarray(targets).astype(np.int64)
    valid = (targets >= 0) & (targets < predictions.shape[-1])  # (TensorFlow: False for an id out of range)
    target_values = np.take_along_axis(predictions, np.where(valid, targets, 0)[..., None], axis=-1)[..., 0]
    if k <= 0:
        return np.zeros(target_values.shape, dtype=bool)
    kth = np.sort(predictions, axis=-1)[..., -min(int(k), predictions.shape[-1])]
    return valid & (target_values >= kth)


def _float_result(numpy_fn):
    """NumPy's statistic in Keras's result_type(x, float): a float input's own dtype (float16
    stays float16), float32 for integers and booleans, NumPy's for complex (complex64 means,
    float32 variances)."""
    def fn(x, *args, **kwargs):
        x = _t(x)
        out = np.asarray(numpy_fn(_as_float(x), *args, **kwargs))
        return out if x.dtype.kind == "c" else out.astype(x.dtype if x.dtype.kind == "f" else np.float32)
    fn._array_args = getattr(numpy_fn, "_array_args", None)
    return fn


def _divide_no_nan(x1, x2):
    """x1 / x2, 0 where x2 is 0; float32 for integers, as Keras's divide."""
    x1, x2 = _as_float(_t(x1)), _as_float(_t(x2))
    dtype = np.result_type(x1, x2)
    x1, x2 = x1.astype(dtype), x2.astype(dtype)
    return np.where(x2 == 0, dtype.type(0), x1 / np.where(x2 == 0, dtype.type(1), x2)).astype(dtype)


def _argsort(x, axis=-1):
    """Positions (int32) that sort ``x``, equal values in their order (Keras's backends sort stably)."""
    return int32_positions(np.argsort(x, axis=axis, kind="stable"))


def _pad(x, pad_width, mode="constant", constant_values=None):
    """NumPy's pad; constant_values=None pads with 0, as Keras (NumPy would pad with None: NaN)."""
    if mode == "constant":
        return np.pad(x, pad_width, mode, constant_values=0 if constant_values is None else constant_values)
    if constant_values is not None:
        raise ValueError(f"Argument `constant_values` can only be provided when `mode == 'constant'`. Received: "
                         f"mode={mode}")
    return np.pad(x, pad_width, mode)


def _average(x, axis=None, weights=None):
    """The weighted mean; NaN where the weights sum to zero, as Keras's divide (NumPy raises)."""
    if weights is None:
        return np.average(x, axis=axis)
    x, weights = _as_float(x), np.asarray(weights)
    if weights.shape != x.shape and axis is not None:  # NumPy's 1-D weights along the axis
        weights = np.expand_dims(weights, [a for a in range(x.ndim) if a != axis % x.ndim])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sum(x * weights, axis=axis) / np.sum(np.broadcast_to(weights, x.shape), axis=axis)


def _bincount(x, weights=None, minlength=0, sparse=False):
    """Counts of each non-negative integer; a 2-D input counts each row, as Keras does."""
    if sparse:
        raise ValueError("densekit's bincount gives dense counts only (sparse=False).")
    x = np.asarray(x)
    if x.ndim != 2:
        return np.bincount(x, weights=weights, minlength=minlength)
    length = max(int(minlength), int(x.max()) + 1 if x.size else 0)
    rows = [weights[i] if weights is not None else None for i in range(len(x))]
    return np.stack([np.bincount(row, weights=w, minlength=length) for row, w in zip(x, rows)]) if len(x) else \
        np.zeros((0, length), np.int64)


def _keepdims(numpy_fn, result=lambda out: out):
    """NumPy's reduction with Keras's signature ``(x, axis=None, keepdims=False)``: NumPy's third
    position is ``out`` or ``dtype``, so Keras's positional keepdims would land there."""
    def fn(x, axis=None, keepdims=False):
        return result(numpy_fn(x, axis=axis, keepdims=keepdims))
    fn._array_args = 1
    return fn


def _at_q(numpy_fn):
    """quantile / percentile with Keras's signature ``(x, q, axis=None, method="linear", keepdims=False)``."""
    def fn(x, q, axis=None, method="linear", keepdims=False):
        return numpy_fn(x, q, axis=axis, method=method, keepdims=keepdims)
    fn._array_args = 2
    return fn


def _unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False, axis=None, size=None,
            fill_value=None):
    """NumPy's unique (always sorted, NaNs kept apart) with Keras's signature; ``size`` cuts or pads
    the unique values (with ``fill_value``, default 0) and their first indices (with 1) and
    counts (with 0) along the axis to that length, as Keras's NumPy backend does."""
    out = np.unique(x, return_index=return_index, return_inverse=return_inverse, return_counts=return_counts,
                    axis=axis, equal_nan=False)
    out = list(out) if (return_index or return_inverse or return_counts) else [out]
    if size is not None:
        values, dim = out[0], 0 if axis is None else axis % np.ndim(x)
        have = values.shape[dim]
        for k, kind in [(0, "values"), *([(1, "index")] if return_index else []),
                        *([(len(out) - 1, "counts")] if return_counts else [])]:
            along = dim if kind == "values" else 0
            if have > size:
                out[k] = np.take(out[k], np.arange(size), axis=along)
            elif have < size:
                pad = [(0, 0)] * out[k].ndim
                pad[along] = (0, size - have)
                fill = {"values": 0 if fill_value is None else fill_value, "index": 1, "counts": 0}[kind]
                out[k] = np.pad(out[k], pad, constant_values=fill)
    return out[0] if len(out) == 1 else tuple(out)


def _take_along_axis(x, indices, axis=None):
    return np.take_along_axis(x, indices, axis=axis)


_unique._array_args = 1
_take_along_axis._array_args = 2

_ACROSS = ("densekit computes it on arrays only: in a model it would work across the batch or has no recorded form "
           "yet.")

_FUNCTIONS = {
    # running sums and differences
    "cumsum": _cumulative(np.cumsum), "cumprod": _cumulative(np.cumprod), "diff": np.diff,
    # sorting and selecting
    "sort": np.sort, "argsort": _argsort, "top_k": _top_k, "in_top_k": _in_top_k,
    "searchsorted": np.searchsorted, "digitize": np.digitize, "bincount": _bincount, "unique": _unique,
    "nonzero": np.nonzero, "take_along_axis": _take_along_axis,
    # statistics
    "median": _float_result(_keepdims(np.median)), "quantile": _float_result(_at_q(np.quantile)),
    "percentile": _float_result(_at_q(np.percentile)), "average": _average, "ptp": _keepdims(np.ptp),
    "nanmax": _keepdims(np.nanmax), "nanmin": _keepdims(np.nanmin), "nanmean": _float_result(_keepdims(np.nanmean)),
    "nansum": _keepdims(np.nansum), "nanprod": _keepdims(np.nanprod), "nanstd": _float_result(_keepdims(np.nanstd)),
    "nanvar": _float_result(_keepdims(np.nanvar)), "nanmedian": _float_result(_keepdims(np.nanmedian)),
    "nanquantile": _float_result(_at_q(np.nanquantile)), "nanpercentile": _float_result(_at_q(np.nanpercentile)),
    "nanargmax": _keepdims(np.nanargmax, int32_positions), "nanargmin": _keepdims(np.nanargmin, int32_positions),
    "nancumsum": np.nancumsum, "nancumprod": np.nancumprod,
    "isclose": np.isclose, "allclose": np.allclose, "corrcoef": np.corrcoef,
    # matrices and products
    "tril": np.tril, "triu": np.triu, "diag": np.diag, "diagonal": np.diagonal, "trace": np.trace,
    "outer": np.outer, "inner": np.inner, "kron": np.kron, "tensordot": np.tensordot, "vdot": np.vdot,
    "cross": np.cross, "inv": np.linalg.inv, "det": np.linalg.det, "solve": np.linalg.solve,
    "slogdet": np.linalg.slogdet, "eig": np.linalg.eig, "eigh": np.linalg.eigh, "qr": np.linalg.qr,
    "svd": np.linalg.svd, "pinv": np.linalg.pinv, "matrix_rank": np.linalg.matrix_rank, "cholesky": np.linalg.cholesky,
    "lstsq": lambda a, b, rcond=None: np.linalg.lstsq(a, b, rcond=rcond)[0],
    # element-wise functions recorded nowhere yet
    "divide_no_nan": _divide_no_nan,
    "fmod": np.fmod, "fmax": np.fmax, "fmin": np.fmin, "heaviside": np.heaviside, "logaddexp2": np.logaddexp2,
    "sinc": np.sinc, "isin": np.isin, "select": np.select, "histogram": np.histogram, "gcd": np.gcd, "lcm": np.lcm,
    "ldexp": np.ldexp, "nextafter": np.nextafter, "vander": np.vander, "diagflat": np.diagflat,
    # joining and reshaping whole arrays
    "vstack": np.vstack, "dstack": np.dstack, "append": np.append, "ravel": np.ravel, "pad": _pad,
    "broadcast_to": np.broadcast_to, "empty_like": np.empty_like, "flipud": np.flipud, "fliplr": np.fliplr,
    "rot90": np.rot90, "array_split": np.array_split, "vsplit": np.vsplit, "hsplit": np.hsplit,
    "dsplit": np.dsplit,
}

for _name, _fn in _FUNCTIONS.items():
    globals()[_name] = _eager_only(_name, _fn, _ACROSS)


def logdet(x):
    """log(det(x)) of a positive-definite matrix (keras.ops.logdet): NaN where the determinant is
    negative, -inf where it is 0 (slogdet's log|det| alone would hide the sign)."""
    if is_symbolic(x):
        raise unsupported("logdet", _ACROSS)
    sign, log_abs = np.linalg.slogdet(_t(x))
    return np.where(sign < 0, np.nan, np.where(sign == 0, -np.inf, log_abs))[()]


__all__ = sorted(["arange", "array", "convert_to_numpy", "dtype", "empty", "eye", "full_like", "geomspace", "identity",
                  "linspace", "logdet", "logspace", "meshgrid", "tri", *_FUNCTIONS])
