"""Node: one call of a layer on symbolic tensors (keras/src/ops/node.py), and the recording of
the nodes created while a subclassed model's ``call`` is traced (models/tracing.py)."""

import contextlib


class Node:
    """One call of a layer on symbolic tensors."""

    def __init__(self, layer, inputs, single, training=None):
        self.layer = layer
        self.inputs = list(inputs)  # KerasTensors
        self.single = single        # called on one tensor (not a list)
        self.training = training    # None (follow the model), True or False
        self.output = None

    @property
    def parent_nodes(self):
        return [t._node for t in self.inputs]

    @property
    def is_input(self):
        return not self.inputs


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
