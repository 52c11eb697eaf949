"""Recording the layer calls made while a subclassed model's ``call`` is traced."""

import contextlib

_recorders = []


def record(node):
    """Called for every layer call on symbolic tensors."""
    for nodes in _recorders:
        nodes.append(node)


@contextlib.contextmanager
def recording():
    """Collects the nodes created inside the block, in call order."""
    nodes = []
    _recorders.append(nodes)
    try:
        yield nodes
    finally:
        _recorders.remove(nodes)
