"""Keras's object names. The counter lives in the C++ core, shared with C++-built models."""

import contextlib
import threading

from densekit import _core

to_snake_case = _core.to_snake_case
uniquify = _core.uniquify
reset = _core.reset_names

# What the blocks below set, per thread: a layer another thread makes meanwhile is named as usual.
_state = threading.local()


def auto_name(prefix):
    """The next name of the counter for ``prefix`` ("dense", "dense_1", ...), passing over any
    name an ``avoiding`` block holds."""
    avoided = getattr(_state, "avoided", frozenset())
    name = _core.auto_name(prefix)
    while name in avoided:
        name = _core.auto_name(prefix)
    return name


@contextlib.contextmanager
def avoiding(names):
    """Names made inside the block pass over ``names``: the names a file gives its layers, while
    densekit records the file's ops as layers of its own beside them."""
    previous = getattr(_state, "avoided", frozenset())
    _state.avoided = previous | frozenset(names)
    try:
        yield
    finally:
        _state.avoided = previous


def layer_name(prefix):
    """A new layer's name: the one a ``first_layer_named`` block holds for it, else the next of
    the counter for ``prefix``."""
    name = getattr(_state, "first_layer", None)
    if name is not None:
        _state.first_layer = None
        return name
    return auto_name(prefix)


@contextlib.contextmanager
def first_layer_named(name):
    """The first layer made inside the block is named ``name`` (None: as usual): a Keras op's
    name in a file, given to the first layer densekit records for the op, so that the name
    survives a save and a load."""
    previous = getattr(_state, "first_layer", None)
    _state.first_layer = name
    try:
        yield
    finally:
        _state.first_layer = previous
