"""Keras's object names. The counter lives in the C++ core, shared with C++-built models."""

import contextlib

from densekit import _core

to_snake_case = _core.to_snake_case
uniquify = _core.uniquify
reset = _core.reset_names

_avoided = frozenset()


def auto_name(prefix):
    """The next name of the counter for ``prefix`` ("dense", "dense_1", ...), passing over any
    name an ``avoiding`` block holds."""
    name = _core.auto_name(prefix)
    while name in _avoided:
        name = _core.auto_name(prefix)
    return name


@contextlib.contextmanager
def avoiding(names):
    """Names made inside the block pass over ``names``: the names a file gives its layers, while
    densekit records the file's ops as layers of its own beside them."""
    global _avoided
    previous = _avoided
    _avoided = previous | frozenset(names)
    try:
        yield
    finally:
        _avoided = previous
