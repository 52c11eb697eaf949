"""The losses a model called on arrays leaves in its layers, as Keras's ``model(x)`` does
(keras/src/layers/layer.py): the outermost call clears every layer's losses, then each layer
adds those of its own call: the activity penalty of its output (divided by the batch size) and
its ``add_loss`` terms, one entry per ``add_loss`` call. The C++ pass computes the values
(Graph::added_losses); this module hands them to the Python layers they belong to."""

import numpy as np


def layers_within(model):
    """Every layer reachable from ``model``: its layers, their sublayers, nested models' layers."""
    found, stack, seen = [], [model], set()
    while stack:
        layer = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        found.append(layer)
        children = list(getattr(layer, "layers", None) or [])
        network = layer.__dict__.get("_network")
        if network is not None:
            children += [node.layer for node in network.nodes if not node.is_input]
        if hasattr(layer, "_sublayers"):
            children += layer._sublayers()
        owner = getattr(layer, "_loss_owner", None)  # a Layer subclass that a model holds as the ops it traced
        if owner is not None:
            children.append(owner)
        stack.extend(reversed(children))
    return found


def record(model, terms=None):
    """Gives each layer the losses of the call that computed ``terms`` (node index, value); None
    for a call on an empty batch, whose penalties are 0 (Keras divides them by the batch size
    with divide_no_nan)."""
    for layer in layers_within(model):
        layer.__dict__["_own_losses"] = []
    by_core = {}
    network = model.__dict__.get("_network")
    for node in network.nodes if network is not None else ():
        if not node.is_input:
            by_core[id(node.layer._core)] = node.layer
    graph_nodes = model._graph.nodes
    if terms is None:
        terms = [(i, 0.0) for i, (core, *_) in enumerate(graph_nodes)
                 if core is not None and _adds_loss(by_core.get(id(core)))]
    sums = {}  # one entry per loss: the terms one add_loss call split into are summed
    for index, value in terms:
        layer = by_core.get(id(graph_nodes[index][0]))
        owner = getattr(layer, "_loss_owner", None)
        owner = owner if owner is not None else layer if layer is not None else model
        group = getattr(layer, "_loss_group", None)
        key = id(group) if group is not None else index  # a shared layer adds a loss per call
        if key in sums:
            sums[key][1] += value
        else:
            sums[key] = [owner, value]
    for owner, value in sums.values():
        owner.__dict__.setdefault("_own_losses", []).append(np.float32(value))


def _adds_loss(layer):
    return layer is not None and (getattr(layer, "_loss_group", None) is not None
                                  or getattr(layer, "_activity_regularizer", None) is not None)


def losses_of(model):
    """What ``model.losses`` lists before its weights' penalties: each layer's own losses, the
    model's first, depth first (Keras's _flatten_layers order)."""
    return [loss for layer in layers_within(model) for loss in layer.__dict__.get("_own_losses", ())]
