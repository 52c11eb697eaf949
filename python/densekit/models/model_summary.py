"""model.summary()'s rows (keras/src/utils/summary_utils.py, print_summary): which layers a model's
table lists and in what order, their cells, layer_range and expand_nested. utils/summary.py
draws the table."""

import re

import numpy as np

from densekit.layers.input_layer import InputLayer
from densekit.utils import io_utils, summary as summary_utils


def _is_model(layer):
    # Every model draws its own rows; layers do not (model.py imports this module, not the reverse).
    return hasattr(layer, "_summary_rows")


def print_summary(model, line_length, positions, print_fn, expand_nested, show_trainable, layer_range):
    """model.summary()."""
    _, headers = model._summary_rows()
    rows = _table(model, headers, expand_nested, show_trainable, layer_range)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    non_trainable = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    optimizer_params = None
    if model.optimizer is not None and model.optimizer.built:
        optimizer_params = model.optimizer.count_params()
    extra = {"headers": headers} if headers else {}
    sizes = {"trainable_bytes": summary_utils.weights_bytes(model.trainable_weights),
             "non_trainable_bytes": summary_utils.weights_bytes(model.non_trainable_weights)}
    text = summary_utils.render(model.name, rows, trainable, non_trainable, optimizer_params,
                                line_length=line_length, positions=positions, show_trainable=show_trainable,
                                **sizes, **extra)
    # The text ends with a line break, as rich's captured console output Keras hands over does:
    # print_fn=f.write leaves the next write on a line of its own.
    if print_fn is not None:
        print_fn(text + "\n")
    else:
        io_utils.print_msg(text + "\n", line_break=False)


def graph_rows(model):
    """(rows, headers): Keras's 3 columns for chains and subclassed models, with "Connected to"
    for other functional graphs. A model called inside this one is one row, as in Keras,
    although its layers are inlined into this model's graph."""
    net = model._network
    if net is None:
        return [(f"{layer.name} ({type(layer).__name__})", "?", "0 (unbuilt)") for layer in model.layers], None
    if model._traced:
        return _traced_rows(model, net), None
    # Each node belongs to a layer, or to the outermost model call that made it.
    op_of = {node: (node.model_calls[0].model if node.model_calls else node.layer) for node in net.nodes}
    ops, calls = graph_ops(net), {}  # each op's calls: (inputs, outputs)
    for node in net.nodes:
        op = op_of[node]
        call = (node.model_calls[0].inputs, node.model_calls[0].outputs) if node.model_calls else (
            node.inputs, [node.output])
        if all(call[1] is not known[1] for known in calls.setdefault(op, [])):
            calls[op].append(call)
    # Each tensor's op, the op's call that gave it, and its place among that call's outputs.
    call_index = {id(t): (op, k, j) for op, op_calls in calls.items() for k, (_, outs) in enumerate(op_calls)
                  for j, t in enumerate(outs)}
    # Keras's "sequential-like" test on this view: each op called once on at most one tensor,
    # no call feeding two ops (two outputs of a nested model feeding two layers put two nodes at
    # one depth), one input (one node per depth; several inputs always put two nodes at one
    # depth, their branches ending in outputs or meeting in a merge).
    feeding = [call_index[id(t)][:2] for op_calls in calls.values() for inputs, _ in op_calls for t in inputs]
    chain = (all(len(op_calls) == 1 and len(op_calls[0][0]) <= 1 for op_calls in calls.values())
             and len(feeding) == len(set((op.name, k) for op, k in feeding)) and len(net.inputs) == 1)
    rows = []
    for op in ops:
        outputs = calls[op][-1][1]
        shapes = [summary_utils.format_shape(t.shape) for t in outputs]
        params = "0" if isinstance(op, InputLayer) else summary_utils.layer_params(op)
        row = (f"{op.name} ({type(op).__name__})", shapes[0] if len(shapes) == 1 else f"[{', '.join(shapes)}]",
               params)
        if not chain:
            links = ["{}[{}][{}]".format(call_index[id(t)][0].name, *call_index[id(t)][1:])
                     for inputs, _ in calls[op] for t in inputs]
            row += (", ".join(links) if links else "-",)
        rows.append(row)
    headers = None if chain else ("Layer (type)", "Output Shape", "Param #", "Connected to")
    return rows, headers


def graph_ops(net):
    """The rows of a functional model: its layers, each called model as one, ordered as Keras
    orders a functional model's operations (deepest first, then in the order the walk from
    the outputs meets them; Network._map_graph). The order is worked out again on the calls
    rather than taken from net.layers, where a called model's layers stand in for it and
    would put its row at the depth of its first layer."""
    units = {}  # id -> (op, inputs, outputs): a layer's call, or a whole call of a model
    for node in net.nodes:
        call = node.model_calls[0] if node.model_calls else None
        unit = (call.model, call.inputs, call.outputs) if call else (node.layer, node.inputs, [node.output])
        units.setdefault(id(call or node), unit)
    producer = {id(t): key for key, (_, _, outputs) in units.items() for t in outputs}
    finished, ordered, first_seen = set(), [], {}
    stack = [(t, False) for t in reversed(net.outputs)]
    while stack:  # depth-first, iteratively, as Network._map_graph walks the nodes
        tensor, leaving = stack.pop()
        key = producer[id(tensor)]
        if key in finished:
            continue
        if leaving:
            finished.add(key)
            ordered.append(key)
            continue
        first_seen.setdefault(units[key][0], len(first_seen))
        stack.append((tensor, True))
        stack.extend((t, False) for t in reversed(units[key][1]))
    unit_depth, op_depth = {}, {}
    for key in reversed(ordered):
        op = units[key][0]
        depth = max(unit_depth.setdefault(key, 0), op_depth.get(op, 0))
        op_depth[op] = unit_depth[key] = depth
        for t in units[key][1]:
            parent = producer[id(t)]
            unit_depth[parent] = max(depth + 1, unit_depth.get(parent, 0))
    for t in net.inputs:  # an input no output needs still has its row, first
        op_depth.setdefault(t._node.layer, 0)
        first_seen.setdefault(t._node.layer, -1)
    ops = sorted(op_depth, key=lambda op: (-op_depth[op], first_seen[op]))
    # Calls only an added loss depends on are not on the walk from the outputs: last.
    ops += [op for op, _, _ in units.values() if op not in op_depth and op not in ops]
    return ops


def _traced_rows(model, net):
    last_shape = {node.layer: node.output.shape for node in net.nodes}
    rows = []
    for layer in model.layers:
        last = layer
        while _is_model(last) and last.layers:  # a nested model: its last layer's output
            last = last.layers[-1]
        shape = summary_utils.format_shape(last_shape[last]) if last in last_shape else "?"
        params = "0" if isinstance(layer, InputLayer) else summary_utils.layer_params(layer)
        rows.append((f"{layer.name} ({type(layer).__name__})", shape, params))
    return rows


def row_layers(model):
    """The layer (or called model) behind each row of _summary_rows, in order: the list
    Keras's print_summary walks for layer_range and expand_nested (model.layers, or a
    functional model's operations, InputLayers included)."""
    net = model._network
    if net is None or model._traced:
        return model.layers
    return graph_ops(net)


def _table(model, headers, expand_nested, show_trainable, layer_range):
    """The rows summary() prints: the layer_range slice, each nested model followed by its own
    rows when expand_nested (keras/src/utils/summary_utils.py, print_summary)."""
    rows, _ = model._summary_rows()
    layers = model._summary_layers()
    first, stop = _summary_range(layers, layer_range)
    cells = len(headers) if headers else 3
    table = []
    # A nested model never built on its own knows no shapes; the graph this model inlined its
    # layers into does (Keras builds the nested model when it is called).
    net = model._network or model.__dict__.get("_nested_network")
    shapes = {node.layer: node.output.shape for node in net.nodes} if net is not None else {}

    def add(layer, row, level):
        table.append(tuple(row[:cells]) + ((_trainable_mark(layer),) if show_trainable else ()))
        if expand_nested and _is_model(layer) and layer.layers:
            prefix = "   " * (level + 1) + "└ "
            inner_rows, _ = layer._summary_rows()
            for inner, inner_row in zip(layer._summary_layers(), inner_rows):
                shape = inner_row[1]
                if shape == "?" and inner in shapes:
                    shape = summary_utils.format_shape(shapes[inner])
                # The nested model's connections are not this model's: Keras shows none.
                add(inner, (prefix + inner_row[0], shape, inner_row[2], "-"), level + 1)

    for layer, row in zip(layers[first:stop], rows[first:stop]):
        add(layer, row, 0)
    return table


def _trainable_mark(layer):
    """A row's "Trainable" cell: "-" for a layer without weights, whose flag means nothing."""
    if not getattr(layer, "weights", None):
        return "-"
    return "Y" if layer.trainable else "N"


def _summary_range(layers, layer_range):
    """[first, stop) of the rows summary(layer_range=...) prints: from the first layer whose name
    the first pattern re.match-es to the last one the second matches (either order), as
    keras/src/utils/summary_utils.py (get_layer_index_bound_by_layer_name) bounds it."""
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2:
        raise ValueError("layer_range must be a list or tuple of length 2. Received: "
                         f"layer_range = {layer_range} of length {len(layer_range)}")
    if not all(isinstance(pattern, str) for pattern in layer_range):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    starts, ends = ([i for i, layer in enumerate(layers) if re.match(pattern, layer.name)] for pattern in layer_range)
    if not starts or not ends:
        raise ValueError(f"Passed layer_names do not match the layer names in the model. Received: {layer_range}")
    if min(starts) > max(ends):  # the end pattern matches first: Keras swaps the bounds
        return min(ends), max(starts) + 1
    return min(starts), max(ends) + 1
