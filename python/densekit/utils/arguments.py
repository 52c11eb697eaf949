"""Arguments given by position to the classes and functions that take Keras's signatures
(losses, metrics and their functions), turned into keyword arguments; arguments handed to the
C++ objects, checked for their type; and the class axis and dtype of losses and metrics."""

import numbers

from densekit.backend import standardize_dtype


def class_axis(axis, owner_name):
    """A loss's or metric's ``axis``: -1, or a positive axis, which is the last one of the outputs
    it may meet (1 for Keras's (batch, classes) examples); ``check_axis_fits`` refuses it on
    outputs where it is not. densekit reduces the last axis only."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) or (axis != -1 and axis < 1):
        raise ValueError(f"densekit's {owner_name} reduces the last axis only (axis=-1, or the last axis's positive "
                         f"index, such as 1 for 2-D outputs). Received: axis={axis!r}")
    return int(axis)


def check_axis_fits(owner, rank):
    """Refuses a loss or metric whose positive axis (its ``_axis``) is not the last of outputs of
    ``rank`` (batch axis counted): densekit reduces the last axis."""
    axis = getattr(owner, "_axis", -1)
    if axis != -1 and rank is not None and axis != rank - 1:
        raise ValueError(f"The {type(owner).__name__} '{owner.name}' has axis={axis}, which is the last axis only of "
                         f"{axis + 1}-D outputs, and densekit reduces the last axis; its outputs have rank {rank}. "
                         "Use axis=-1.")


def compute_dtype(dtype):
    """A loss's or metric's dtype as Keras takes it: a dtype, or a dtype policy whose compute
    dtype it is (an object, its saved config, or its name: "mixed_float16", "int8_from_float32");
    float32 by default. densekit keeps it (``dtype``, the config) and computes in float32."""
    if dtype is None:
        return "float32"
    if hasattr(dtype, "compute_dtype"):
        return dtype.compute_dtype
    if isinstance(dtype, dict):  # a saved DTypePolicy
        dtype = (dtype.get("config") or {}).get("name", "float32")
    if dtype in ("mixed_float16", "mixed_bfloat16"):
        return dtype[len("mixed_"):]
    if isinstance(dtype, str) and "_from_" in dtype:  # a quantized policy: computes in the second
        return standardize_dtype(dtype.split("_from_", 1)[1])
    return standardize_dtype(dtype)


def set_fields(core, owner, fields):
    """Sets each argument of ``fields`` on the C++ object ``core``, refusing one of the wrong
    kind (None, a string, an int beyond 64 bits) with a message naming it and ``owner``'s class,
    where pybind11 would list the C++ signatures."""
    for key, value in fields.items():
        try:
            setattr(core, key, value)
        except (TypeError, ValueError, OverflowError):
            kind = type(getattr(core, key, None)).__name__
            kind = {"float": "a number", "int": "an integer", "bool": "True or False"}.get(kind, f"a {kind}")
            if kind == "an integer" and isinstance(value, int) and not isinstance(value, bool):
                kind = "an integer below 2**31"
            raise ValueError(f"Argument `{key}` of {type(owner).__name__} must be {kind}. Received: {key}={value!r}") \
                from None


def by_position(callable_name, names, args, kwargs):
    """``args`` given by position, as the keyword arguments ``names`` in that order (Keras's
    signature), merged into ``kwargs``."""
    if len(args) > len(names):
        raise TypeError(f"{callable_name}() takes at most {len(names)} positional arguments ({len(args)} given)")
    for key, value in zip(names, args):
        if key in kwargs:
            raise TypeError(f"{callable_name}() got multiple values for argument '{key}'")
        kwargs[key] = value
    return kwargs
