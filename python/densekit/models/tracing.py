"""Recording the layer calls made while a subclassed model's ``call`` is traced (now in
layers/node.py, beside Node, so that layers do not import models)."""

from densekit.layers.node import record, recording  # noqa: F401
