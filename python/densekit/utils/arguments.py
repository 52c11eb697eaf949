"""Arguments given by position to the classes and functions that take Keras's signatures
(losses, metrics and their functions), turned into keyword arguments; and arguments handed to
the C++ objects, checked for their type."""


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
