"""Process-wide settings of the C++ core."""

from densekit import _core


def set_num_threads(n):
    """Threads of densekit's own pool (default: OMP_NUM_THREADS, else all cores)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"`n` must be a positive integer. Received: n={n!r}")
    _core.set_num_threads(n)


def get_num_threads():
    return _core.num_threads()
