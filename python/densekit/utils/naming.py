"""Keras's object names. The counter lives in the C++ core, shared with C++-built models."""

from densekit import _core

to_snake_case = _core.to_snake_case
uniquify = _core.uniquify
auto_name = _core.auto_name
reset = _core.reset_names
