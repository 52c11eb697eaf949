"""Process-wide settings of the C++ core, and Keras's read-only ones (keras.config)."""

import os

from densekit import _core
from densekit.backend import (  # noqa: F401  (Keras's names)
    backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx, set_image_data_format)
from densekit.utils import traceback_utils
from densekit.utils.traceback_utils import (  # noqa: F401  (Keras's names)
    disable_traceback_filtering, enable_traceback_filtering, is_traceback_filtering_enabled)
from densekit.utils.io_utils import (  # noqa: F401  (Keras's names)
    disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled)


_threads_chosen = False  # by set_num_threads (densekit.distribution leaves the choice alone)


def set_num_threads(n):
    """Threads of densekit's own pool (default: OMP_NUM_THREADS, else all cores; at most 256).
    Lowering it parks the extra threads until it rises again."""
    global _threads_chosen
    if isinstance(n, bool) or not isinstance(n, int):  # (the core checks the value)
        raise ValueError(f"`n` must be a positive integer. Received: n={n!r}")
    _core.set_num_threads(max(min(n, 2**31 - 1), -1))  # a C int
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


# --- caps on fit / evaluate / predict for debugging runs (keras/src/backend/config.py) ---------

def _limit(value, name):
    """A cap: a positive integer, or None; 0 is no cap too, as Keras reads it."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ValueError(f"`{name}` must be a non-negative integer or None. Received: {name}={value!r}")
    return value or None


def _env_limit(variable):
    value = os.environ.get(variable)
    return _limit(int(value), variable) if value else None


_max_epochs = _env_limit("KERAS_MAX_EPOCHS")
# Read as a variable by predict's one-row fast path, which a function call would slow.
steps_cap = _env_limit("KERAS_MAX_STEPS_PER_EPOCH")


def set_max_epochs(max_epochs):
    """Caps the epochs of every ``fit`` (None: no cap); also set by the KERAS_MAX_EPOCHS variable."""
    global _max_epochs
    _max_epochs = _limit(max_epochs, "max_epochs")


def max_epochs():
    return _max_epochs


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Caps the steps of each epoch of ``fit`` (its validation too), ``evaluate`` and ``predict``
    (None: no cap); also set by the KERAS_MAX_STEPS_PER_EPOCH variable."""
    global steps_cap
    steps_cap = _limit(max_steps_per_epoch, "max_steps_per_epoch")


def max_steps_per_epoch():
    return steps_cap


def capped_epochs(epochs):
    """``epochs`` within max_epochs(), with Keras's warning when it cuts."""
    if _max_epochs and _max_epochs < epochs:
        traceback_utils.warn("Limiting epochs to %d" % _max_epochs)
        return _max_epochs
    return epochs


def capped_steps(steps):
    """``steps`` (None: the whole data) within max_steps_per_epoch(), with Keras's warning."""
    if steps_cap and (not steps or steps_cap < steps):
        traceback_utils.warn("Limiting steps_per_epoch to %d" % steps_cap)
        return steps_cap
    return steps


# --- Keras's other switches (keras/src/backend/config.py, keras/src/utils/traceback_utils.py) -----

def enable_unsafe_deserialization():
    """Keras's switch that lets load_model run the Python bytecode a file holds (Lambda layers).
    densekit's files hold none (a Lambda is saved as its traced ops), so there is nothing to
    allow: kept so that Keras code runs."""


class DTypePolicy:
    """Keras's dtype policy, of which densekit has one: float32 variables and computations."""

    name = compute_dtype = variable_dtype = "float32"

    def __repr__(self):
        return '<DTypePolicy "float32">'


def dtype_policy():
    return DTypePolicy()


def set_dtype_policy(policy):
    """Accepts float32 (a name or a DTypePolicy); mixed precision ("mixed_float16",
    "mixed_bfloat16") and other types are refused: densekit computes in float32 only."""
    if getattr(policy, "name", policy) != "float32":
        raise ValueError(f"densekit computes in float32 only (no mixed precision). Received: policy={policy!r}")
