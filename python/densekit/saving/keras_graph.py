"""The order in which Keras lists a functional model's layers, computed from its config.

Keras does not keep a functional model's layers in the order its config lists them: when it
rebuilds the model it orders them again (``map_graph`` in keras/src/ops/function.py), by depth
from the outputs, deepest first, ties broken by the order a depth-first walk from the outputs
first reaches them. That order names the layers' groups in the weights file (``layers/dense``,
``layers/dense_1``, ...), so an archive densekit writes must list its layers in it, or Keras
would give one layer's weights to another. Keras's own files already list them so.
"""

from collections import defaultdict


def _flatten(structure):
    """Keras's flattening of ``input_layers`` / ``output_layers``: a dict by sorted key (as
    keras.tree flattens dicts), a list in order, one ``[name, node, index]`` as itself."""
    if isinstance(structure, dict):
        return [t for key in sorted(structure) for t in _flatten(structure[key])]
    if isinstance(structure, list) and structure and isinstance(structure[0], str):
        return [tuple(structure[:3])]
    if isinstance(structure, list):
        return [t for item in structure for t in _flatten(item)]
    return []


def _call_tensors(value):
    """The (layer, node, index) histories of the Keras tensors in a call, args then kwargs."""
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        return [tuple(value["config"]["keras_history"][:3])]
    if isinstance(value, dict):
        return [t for key in sorted(value) for t in _call_tensors(value[key])]
    if isinstance(value, list):
        return [t for item in value for t in _call_tensors(item)]
    return []


def keras_layer_order(config):
    """The layer names of a functional model ``config`` in the order Keras's ``model.layers``
    gives them once it has rebuilt the model."""
    calls = {}  # (layer, node index) -> the (layer, node) of each input tensor's producer
    for entry in config["layers"]:
        name = entry["config"].get("name", entry.get("name"))
        for index, node in enumerate(entry.get("inbound_nodes") or []):
            arguments = (node.get("args", []), node.get("kwargs", {})) if isinstance(node, dict) else ([], {})
            calls[(name, index)] = [t[:2] for t in _call_tensors(list(arguments))]
    inputs = set(_flatten(config.get("input_layers")))

    order, first_seen, finished, in_progress = [], {}, set(), set()

    def visit(tensor):  # _build_map_helper
        node = tensor[:2]
        if node in finished:
            return
        is_input = not calls.get(node)
        if not is_input and tensor in inputs:
            finished.add(node)
            return
        if node in in_progress:
            raise ValueError(f"The model's graph has a cycle through layer '{node[0]}'.")
        first_seen.setdefault(node[0], len(first_seen))
        in_progress.add(node)
        if not is_input:
            for parent in calls[node]:
                visit(parent + (0,))
        finished.add(node)
        in_progress.discard(node)
        order.append(node)

    for output in _flatten(config.get("output_layers")):
        visit(output)

    node_depth, layer_depth = {}, {}
    in_graph = set(order)
    for node in reversed(order):
        depth = max(node_depth.setdefault(node, 0), layer_depth.get(node[0], 0))
        layer_depth[node[0]] = node_depth[node] = depth
        for parent in calls.get(node, []):
            if parent in in_graph:
                node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    for name, _, _ in _flatten(config.get("input_layers")):  # inputs no output depends on
        if name not in layer_depth:
            layer_depth[name], first_seen[name] = 0, -1

    by_depth = defaultdict(list)
    for name, depth in layer_depth.items():
        by_depth[depth].append(name)
    return [name for depth in sorted(by_depth, reverse=True)
            for name in sorted(by_depth[depth], key=lambda n: first_seen[n])]


def in_keras_order(serialized):
    """``serialized`` with a functional model's layers listed in Keras's order (layers no output
    depends on, which Keras leaves out of ``model.layers``, at the end)."""
    if serialized.get("class_name") == "Sequential":
        return serialized
    config = serialized["config"]
    order = {name: i for i, name in enumerate(keras_layer_order(config))}
    entries = config["layers"]
    ranked = sorted(range(len(entries)), key=lambda i: (
        order.get(entries[i]["config"].get("name", entries[i].get("name")), len(order) + i)))
    return {**serialized, "config": {**config, "layers": [entries[i] for i in ranked]}}
