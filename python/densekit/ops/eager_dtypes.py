"""Keras's dtype rules for the ops computed on arrays (keras/src/backend/common/dtypes.py's
result_type, as Keras's backends apply it): what Python numbers and lists become, and the
dtype of a binary op's operands."""

import numpy as np

from densekit.ops.symbolic import is_symbolic


_INT32 = np.iinfo(np.int32)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """An array (float32 for Python floats, as Keras's floatx; int32 for Python ints that fit in
    it, as Keras's); a symbolic tensor as it is. No sparse or ragged tensors."""
    if sparse or ragged:
        raise ValueError(f"densekit's tensors are dense NumPy arrays: sparse={sparse!r} and ragged={ragged!r} are not "
                         "supported.")
    if is_symbolic(x):
        return x
    if dtype is not None:
        return np.asarray(x, dtype=np.dtype(dtype))
    array = np.asarray(x)
    if not isinstance(x, np.ndarray) and array.dtype == np.float64:
        array = array.astype(np.float32)
    elif (not isinstance(x, (np.ndarray, np.generic)) and array.dtype == np.int64
          and (array.size == 0 or _INT32.min <= array.min() and array.max() <= _INT32.max)):
        array = array.astype(np.int32)
    return array


_t = convert_to_tensor


def _as_float(x):
    """Integers and booleans as float32, as Keras's float-valued functions take them."""
    return x.astype(np.float32) if x.dtype.kind in "biu" else x


def _is_python_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _eager_operands(op, x1, x2):
    """The arrays of a binary op, with Keras's dtype rules: a Python number is weak (it takes the
    other array's dtype, and a float next to integers makes them float32), dividing integers
    gives float32, and of two arrays the one of the higher kind decides (_joined)."""
    weak1, weak2 = _is_python_number(x1), _is_python_number(x2)
    if weak1 and weak2 and (isinstance(x1, float) or isinstance(x2, float)):
        return np.float32(x1), np.float32(x2)  # two Python numbers, one a float: float32, as Keras's
    a1, a2 = (x1 if weak1 and not weak2 else _t(x1)), (x2 if weak2 and not weak1 else _t(x2))
    arrays = [a for a in (a1, a2) if isinstance(a, np.ndarray)]
    float_number = any(isinstance(x, float) for x, weak in ((x1, weak1), (x2, weak2)) if weak)
    if (op == "divide" or float_number) and all(a.dtype.kind in "biu" for a in arrays):
        a1, a2 = [_as_float(a) if isinstance(a, np.ndarray) else a for a in (a1, a2)]
    elif len(arrays) == 1 and arrays[0].dtype.kind in "iu":
        if op == "power" and weak2 and x2 < 0:  # wrapped, -1 would be 255 for uint8: numpy's message, as for signed
            raise ValueError("Integers to negative integer powers are not allowed.")
        a1, a2 = [_wrapped(a, arrays[0].dtype) if isinstance(a, int) else a for a in (a1, a2)]
    elif len(arrays) == 1 and arrays[0].dtype.kind == "b" and (weak1 or weak2):
        a1, a2 = [a.astype(np.int32) if isinstance(a, np.ndarray) else a for a in (a1, a2)]  # booleans and an int: int32
    elif len(arrays) == 2:
        a1, a2 = _joined(a1, a2)
    return a1, a2


# Keras's lattice: booleans < integers < floats < complex. An array of a higher kind decides the
# dtype whatever the other's size (int64 with float16 is float16, float64 with complex64 is
# complex64); within a kind NumPy's promotion holds.
_LATTICE = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _joined(a1, a2):
    k1, k2 = _LATTICE.get(a1.dtype.kind), _LATTICE.get(a2.dtype.kind)
    if k1 is None or k2 is None or k1 == k2 or min(k1, k2) == 0 and max(k1, k2) == 1:
        return a1, a2  # one kind (or booleans with integers): NumPy's own promotion
    dtype = a1.dtype if k1 > k2 else a2.dtype
    return a1.astype(dtype, copy=False), a2.astype(dtype, copy=False)


def _wrapped(number, dtype):
    """A Python int in an integer array's dtype, wrapped modulo its range as Keras (TensorFlow)
    converts it: numpy 2 refuses an int out of the dtype's range."""
    return np.array(number % 2**64, dtype=np.uint64).astype(dtype)
