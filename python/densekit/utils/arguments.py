"""Arguments given by position to the classes and functions that take Keras's signatures
(losses, metrics and their functions), turned into keyword arguments."""


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
