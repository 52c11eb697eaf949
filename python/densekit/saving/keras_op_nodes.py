"""Keras 3 functional models whose graph holds operations on symbolic tensors: ``x + y``,
``x * 2.0``, ``keras.ops.relu(x)``. Keras saves each such call as a node of its own, of the op's
class (``Add``, ``Multiply``, ``Relu``; keras/src/ops/numpy.py and nn.py) in a module
``keras.src.ops.*``, and leaves it out of ``model.layers``. densekit records the same calls as
layers of its graph (layers/operation_layers.py), so a file holding such nodes loads by
replaying its graph: each layer made from its config, each op called through densekit.ops on
the tensors and constants the node names, as Keras's own ``functional_from_config`` does. The
config of the model that replay builds then goes the way of any other file's."""

from densekit.saving.keras_layout import (NESTED_MODEL_CLASSES, KerasFileError, is_keras_tensor, is_op_entry,
                                          op_function, recorded_op_classes)
from densekit.utils import naming, object_serialization


def _entries(config):
    layers = config.get("layers") if isinstance(config, dict) else None
    return [entry for entry in layers if isinstance(entry, dict)] if isinstance(layers, list) else []


def has_op_nodes(config):
    """Whether a model config holds op nodes, in its own graph or a nested model's."""
    return any(is_op_entry(entry) or
               (entry.get("class_name") in NESTED_MODEL_CLASSES and has_op_nodes(entry.get("config")))
               for entry in _entries(config))


def _names(config):
    """The names a model config gives its layers and ops, nested models' included."""
    out = set()
    for entry in _entries(config):
        out.add(_entry_name(entry))
        if entry.get("class_name") in NESTED_MODEL_CLASSES:
            out |= _names(entry.get("config"))
    return out


class _NotYet(Exception):
    """A node names a tensor whose own node is not made yet."""


def _entry_name(entry):
    config = entry.get("config") if isinstance(entry.get("config"), dict) else {}
    return config.get("name", entry.get("name"))


def _resolve(value, made, source):
    """A node's argument with its tensors looked up and Keras's serialized constants decoded
    (keras/src/saving/serialization_lib.py: ``__tuple__``, ``__slice__``, ``__numpy__``,
    ``__ellipsis__``)."""
    if isinstance(value, list):
        return [_resolve(v, made, source) for v in value]
    if not isinstance(value, dict):
        return value
    kind, config = value.get("class_name"), value.get("config")
    if is_keras_tensor(value):
        history = (config or {}).get("keras_history") if isinstance(config, dict) else None
        if not _history_key(history):
            raise KerasFileError(f"{source}: a node's tensor has no keras_history [layer, node, tensor].")
        if tuple(history) not in made:
            raise _NotYet()
        return made[tuple(history)]
    if kind == "__tuple__":  # (which a node may hold tensors in)
        if not isinstance(config, dict) or not isinstance(config.get("value"), list):
            raise KerasFileError(f"{source}: an op's argument '__tuple__' has no list of values.")
        return tuple(_resolve(v, made, source) for v in config["value"])
    if kind in ("__slice__", "__numpy__", "__ellipsis__"):
        try:  # as any object's config holds them
            return object_serialization.deserialize_keras_object(value)
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            raise KerasFileError(f"{source}: an op's argument {kind!r} is malformed ({type(error).__name__}: "
                                 f"{error}).") from None
    if kind is None:
        return {key: _resolve(v, made, source) for key, v in value.items()}
    raise KerasFileError(f"{source}: an op's argument is a serialized {kind!r}, which densekit does not read in a "
                         "model's graph.")


def _history_key(history):
    return (isinstance(history, list) and len(history) == 3 and isinstance(history[0], str) and
            all(isinstance(i, int) and not isinstance(i, bool) for i in history[1:]))


def _structure(spec, made, source, what):
    """The model's inputs or outputs as the config's ``input_layers`` / ``output_layers``
    arrange them: one ``[layer, node, tensor]``, a list of them, or a dict of them."""
    if _history_key(spec):
        key = tuple(spec)
        if key not in made:
            raise KerasFileError(f"{source}: the model's {what} names {spec[0]!r}, which no node of its graph makes.")
        return made[key]
    if isinstance(spec, list):
        return [_structure(s, made, source, what) for s in spec]
    if isinstance(spec, dict):
        return {key: _structure(s, made, source, what) for key, s in spec.items()}
    raise KerasFileError(f"{source}: the model's {what} is not a list of [layer, node, tensor] entries.")


def _call(entry, args, kwargs, source, first_call):
    """The op called on its node's arguments. At its first call (node), the first layer densekit
    records for it takes the op's name, so that a model densekit wrote keeps its names when read
    back; later calls record layers of their own, named past the file's names."""
    function = op_function(entry.get("class_name"))
    if function is None:
        raise KerasFileError(f"{source}: op {_entry_name(entry)!r} ({entry.get('class_name')}) is one densekit.ops "
                             "does not have (docs/ops.md lists those it records in a model's graph).")
    options = {key: value for key, value in entry["config"].items() if key != "name"}
    try:
        with naming.first_layer_named(_entry_name(entry) if first_call else None):
            return function(*args, **options, **kwargs)
    except (TypeError, ValueError, NotImplementedError) as error:
        raise KerasFileError(f"{source}: op {_entry_name(entry)!r} ({entry['class_name']}) cannot be recorded in "
                             f"densekit's graph: {error}") from error


def _layer(entry):
    """The layer a ``layers`` entry describes: a Keras layer, or one of densekit's own records
    of an op Keras has no op node for (module densekit.ops, as densekit writes them)."""
    from densekit import layers
    from densekit.layers import operation_layers

    if entry.get("module") == "densekit.ops" and entry.get("class_name") in recorded_op_classes():
        return getattr(operation_layers, entry["class_name"]).from_config(entry.get("config") or {})
    return layers.deserialize(entry)


def replayed_config(config, source, functional):
    """densekit's config of the functional model the Keras functional ``config`` describes, its
    op nodes recorded as densekit records those ops (fresh weights: the caller fills them). The
    layers those records make are named past the file's own names. ``functional``: the class
    that builds the model (models/functional.py; passed in, as the models import saving)."""
    entries = config["layers"]
    if not all(isinstance(entry, dict) for entry in entries):
        raise KerasFileError(f"{source}: a layer entry of the model config is not a JSON object.")
    seen = set()
    for entry in entries:
        name = _entry_name(entry)
        if not isinstance(name, str) or not isinstance(entry.get("class_name"), str):
            raise KerasFileError(f"{source}: an entry of the model config has no name or class_name.")
        if name in seen:
            raise KerasFileError(f"{source}: the name {name!r} is given to two entries of the model config; each "
                                 "layer and op of a model has a name of its own.")
        seen.add(name)
        if not isinstance(entry.get("config"), dict) or not isinstance(entry.get("inbound_nodes", []), list):
            raise KerasFileError(f"{source}: {name!r} ({entry['class_name']}) has no config object or no list of "
                                 "inbound nodes.")
    with naming.avoiding(_names(config)):
        return _replay(entries, config, source, functional)


def _replay(entries, config, source, functional):
    from densekit import layers

    made, objects, done = {}, {}, [0] * len(entries)
    progress = True
    while progress:  # in the entries' order, a node once the tensors it reads are made
        progress = False
        for i, entry in enumerate(entries):
            name, nodes = _entry_name(entry), entry.get("inbound_nodes") or []
            if entry.get("class_name") == "InputLayer":
                if not done[i]:
                    made[(name, 0, 0)] = layers.deserialize(entry).output
                    done[i], progress = 1, True
                continue
            while done[i] < len(nodes):
                node = nodes[done[i]]
                if not (isinstance(node, dict) and isinstance(node.get("args") or [], list) and
                        isinstance(node.get("kwargs") or {}, dict)):
                    raise KerasFileError(f"{source}: node {done[i]} of {name!r} is not a Keras 3 node (a list of args "
                                         "and a dict of kwargs).")
                try:
                    args = _resolve(node.get("args") or [], made, source)
                    kwargs = _resolve(node.get("kwargs") or {}, made, source)
                except _NotYet:
                    break
                if is_op_entry(entry):
                    outputs = _call(entry, args, kwargs, source, first_call=done[i] == 0)
                else:
                    if i not in objects:
                        objects[i] = _layer(entry)
                    outputs = objects[i](*args, **kwargs)
                for t, tensor in enumerate(outputs if isinstance(outputs, (list, tuple)) else [outputs]):
                    made[(name, done[i], t)] = tensor
                done[i] += 1
                progress = True
    stuck = [_entry_name(e) for i, e in enumerate(entries)
             if done[i] < len(e.get("inbound_nodes") or []) and e.get("class_name") != "InputLayer"]
    if stuck:
        raise KerasFileError(f"{source}: the model's graph names tensors no node makes (at {', '.join(stuck)}).")
    inputs = _structure(config.get("input_layers"), made, source, "inputs")
    outputs = _structure(config.get("output_layers"), made, source, "outputs")
    model = functional(inputs, outputs, name=config.get("name"))
    if config.get("trainable") is False:
        model.trainable = False
    return model.get_config()


# --- writing: densekit's records as Keras's op nodes ----------------------------------------------
# The records Keras has an op for, by densekit's op name: the Keras op's module and class
# (keras/src/ops/numpy.py unless named), and how its node's arguments come from the record's
# input ``x`` and number ``value``. Ops Keras computes in booleans (isnan, the comparisons),
# densekit's own (not_zero, stop_gradient), and hypot with a number (Keras's own hypot refuses a
# number) are left as densekit.ops records.
_NUMPY, _MATH = "keras.src.ops.numpy", "keras.src.ops.math"
_UNARY = {name: (_NUMPY, name.capitalize()) for name in (
    "sign", "sqrt", "cbrt", "square", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos",
    "tan", "tanh", "sinh", "cosh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "reciprocal",
    "floor", "ceil", "trunc", "round")}
_UNARY.update(abs=(_NUMPY, "Absolute"), rsqrt=(_MATH, "Rsqrt"), erf=(_MATH, "Erf"))
_WITH_NUMBER = {  # op -> (class, the number first)
    "power": ("Power", False), "rpower": ("Power", True), "rdivide": ("TrueDivide", True),
    "maximum": ("Maximum", False), "minimum": ("Minimum", False), "mod": ("Mod", False), "rmod": ("Mod", True),
    "floor_divide": ("FloorDivide", False), "rfloor_divide": ("FloorDivide", True),
    "arctan2": ("Arctan2", False), "rarctan2": ("Arctan2", True), "logaddexp": ("Logaddexp", False)}
_BINARY = {"divide": "TrueDivide", "power": "Power", "mod": "Mod", "floor_divide": "FloorDivide",
           "arctan2": "Arctan2", "hypot": "Hypot", "logaddexp": "Logaddexp"}
_REDUCE = {name: (_NUMPY, name.capitalize()) for name in ("sum", "mean", "max", "min", "prod", "var", "std")}
_REDUCE["logsumexp"] = (_MATH, "Logsumexp")


def _slice(start, stop, step):
    return {"class_name": "__slice__", "config": {"start": start, "stop": stop, "step": step}}


def _keras_op(class_name, config, op):
    """(module, class, options, arguments before the inputs, arguments after them) of the Keras
    op for a densekit record of class ``class_name``, or None."""
    value = config.get("value")
    if class_name == "ElementwiseOp":
        if op in _UNARY:
            return _UNARY[op] + ({}, [], [])
        if op in _WITH_NUMBER:
            keras_class, number_first = _WITH_NUMBER[op]
            return (_NUMPY, keras_class, {}) + (([value], []) if number_first else ([], [value]))
        if op == "clip":
            return _NUMPY, "Clip", {"x_min": config.get("x_min"), "x_max": config.get("x_max")}, [], []
    elif class_name == "BinaryOp" and op in _BINARY:
        return _NUMPY, _BINARY[op], {}, [], []
    elif class_name == "Reduce" and op in _REDUCE and config.get("axis") is not None:
        return _REDUCE[op] + ({"axis": config["axis"], "keepdims": bool(config.get("keepdims"))}, [], [])
    elif class_name == "IndexMapOp" and op == "transpose":
        return _NUMPY, "Transpose", {"axes": config.get("axes")}, [], []
    elif class_name == "IndexMapOp" and op == "take":
        return _NUMPY, "Take", {"axis": config.get("axis")}, [], [config.get("indices")]
    elif class_name == "IndexMapOp" and op == "get_item":
        key = [_slice(None, None, None)] + [k if isinstance(k, int) else _slice(*k) for k in config.get("key") or []]
        return _NUMPY, "GetItem", {}, [], [key]
    return None


def as_keras_op_nodes(config):
    """A densekit functional ``config`` with its records of ops Keras has (``exp``, ``x ** 2``,
    ``ops.mean``, ``x[:, 1:3]``) written as Keras writes those ops' nodes, so Keras's
    load_model rebuilds them; densekit reads them back through replayed_config."""
    layers = []
    for entry in config.get("layers", []):
        record = entry.get("config") or {}
        mapped = (_keras_op(entry.get("class_name"), record, record.get("op"))
                  if entry.get("module") == "densekit.ops" else None)
        if mapped is None:
            layers.append(entry)
            continue
        module, class_name, options, before, after = mapped
        binary = entry["class_name"] == "BinaryOp"  # its node's one argument is the list of both tensors
        nodes = [{"args": before + list(node["args"][0] if binary else node["args"][:1]) + after, "kwargs": {}}
                 for node in entry.get("inbound_nodes") or []]
        layers.append({"module": module, "class_name": class_name, "config": {"name": record["name"], **options},
                       "registered_name": class_name, "name": record["name"], "inbound_nodes": nodes})
    return dict(config, layers=layers)
