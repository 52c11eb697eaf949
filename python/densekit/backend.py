"""Global state shared by every model: object names, epsilon, float type."""

from densekit import _core


def clear_session():
    """Resets the global name counters (``dense``, ``dense_1``, ... start over)."""
    _core.reset_names()


def epsilon():
    """The fuzz factor of losses and metrics: ``1e-7``."""
    return 1e-7


def floatx():
    """The float type of weights and outputs: ``"float32"``."""
    return "float32"
