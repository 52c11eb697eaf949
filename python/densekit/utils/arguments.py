"""Arguments given by position to the classes and functions that take Keras's signatures
(losses, metrics and their functions), turned into keyword arguments; arguments handed to the
C++ objects, checked for their type; and the class axis of losses and metrics."""

import numbers


def class_axis(axis, owner_name):
    """A loss's or metric's ``axis``: -1, or 1, the last axis of the (batch, classes) outputs
    Keras's examples write it for; ``check_axis_fits`` refuses 1 on outputs of another rank."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) or axis not in (-1, 1):
        raise ValueError(f"densekit's {owner_name} reduces the last axis only (axis=-1, or 1 for 2-D outputs). "
                         f"Received: axis={axis!r}")
    return int(axis)


def check_axis_fits(owner, rank):
    """Refuses a loss or metric given axis=1 (its ``_axis``) for outputs of ``rank`` (batch axis
    counted) other than 2: densekit reduces the last axis, which is axis 1 only there."""
    if getattr(owner, "_axis", -1) == 1 and rank is not None and rank != 2:
        raise ValueError(f"The {type(owner).__name__} '{owner.name}' has axis=1, which is the last axis only of 2-D "
                         f"outputs, and densekit reduces the last axis; its outputs have rank {rank}. Use axis=-1.")


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
