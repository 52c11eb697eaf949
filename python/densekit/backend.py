"""Global state shared by every model: object names, epsilon, float type."""

from densekit import _core


def clear_session(free_memory=True):
    """Resets the global name counters (``dense``, ``dense_1``, ... start over). ``free_memory``
    is Keras's (it also collects garbage there); densekit's models free their memory when they
    are no longer referenced, so it changes nothing here."""
    _core.reset_names()


_EPSILON = 1e-7  # the C++ losses' and metrics' kEpsilon (cpp/include/densekit/losses.hpp)
_image_data_format = "channels_last"

# keras/src/backend/common/dtypes.py: the dtypes Keras names, and Python's types as the
# TensorFlow backend names them.
ALLOWED_DTYPES = ("float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32",
                  "int64", "bfloat16", "bool", "string", "float8_e4m3fn", "float8_e5m2", "complex64", "complex128")
_PYTHON_DTYPES = {bool: "bool", int: "int64", float: "float32", str: "string", "int": "int64", "float": "float32"}


def epsilon():
    """The fuzz factor of losses and metrics: ``1e-7``."""
    return _EPSILON


def set_epsilon(value):
    """densekit's C++ losses and metrics use Keras's default fuzz factor, 1e-7: that value is
    accepted, any other refused (rather than ignored)."""
    if value != _EPSILON:
        raise ValueError(f"densekit's losses and metrics use Keras's default epsilon 1e-07 only. Received: "
                         f"epsilon={value!r}")


def standardize_dtype(dtype):
    """A dtype's name as Keras writes it ("float32", "int64", ...): floatx for None, Python's
    int and float as int64 and float32; ValueError for a type Keras does not know."""
    if dtype is None:
        return floatx()
    dtype = _PYTHON_DTYPES.get(dtype, dtype) if isinstance(dtype, (type, str)) else dtype
    if hasattr(dtype, "name"):
        dtype = dtype.name
    elif hasattr(dtype, "__name__"):
        dtype = dtype.__name__
    if dtype not in ALLOWED_DTYPES:
        raise ValueError(f"Invalid dtype: {dtype}")
    return dtype


def is_float_dtype(dtype):
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype):
    return standardize_dtype(dtype).startswith(("int", "uint"))


def floatx():
    """The float type of weights and outputs: ``"float32"``."""
    return "float32"


def set_floatx(value):
    """densekit computes in float32 only: "float32" is accepted, any other type refused."""
    if value != "float32":
        raise ValueError(f"densekit computes in float32 only. Received: floatx={value!r}")


def image_data_format():
    """Where the channels of an image are, for layers given no ``data_format`` (Flatten, the
    global poolings): ``"channels_last"`` (Keras's default) unless set."""
    return _image_data_format


def set_image_data_format(data_format):
    global _image_data_format
    _image_data_format = standardize_data_format(data_format)


def standardize_data_format(data_format):
    """``data_format`` in lower case, or image_data_format() for None; ValueError for any value
    other than "channels_first" or "channels_last" (keras/src/backend/config.py)."""
    if data_format is None:
        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
                         f"Received: data_format={data_format}")
    return data_format


def backend():
    """The name of what computes: ``"densekit"`` (Keras gives "tensorflow", "jax" or "torch")."""
    return "densekit"
