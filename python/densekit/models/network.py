"""Network: the graph of layer calls between Inputs and outputs (keras/src/ops/function.py's
``Function``). It arranges what the symbolic calls recorded (Keras's ``map_graph``: the nodes a
model's outputs depend on, ordered by depth, the layers in Keras's order, the checks for
disconnected graphs and duplicate names) and turns it into a C++ graph. Functional models hold
one (models/functional.py), and so do subclassed models, traced into one (models/tracing.py).
"""

import collections
import heapq

from densekit import _core
from densekit.layers import batch_loss
from densekit.layers.input_layer import InputLayer
from densekit.layers.keras_tensor import KerasTensor
from densekit.layers.node import keeping_mode


def _describe(tensor):
    layer = tensor._keras_history.operation
    return f"'{tensor.name}' (the output of layer '{layer.name}' ({type(layer).__name__}))" if layer else repr(tensor)


def flatten_structure(value, what):
    """(kind, dict keys or None, flat list) for a tensor, a list/tuple or a flat dict. Dicts are
    flattened in sorted key order, as Keras does."""
    if isinstance(value, dict):
        keys = sorted(value)
        flat, kind = [value[k] for k in keys], "dict"
    elif isinstance(value, (list, tuple)):
        keys, flat, kind = None, list(value), "list"
    else:
        keys, flat, kind = None, [value], "tensor"
    if not flat:
        raise ValueError(f"`{what}` is empty: a model needs at least one input and one output.")
    for x in flat:
        if isinstance(x, batch_loss.BatchLoss):  # ops.sum(x) with no axis: one value for the whole batch
            raise ValueError(f"A model's `{what}` cannot be a value reduced over the whole batch. {batch_loss.HELP}")
        if not isinstance(x, KerasTensor):
            raise ValueError(f"All `{what}` values must be KerasTensors (from densekit.Input() and layer calls). "
                             f"Received: {what}={value!r} including invalid value {x!r} of type {type(x)}")
    return kind, keys, flat


def pack_structure(kind, keys, flat, sequence=list):
    """``flat`` in the structure flatten_structure took apart; ``sequence``: the list, tuple or
    namedtuple type a list-like structure was given as (Keras gives outputs back in it)."""
    if kind == "dict":
        return dict(zip(keys, flat))
    if kind == "list":
        return sequence(*flat) if hasattr(sequence, "_fields") else sequence(flat)
    return flat[0]


def sequence_type(value):
    """The type a list-like structure of tensors was given as: list, tuple or a namedtuple."""
    return type(value) if isinstance(value, tuple) else list


def _leaf_layers(model):
    """A model's layers, those of the models inside it in their place (a Sequential lists a
    nested model as one of its layers; a functional model already lists its leaves)."""
    return [leaf for layer in model.layers
            for leaf in (_leaf_layers(layer) if hasattr(layer, "_sequential") else [layer])]


class Network:
    """The nodes between ``inputs`` and ``outputs``, ordered as Keras orders them."""

    def __init__(self, inputs, outputs):
        self.input_kind, self.input_keys, self.inputs = flatten_structure(inputs, "inputs")
        self.output_kind, self.output_keys, self.outputs = flatten_structure(outputs, "outputs")
        self.input_sequence, self.output_sequence = sequence_type(inputs), sequence_type(outputs)
        self.input_keys_as_given = list(inputs) if isinstance(inputs, dict) else None
        for t in self.inputs:
            layer = t._keras_history.operation
            if not isinstance(layer, InputLayer):
                raise ValueError(f"A model input must be a tensor returned by densekit.Input(); {_describe(t)} is not. "
                                 "Start the model at its Input tensors.")
        if len({id(t) for t in self.inputs}) != len(self.inputs):
            raise ValueError("The same Input tensor appears twice in the model's `inputs`.")
        input_ids = {id(t) for t in self.inputs}
        for k, t in enumerate(self.outputs):
            if id(t) in input_ids:
                raise ValueError(f"Output {k} of the model is its input {_describe(t)} itself (an op or Lambda that "
                                 "changes nothing returns its input): densekit needs at least one layer between an "
                                 "input and an output. Pass the output through keras.layers.Identity().")
        self._map_graph()

    def _map_graph(self):
        # Depth-first from the outputs (Keras's _build_map): nodes from inputs to outputs, and the
        # order in which each layer is first seen.
        input_ids = {id(t) for t in self.inputs}
        finished, ordered, first_seen = set(), [], {}

        # An explicit stack, not recursion: a chain of thousands of layers must not exhaust Python's
        # recursion limit. Each tensor is entered (children pushed in reverse, so the first input's
        # subtree finishes first, as recursion would) and then left.
        stack = [(t, None, False) for t in reversed(self.outputs)]
        while stack:
            tensor, consumer, leaving = stack.pop()
            node = tensor._node
            if id(node) in finished:
                continue
            if leaving:
                finished.add(id(node))
                ordered.append(node)
                continue
            first_seen.setdefault(node.layer, len(first_seen))
            # Loss terms a traced call added on this tensor (add_loss): part of the model though
            # no output depends on them.
            stack.extend((t, None, False) for t in reversed(tensor.__dict__.get("_added_losses", ())))
            if node.is_input and id(tensor) not in input_ids:
                needed_by = f"layer '{consumer.layer.name}'" if consumer else "the model's outputs"
                raise ValueError(
                    f"Graph disconnected: {needed_by} needs Input '{node.layer.name}' (tensor '{tensor.name}'), which is "
                    f"not among the model's inputs {[t.name for t in self.inputs]}. An output must depend only on the "
                    "inputs passed to densekit.Model(inputs, outputs): add that Input to `inputs`.")
            stack.append((tensor, consumer, True))
            if not node.is_input:
                stack.extend((t, node, False) for t in reversed(node.inputs))

        node_depth, layer_depth = {}, {}
        for node in reversed(ordered):
            depth = max(node_depth.setdefault(node, 0), layer_depth.get(node.layer, 0))
            layer_depth[node.layer] = depth
            node_depth[node] = depth
            for parent in node.parent_nodes:
                node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
        for t in self.inputs:  # inputs no output depends on still belong to the model
            if t._node.layer not in layer_depth:
                layer_depth[t._node.layer] = 0
                first_seen[t._node.layer] = -1
                node_depth[t._node] = 0

        by_depth = collections.defaultdict(list)
        for node, depth in node_depth.items():
            by_depth[depth].append(node)
        # Within a depth, nodes in the order their layers are listed: the C++ graph, and so a
        # saved file's layers and weights, are then in the model's own order, which a model
        # rebuilt from the file keeps.
        self.nodes_by_depth = {d: sorted(by_depth[d], key=lambda n: first_seen[n.layer])
                               for d in sorted(by_depth, reverse=True)}
        self.nodes = [n for d in self.nodes_by_depth for n in self.nodes_by_depth[d]]
        layers_by_depth = collections.defaultdict(list)
        for layer, depth in layer_depth.items():
            layers_by_depth[depth].append(layer)
        self.layers = [layer for d in sorted(layers_by_depth, reverse=True)
                       for layer in sorted(layers_by_depth[d], key=lambda x: first_seen[x])]
        self._keep_nested_models_together()

        uses = collections.Counter(layer.name for layer in self.layers)
        for name, count in uses.items():
            if count > 1:
                raise ValueError(f'The name "{name}" is used {count} times in the model. All layer names '
                                 "should be unique: pass distinct `name=` arguments.")
        self._count_calls()

    def _count_calls(self):
        """Each node's index among its layer's calls in this model, as the config and summary count."""
        calls = collections.Counter()
        self.node_index = {}
        for node in self.nodes:
            self.node_index[node] = calls[node.layer]
            calls[node.layer] += 1
        self.calls = calls

    def _keep_nested_models_together(self):
        """A model called inside this one lists its layers, and so their weights, together and
        in its own order, as Keras lists the nested model's weights: by depth alone, two heads
        of a nested model could swap (get_weights, set_weights and files go by this order)."""
        group_of = {}  # layer -> the outermost model whose call made it (a model called twice: one group)
        for node in self.nodes:
            if node.model_calls:
                group_of.setdefault(node.layer, node.model_calls[0].model)
        if not group_of:
            return
        ordered, placed = [], set()
        for layer in self.layers:
            model = group_of.get(layer)
            if model is None:
                ordered.append(layer)
            elif id(model) not in placed:
                placed.add(id(model))
                own = {id(m): k for k, m in enumerate(_leaf_layers(model))}
                ordered += sorted((m for m in self.layers if group_of.get(m) is model),
                                  key=lambda m: own.get(id(m), len(own)))
        self.follow_layer_order(ordered)

    def follow_layer_order(self, ordered):
        """Lists the layers in the order ``ordered`` (the same layers), and the nodes in an order
        that follows it wherever their inputs allow: the C++ graph, and so the weights, take it.
        A model rebuilt from a file or a config keeps the order the file lists its layers in."""
        if ordered == self.layers:
            return
        self.layers = list(ordered)
        rank = {layer: k for k, layer in enumerate(ordered)}
        position = {node: k for k, node in enumerate(self.nodes)}
        waiting = {node: 0 if node.is_input else len(node.parent_nodes) for node in self.nodes}
        children = collections.defaultdict(list)
        for node in self.nodes:
            for parent in [] if node.is_input else node.parent_nodes:
                children[parent].append(node)
        ready = [(rank[n.layer], position[n], n) for n in self.nodes if waiting[n] == 0]
        heapq.heapify(ready)
        nodes = []
        while ready:
            *_, node = heapq.heappop(ready)
            nodes.append(node)
            for child in children[node]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    heapq.heappush(ready, (rank[child.layer], position[child], child))
        self.nodes = nodes
        self._count_calls()

    @property
    def is_chain(self):
        """Keras's "sequential-like" test: one node per depth, each with at most one input, no
        layer called twice."""
        for nodes in self.nodes_by_depth.values():
            if len(nodes) > 1 or (len(nodes) == 1 and len(nodes[0].inputs) > 1):
                return False
        return all(count == 1 for count in self.calls.values())

    def make_graph(self):
        """The C++ graph of these nodes (not finalized)."""
        graph = _core.Graph()
        ids = {}
        for node in self.nodes:
            if node.is_input:
                ids[id(node.output)] = graph.add_input(list(node.output.shape[1:]), node.layer.name, node.layer.dtype)
            else:
                inputs = [ids[id(t)] for t in node.inputs]
                ids[id(node.output)] = graph.add_layer(node.layer._core, inputs, node.training, node.training_fixed)
        graph.set_input_order([ids[id(t)] for t in self.inputs])
        graph.set_outputs([ids[id(t)] for t in self.outputs])
        return graph

    def replay(self, inputs, training=None):
        """Calls the network's layers on other symbolic tensors (a model used as a layer)."""
        flat = self.match_inputs(inputs)
        tensors = {id(t): x for t, x in zip(self.inputs, flat)}
        for node in self.nodes:
            if node.is_input:
                continue
            args = [tensors[id(t)] for t in node.inputs]
            # Keras 3 calls the nested model's layers in the mode it is called in, when it is
            # called in one; a layer's own flag is a default (unless fixed: Node.training_fixed).
            mode = node.training if node.training_fixed or training is None else training
            with keeping_mode(node.training_fixed):
                tensors[id(node.output)] = node.layer(args[0] if node.single else args, training=mode)
        # The loss terms its layers' add_loss calls tied to tensors go with the new tensors, so the
        # model that calls this one reaches them (they were dropped there; a subclassed model's
        # own add_loss is tied to its call's tensors by Model._call_symbolic instead).
        for original in list(self.inputs) + [node.output for node in self.nodes]:
            replayed = tensors.get(id(original))
            for loss in original.__dict__.get("_added_losses", ()):
                added = replayed.__dict__.setdefault("_added_losses", [])
                if id(loss) in tensors and all(a is not tensors[id(loss)] for a in added):
                    added.append(tensors[id(loss)])
        return self.pack_outputs([tensors[id(t)] for t in self.outputs])

    def pack_outputs(self, flat):
        """One value per output, in the structure the outputs were given in."""
        return pack_structure(self.output_kind, self.output_keys, flat, self.output_sequence)

    def match_inputs(self, inputs):
        """The tensors of a call's ``inputs``, one for each of the network's inputs, in their order."""
        kind, keys, flat = flatten_structure(inputs, "inputs")
        if kind == "dict" and self.input_kind != "dict":
            names = [t.name for t in self.inputs]
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(f"The model expects inputs named {names}; the dict passed lacks {missing}.")
            flat = [inputs[n] for n in names]
        if len(flat) != len(self.inputs):
            raise ValueError(f"The model expects {len(self.inputs)} input tensor(s), but was called on {len(flat)}.")
        return flat
