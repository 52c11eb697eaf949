"""Keras's object names. The counter lives in the C++ core, shared with C++-built models."""

import contextlib

from densekit import _core

to_snake_case = _core.to_snake_case
uniquify = _core.uniquify
reset = _core.reset_names

_avoided = frozenset()
_first_layer = None  # the name the next layer made takes (first_layer_named)


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


def layer_name(prefix):
    """A new layer's name: the one a ``first_layer_named`` block holds for it, else the next of
    the counter for ``prefix``."""
    global _first_layer
    if _first_layer is not None:
        name, _first_layer = _first_layer, None
        return name
    return auto_name(prefix)


@contextlib.contextmanager
def first_layer_named(name):
    """The first layer made inside the block is named ``name``: a Keras op's name in a file,
    given to the first layer densekit records for the op, so that the name survives a save
    and a load."""
    global _first_layer
    previous, _first_layer = _first_layer, name
    try:
        yield
    finally:
        _first_layer = previous
