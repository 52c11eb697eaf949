"""Process-wide settings of the C++ core, and Keras's read-only ones (keras.config)."""

from densekit import _core
from densekit.backend import (  # noqa: F401  (Keras's names)
    backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx, set_image_data_format)


_threads_chosen = False  # by set_num_threads (densekit.distribution leaves the choice alone)


def set_num_threads(n):
    """Threads of densekit's own pool (default: OMP_NUM_THREADS, else all cores)."""
    global _threads_chosen
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"`n` must be a positive integer. Received: n={n!r}")
    _core.set_num_threads(n)
    _threads_chosen = True


def num_threads_chosen():
    """Whether the thread count was set: by set_num_threads or OMP_NUM_THREADS."""
    import os

    return _threads_chosen or bool(os.environ.get("OMP_NUM_THREADS"))


def get_num_threads():
    return _core.num_threads()


_LIMIT_NAMES = ("max_parameters", "max_values_per_sample", "max_layers")


def get_limits():
    """How large a model densekit builds or loads: a dict of `max_parameters` (all weights of a
    model), `max_values_per_sample` (one layer's output for one sample) and `max_layers` (layers
    and layer calls in a model). docs/security.md explains why they exist."""
    limits = _core.limits()
    return {name: getattr(limits, name) for name in _LIMIT_NAMES}


def set_limits(max_parameters=None, max_values_per_sample=None, max_layers=None):
    """Raises (or lowers) the limits a model must stay within; `None` keeps a limit as it is.
    They guard against corrupt files and typos, not against legitimate large models: raise them
    for a model that is meant to be larger. Returns the limits in force before the call."""
    previous = get_limits()
    requested = {"max_parameters": max_parameters, "max_values_per_sample": max_values_per_sample,
                 "max_layers": max_layers}
    limits = _core.limits()
    for name, value in requested.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"`{name}` must be an integer. Received: {name}={value!r}")
        setattr(limits, name, value)
    _core.set_limits(limits)
    return previous
