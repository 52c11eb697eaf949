"""More of ``keras.ops``'s element-wise functions (keras/src/ops/numpy.py and math.py): the
trigonometric and hyperbolic functions and their inverses, other bases of log and exp, roots,
erf, the tests for NaN and infinity, and the floor modulo, floor division, arctan2, hypot,
logaddexp and logical_xor of two tensors or a tensor and a number. Each records an
ElementwiseOp or BinaryOp with its C++ gradient (docs/ops.md)."""

import math

import numpy as np

from densekit.layers.operation_layers import ElementwiseOp
from densekit.layers.rescaling import Rescaling
from densekit.ops.eager_dtypes import _eager_operands, _t
from densekit.ops.numpy import _two_operand, _unary
from densekit.ops.symbolic import check_constant, is_symbolic, unsupported


_erf64 = np.vectorize(math.erf, otypes=[np.float64])


def _erf(x):
    # NumPy has no erf: Python's, element by element, in x's float type (float32 for others).
    x = np.asarray(x)
    return _erf64(x).astype(x.dtype if x.dtype.kind == "f" else np.float32)


ceil = _unary("ceil", np.ceil)
trunc = fix = _unary("trunc", np.trunc)
tan = _unary("tan", np.tan)
sinh = _unary("sinh", np.sinh)
cosh = _unary("cosh", np.cosh)
arcsin = _unary("arcsin", np.arcsin)
arccos = _unary("arccos", np.arccos)
arctan = _unary("arctan", np.arctan)
arcsinh = _unary("arcsinh", np.arcsinh)
arccosh = _unary("arccosh", np.arccosh)
arctanh = _unary("arctanh", np.arctanh)
log2 = _unary("log2", np.log2)
log10 = _unary("log10", np.log10)
exp2 = _unary("exp2", np.exp2)
cbrt = _unary("cbrt", np.cbrt)
rsqrt = _unary("rsqrt", lambda x: 1 / np.sqrt(x))
erf = _unary("erf", _erf)
isnan = _unary("isnan", np.isnan)
isinf = _unary("isinf", np.isinf)
isfinite = _unary("isfinite", np.isfinite)
signbit = _unary("signbit", np.signbit)
fabs = _unary("abs", np.fabs)
fabs.__name__ = fabs.__qualname__ = "fabs"


def isposinf(x):
    """1.0 where x is +inf (recorded as isinf(x) and x > 0)."""
    if not is_symbolic(x):
        return np.isposinf(_t(x))
    return isinf(x) * ElementwiseOp("greater", value=0.0)(x)


def isneginf(x):
    if not is_symbolic(x):
        return np.isneginf(_t(x))
    return isinf(x) * ElementwiseOp("less", value=0.0)(x)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN to ``nan`` and the infinities to the largest finite floats; the gradient passes where
    ``x`` is finite."""
    if not is_symbolic(x):
        x = _t(x)
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)
    if posinf is not None or neginf is not None:
        raise unsupported("nan_to_num", "it records posinf=None and neginf=None only (the largest finite floats).")
    return ElementwiseOp("nan_to_num", value=check_constant("nan_to_num", nan))(x)


def deg2rad(x):
    return Rescaling(float(np.pi / 180))(x) if is_symbolic(x) else np.deg2rad(_t(x))


def rad2deg(x):
    return Rescaling(float(180 / np.pi))(x) if is_symbolic(x) else np.rad2deg(_t(x))


def _recorded(op, numpy_fn, symmetric, eager=None):
    # with the number first: the same op when symmetric, else its reversed form (rmod: c mod x)
    return _two_operand(op, numpy_fn, op if symmetric else "r" + op, eager=eager)


def _kerass_promotion(d1, d2):
    """The dtype Keras gives two arrays' values together (keras/src/backend/common/dtypes.py): a
    float beside integers or booleans keeps its own width (NumPy makes int32 and float32
    float64), booleans take the other's dtype, the rest as NumPy."""
    if d1.kind == "b" or (d2.kind == "f" and d1.kind != "f"):
        return d2
    if d2.kind == "b" or (d1.kind == "f" and d2.kind != "f"):
        return d1
    return np.promote_types(d1, d2)


def _in_kerass_dtype(numpy_fn, computed_in, weak_numbers=False):
    """numpy_fn on arrays in the dtype Keras's TensorFlow backend computes the op in
    (keras/src/backend/tensorflow/numpy.py): a Python number weak (floor_divide: it takes the
    array's dtype) or converted first (int32, float32), the operands' dtypes promoted as Keras
    does, then ``computed_in`` of that dtype (integers as floats, for arctan2 and the like)."""
    def eager(x1, x2):
        a1, a2 = _eager_operands("floor_divide", x1, x2) if weak_numbers else (_t(x1), _t(x2))
        arrays = [a for a in (a1, a2) if isinstance(a, (np.ndarray, np.generic))]
        dtype = arrays[0].dtype
        for a in arrays[1:]:
            dtype = _kerass_promotion(dtype, a.dtype)
        dtype = computed_in(dtype)
        return numpy_fn(*[a.astype(dtype) if isinstance(a, (np.ndarray, np.generic)) else a for a in (a1, a2)])
    return eager


def _floats(dtype):  # arctan2, logaddexp: result_type(x1, x2, float)
    return dtype if dtype.kind == "f" else np.dtype(np.float32)


def _hypot_dtype(dtype):  # hypot: 64-bit integers in float64, the others in float32
    return dtype if dtype.kind == "f" else np.dtype(np.float64 if dtype.itemsize == 8 else np.float32)


def _mod_dtype(dtype):
    return np.dtype(np.int32) if dtype.kind == "b" else dtype


def _floor_divide(x1, x2):
    """floor(x1 / x2), as TensorFlow's floordiv and the recorded op compute it (NumPy's
    floor_divide gives NaN for an infinite x1); integers divide exactly."""
    if np.result_type(x1, x2).kind in "iu":
        return np.floor_divide(x1, x2)
    return np.floor(np.true_divide(x1, x2))


mod = _recorded("mod", np.mod, False, _in_kerass_dtype(np.mod, _mod_dtype))
floor_divide = _recorded("floor_divide", _floor_divide, False,
                         _in_kerass_dtype(_floor_divide, _mod_dtype, weak_numbers=True))
arctan2 = _recorded("arctan2", np.arctan2, False, _in_kerass_dtype(np.arctan2, _floats))
hypot = _recorded("hypot", np.hypot, True, _in_kerass_dtype(np.hypot, _hypot_dtype))
logaddexp = _recorded("logaddexp", np.logaddexp, True, _in_kerass_dtype(np.logaddexp, _floats))
_logical_xor = _recorded("logical_xor", np.logical_xor, True)


def logical_xor(x1, x2):
    """1.0 where exactly one of x1, x2 is non-zero (on symbolic tensors)."""
    number = (lambda v: float(v) if isinstance(v, (bool, np.bool_)) else v)
    return _logical_xor(number(x1), number(x2))


__all__ = [name for name in dir() if not name.startswith("_") and name not in (
    "np", "ElementwiseOp", "Rescaling", "check_constant", "is_symbolic", "unsupported")]
