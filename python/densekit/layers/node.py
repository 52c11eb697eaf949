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
        # Whether that flag holds in every call of the model (a subclassed model's call() passes
        # it whatever its own mode), or is the call's default, which a model called in a mode of
        # its own replaces (a functional model's, as in Keras 3): C++'s Node::training_fixed.
        self.training_fixed = False
        self.output = None
        # The nested models whose symbolic call made this node, outermost first: densekit inlines
        # a nested model's layers into the model calling it, and plot_model draws them back as
        # the nested model (utils/model_visualization.py).
        self.model_calls = []

    @property
    def parent_nodes(self):
        return [t._node for t in self.inputs]

    @property
    def is_input(self):
        return not self.inputs


class ModelCall:
    """One call of a model on symbolic tensors: the model, the tensors it received (in the order
    of the model's own inputs) and the tensors it returned."""

    def __init__(self, model, inputs, outputs):
        self.model = model
        self.inputs = list(inputs)
        self.outputs = list(outputs)


def mark_model_call(call, nodes):
    """Records that ``nodes`` were made by ``call`` (inside any calls they were made in)."""
    for node in nodes:
        node.model_calls.insert(0, call)


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
        # By identity: recordings nest, and two of them can hold equal lists.
        del _recorders[next(i for i, r in enumerate(_recorders) if r is nodes)]


@contextlib.contextmanager
def keeping_mode(fixed):
    """Marks the layer call made inside the block as keeping its training flag in every call
    (Node.training_fixed), when ``fixed``: a node replayed or rebuilt from one that did."""
    with recording() as nodes:
        yield
    for node in nodes:
        node.training_fixed = fixed and node.training is not None
