"""Nested models in a Keras config, inlined: a Sequential or functional model used as a layer is
replaced by its own layers, wired to the tensors it was called on. densekit's graph is flat
(a model called inside another contributes its layers, as ``densekit.Model(inputs, outputs)``
does when a model is called on a tensor), so this is how a Keras model with nested models
becomes one densekit can build; the computation is the same.

Keras config shapes (keras/src/models/functional.py, ``functional_from_config``): a layer's
``inbound_nodes`` is a list of calls ``{"args": [...], "kwargs": {...}}`` whose tensors are
``{"class_name": "__keras_tensor__", "config": {"keras_history": [layer, node, index]}}``;
``[layer, node, index]`` is output ``index`` of that layer's call number ``node``. A nested
model's call outputs are its ``output_layers``.
"""

import copy

from densekit.saving.keras_layout import KerasFileError, is_keras_tensor

NESTED = ("Sequential", "Functional", "Model")


class NestedModelError(KerasFileError):
    """A nested model densekit cannot inline."""


def _map_tensors(value, change):
    """``value`` (a node's args or kwargs) with every Keras tensor's history passed through ``change``."""
    if is_keras_tensor(value):
        out = copy.deepcopy(value)
        out["config"]["keras_history"] = list(change(tuple(value["config"]["keras_history"])))
        return out
    if isinstance(value, list):
        return [_map_tensors(v, change) for v in value]
    if isinstance(value, dict):
        return {k: _map_tensors(v, change) for k, v in value.items()}
    return value


def _tensors(value):
    """The histories of the Keras tensors in a call's args, in order."""
    if is_keras_tensor(value):
        return [tuple(value["config"]["keras_history"])]
    if isinstance(value, list):
        return [t for v in value for t in _tensors(v)]
    return []


def _triples(value):
    """``input_layers`` / ``output_layers``: one ``[name, node, index]`` or a list of them."""
    if isinstance(value, list) and value and isinstance(value[0], str):
        return [tuple(value)]
    return [tuple(v) for v in value or []]


def _as_graph(serialized, source):
    """(layer entries without InputLayers, input names, output histories) of a model config."""
    config, kind = serialized["config"], serialized["class_name"]
    entries = config["layers"]
    if kind == "Sequential":
        inputs = [e["config"]["name"] for e in entries if e["class_name"] == "InputLayer"] or ["__sequential_input__"]
        previous, layers = (inputs[0], 0, 0), []
        for entry in (e for e in entries if e["class_name"] != "InputLayer"):
            entry = dict(entry)
            name = entry["config"]["name"]
            entry["inbound_nodes"] = [{"args": [{"class_name": "__keras_tensor__",
                                                 "config": {"keras_history": list(previous)}}], "kwargs": {}}]
            layers.append(entry)
            previous = (name, 0, 0)
        # The last layer may be a model of several outputs: the Sequential's outputs are all of them.
        last = layers[-1] if layers else {}
        count = len(_triples(last["config"].get("output_layers"))) if last.get("class_name") in NESTED and \
            last.get("class_name") != "Sequential" else 1
        return layers, inputs[:1], [(previous[0], 0, i) for i in range(count)] if count > 1 else [previous]
    layers = [e for e in entries if e["class_name"] != "InputLayer"]
    inputs = [t[0] for t in _triples(config.get("input_layers"))]
    if isinstance(config.get("input_layers"), dict) or isinstance(config.get("output_layers"), dict):
        raise NestedModelError(f"{source}: nested model '{config.get('name')}' takes or returns a dict; densekit "
                               "inlines nested models with tensor or list inputs and outputs.")
    return layers, inputs, _triples(config.get("output_layers"))


def _name(entry):
    return entry["config"].get("name", entry.get("name"))


def inline(serialized, source):
    """(serialized model without nested models, {nested model name: [its layers' names, in
    order]}). ``serialized`` is returned as it is when it has no nested model. A Sequential
    model holding a functional one (at any depth of Sequentials) becomes a functional model:
    a Sequential is a chain, and the functional model's layers need not be one."""
    entries = serialized["config"]["layers"]
    if not any(e.get("class_name") in NESTED for e in entries):
        return serialized, {}
    if serialized["class_name"] != "Sequential":
        return _inline_into_functional(serialized, source)
    if _holds_functional(serialized):
        return _inline_into_functional(_as_functional(serialized, source), source)
    return _inline_into_sequential(serialized, source)


def _holds_functional(serialized):
    """Whether a Sequential holds a functional model, directly or in a Sequential it holds."""
    return any(e.get("class_name") in NESTED and (e["class_name"] != "Sequential" or _holds_functional(e))
               for e in serialized["config"]["layers"])


def _as_functional(serialized, source):
    """A Sequential config as the functional config of the same chain: its InputLayer, then each
    layer called on the previous one's output (as Keras's Sequential builds its graph,
    keras/src/models/sequential.py ``build``). The model keeps its name; Keras's summary of the
    Sequential lists no InputLayer, densekit's of the functional model does."""
    config = serialized["config"]
    inputs = [e for e in config["layers"] if e["class_name"] == "InputLayer"]
    if len(inputs) != 1:
        raise NestedModelError(f"{source}: Sequential model '{config.get('name')}' holds a functional model but "
                               "has no InputLayer, so densekit does not know the shape it takes. In Keras, start "
                               "it with keras.Input(shape=...) and save it again.")
    layers, _, outputs = _as_graph(serialized, source)
    name = _name(inputs[0])
    first = dict(inputs[0], name=name, inbound_nodes=[])
    flat = {**config, "layers": [first] + layers, "input_layers": [[name, 0, 0]],
            "output_layers": [list(output) for output in outputs]}
    flat.pop("build_input_shape", None)
    return {**serialized, "module": "keras.src.models.functional", "class_name": "Functional", "config": flat}


def _inline_into_sequential(serialized, source):
    layers, groups = [], {}
    for entry in serialized["config"]["layers"]:
        if entry["class_name"] == "Sequential":
            inner, inner_groups = inline({"class_name": "Sequential", "config": entry["config"]}, source)
            inner_layers = [e for e in inner["config"]["layers"] if e["class_name"] != "InputLayer"]
            groups.update(inner_groups)
            groups[_name(entry)] = _leaves(inner_layers, inner_groups)
            layers += inner_layers
        else:
            layers.append(entry)
    out = copy.deepcopy(serialized)
    out["config"]["layers"] = layers
    _check_unique(layers, source)
    return out, groups


def _no_value(value):
    """None, or a structure of Nones: Keras writes a multi-input call's absent masks as
    ``{"mask": [None, None]}``."""
    if isinstance(value, (list, tuple)):
        return all(_no_value(v) for v in value)
    if isinstance(value, dict):
        return all(_no_value(v) for v in value.values())
    return value is None


def _leaves(layers, groups):
    return [n for e in layers for n in groups.get(_name(e), [_name(e)])]


def _inline_into_functional(serialized, source):
    out_layers, groups, outputs_of = [], {}, {}  # outputs_of: (nested name, call) -> its output histories
    functional = set()  # the nested functional models' names

    def resolve(history):
        key = (history[0], history[1])
        return outputs_of[key][history[2]] if key in outputs_of else history

    for entry in serialized["config"]["layers"]:
        if entry["class_name"] not in NESTED:
            entry = dict(entry)
            entry["inbound_nodes"] = [_map_tensors(node, resolve) for node in entry.get("inbound_nodes", [])]
            out_layers.append(entry)
            continue
        name = _name(entry)
        if entry["class_name"] == "Functional":
            functional.add(name)
        inner, inner_groups = inline({"class_name": entry["class_name"], "config": entry["config"]}, source)
        layers, inputs, outputs = _as_graph(inner, source)
        groups.update(inner_groups)
        groups[name] = _leaves(layers, inner_groups)
        calls = entry.get("inbound_nodes", [])
        copies = [dict(layer, inbound_nodes=[]) for layer in layers]
        node_counts = {_name(layer): len(layer.get("inbound_nodes", [])) for layer in layers}
        for call_index, call in enumerate(calls):
            if any(not _no_value(v) for k, v in (call.get("kwargs") or {}).items() if k != "training"):
                raise NestedModelError(f"{source}: nested model '{name}' is called with {call.get('kwargs')}; densekit "
                                       "inlines calls on tensors only (and `training`).")
            arguments = [resolve(t) for t in _tensors(call.get("args", []))]
            if len(arguments) != len(inputs):
                raise NestedModelError(f"{source}: nested model '{name}' has {len(inputs)} inputs but is called on "
                                       f"{len(arguments)} tensors.")
            bound = dict(zip(inputs, arguments))

            def rewire(history, call_index=call_index, bound=bound):
                if history[0] in bound:
                    return bound[history[0]]
                return (history[0], call_index * node_counts[history[0]] + history[1], history[2])

            for layer, target in zip(layers, copies):
                target["inbound_nodes"] += [_map_tensors(node, rewire) for node in layer.get("inbound_nodes", [])]
            outputs_of[(name, call_index)] = [rewire(t) for t in outputs]
        out_layers += copies
    out = copy.deepcopy(serialized)
    out["config"]["layers"] = out_layers
    config = out["config"]
    def resolve_model_tensor(triple):
        # Keras counts a functional model's calls from 1 here (its own built-in node is 0), as
        # functional_from_config's get_tensor undoes; inbound nodes count them from 0.
        name, node, index = triple
        return list(resolve((name, node - 1 if name in functional and node > 0 else node, index)))

    for key in ("input_layers", "output_layers"):
        value = config.get(key)
        if isinstance(value, list) and value and isinstance(value[0], str):
            config[key] = resolve_model_tensor(value)
        elif isinstance(value, list):
            config[key] = [resolve_model_tensor(v) for v in value]
        elif isinstance(value, dict):
            config[key] = {k: resolve_model_tensor(v) for k, v in value.items()}
    _check_unique(out_layers, source)
    return out, groups


def _check_unique(layers, source):
    seen = set()
    for entry in layers:
        name = _name(entry)
        if name in seen:
            raise NestedModelError(f"{source}: two layers are named '{name}' once the nested models are inlined; "
                                   "densekit needs unique layer names. Rename one in Keras.")
        seen.add(name)
