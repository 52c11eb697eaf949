"""What densekit knows of Keras's file layouts, shared by the reader and the writer: the h5py
import, the layer classes densekit can load, the Keras versions it reads, and where a layer's
variables live in a Keras 3 weights file.

Keras 3 stores a model's variables by *attribute path* (keras/src/saving/saving_lib.py,
``_save_state`` / ``_save_container_state``): the model's ``layers`` list becomes
``layers/<snake_case class name>`` with ``_1``, ``_2``, ... for repeats of a class, in the
list's order, each holding ``vars/0``, ``vars/1``, ... (the layer's trainable then
non-trainable variables). A Sequential's list leaves out its InputLayer; a functional model's
keeps its InputLayers. The ``vars`` group carries the layer's name as an attribute.
"""

from densekit import _core

# The Keras versions whose file layouts this reader follows: Keras 3 (``.keras`` archives and
# its legacy-``.h5`` writer) and tf.keras 2.x (legacy ``.h5``).
KNOWN_KERAS_MAJOR = 3

NESTED_MODEL_CLASSES = ("Sequential", "Functional", "Model")
_NOT_LAYERS = ("Input", "Layer", "KerasTensor", "Lambda")  # densekit.layers names a Keras file cannot load (a Lambda holds Python code)


class KerasFileError(ValueError):
    """A Keras file densekit does not load: unsupported content, or damaged (the message says which)."""


def import_h5py():
    """h5py, which Keras files need (and densekit's own format does not)."""
    try:
        import h5py
    except ImportError as error:
        raise ImportError("Reading or writing Keras files (.keras, .h5, .weights.h5) needs h5py: "
                          "pip install 'densekit[keras]' (or pip install h5py).") from error
    return h5py


def supported_layer_classes():
    from densekit import layers  # lazily: only the Keras readers need the list

    return sorted(name for name in layers.__all__ if name[0].isupper() and name not in _NOT_LAYERS)


def recorded_op_classes():
    """The layer classes densekit.ops records (layers/operation_layers.py)."""
    from densekit.layers import operation_layers

    return {name for name, cls in vars(operation_layers).items()
            if isinstance(cls, type) and issubclass(cls, operation_layers._OpLayer) and cls is not operation_layers._OpLayer}


def is_keras_tensor(value):
    """Whether a value in a node's arguments is a Keras tensor (``__keras_tensor__``)."""
    return isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"


def is_op_entry(entry):
    """Whether a ``layers`` entry of a Keras functional config is the node of an op called on
    symbolic tensors (``x + y``, ``keras.ops.relu(x)``: module ``keras.src.ops.*``), which Keras
    leaves out of ``model.layers`` (saving/keras_op_nodes.py replays them)."""
    return isinstance(entry, dict) and str(entry.get("module") or "").startswith("keras.src.ops.")


def op_function(class_name):
    """The densekit.ops function that records the Keras op ``class_name`` (``TrueDivide`` ->
    ``true_divide``), or None."""
    from densekit import ops

    name = _core.to_snake_case(str(class_name))
    function = getattr(ops, name, None) if not name.startswith("_") else None
    return function if callable(function) else None


def check_keras_version(version, source):
    """Refuses a file written by a Keras newer than the layouts densekit reads."""
    if version is None:
        return
    text = version.decode() if isinstance(version, bytes) else str(version)
    major = text.split(".")[0]
    if not major.isdigit():
        raise KerasFileError(f"{source}: unreadable Keras version {text!r} in the file.")
    if int(major) > KNOWN_KERAS_MAJOR:
        raise KerasFileError(f"{source} was written by Keras {text}; densekit reads files of Keras "
                             f"{KNOWN_KERAS_MAJOR}.x and tf.keras 2.x. Save it from that Keras version, or upgrade "
                             "densekit.")


def _describe(entry):
    config = entry.get("config") if isinstance(entry.get("config"), dict) else {}
    return f"'{config.get('name', entry.get('name', '?'))}' ({entry.get('class_name')})"


def check_supported(serialized, source):
    """Refuses, naming the layer, a model densekit cannot represent: an unknown or custom layer
    class (in nested models too), a subclassed model. Checked before anything is built, so a
    refused file never yields a partly loaded model."""
    if not isinstance(serialized, dict) or not isinstance(serialized.get("config"), dict):
        raise KerasFileError(f"{source}: the model config is not a Keras serialized model (a JSON object with "
                             "'class_name' and 'config').")
    model_class = serialized.get("class_name")
    if model_class not in NESTED_MODEL_CLASSES:
        raise KerasFileError(f"{source} holds a model of class '{model_class}' (a subclassed or custom model): "
                             "Keras needs its Python class to rebuild it, and so would densekit. densekit loads "
                             "Sequential and functional models.")
    _check_layers(serialized["config"], source, supported_layer_classes(), ops_allowed=model_class != "Sequential")


def _dtype_name(value):
    """The dtype a layer config names: a string, or a dtype policy's name (Keras 3's
    ``DTypePolicy``, tf.keras 2.x's ``Policy``)."""
    if isinstance(value, dict):
        return (value.get("config") or {}).get("name")
    return value


def _check_layers(config, source, supported, ops_allowed=False):
    entries = config.get("layers")
    if not isinstance(entries, list):
        raise KerasFileError(f"{source}: the model config has no 'layers' list.")
    for entry in entries:
        if not isinstance(entry, dict):
            raise KerasFileError(f"{source}: a layer entry of the model config is not a JSON object.")
        if is_op_entry(entry):
            if op_function(entry.get("class_name")) is None:
                raise KerasFileError(f"{source}: op {_describe(entry)} is one densekit.ops does not have (docs/ops.md "
                                     "lists those it records in a model's graph).")
            if not ops_allowed:
                raise KerasFileError(f"{source}: op {_describe(entry)} is in a Sequential model, whose config has no "
                                     "nodes to call it on.")
            continue
        _check_called_as_a_layer(entry, source)
        class_name = entry.get("class_name")
        module = entry.get("module") or "keras"
        registered = entry.get("registered_name")
        # densekit's recorded ops (module densekit.ops): densekit wrote this file from a model with
        # custom computations; Keras itself cannot load them, densekit can.
        own_op = module == "densekit.ops" and class_name in recorded_op_classes()
        custom = not (str(module).startswith("keras") or own_op) or registered not in (None, class_name)
        if class_name in NESTED_MODEL_CLASSES and not custom and isinstance(entry.get("config"), dict):
            _check_layers(entry["config"], source, supported,  # a nested model: inlined later
                          ops_allowed=class_name != "Sequential")
        elif (class_name not in supported and not own_op) or custom:
            what = "a custom layer" if custom else "a layer class densekit does not have"
            raise KerasFileError(f"{source}: layer {_describe(entry)} is {what}. densekit loads these Keras layers: "
                                 f"{', '.join(supported)}, and Sequential and functional models of them.")
        dtype = _dtype_name((entry.get("config") or {}).get("dtype"))
        if dtype not in (None, "float32") and not (class_name == "InputLayer" and _core.is_whole_number_dtype(dtype)):
            raise KerasFileError(f"{source}: layer {_describe(entry)} computes in {dtype}; densekit computes in float32 "
                                 "only. In Keras, set the layer's (or the global) dtype policy to float32 and save again.")


def _tensors(arg):
    """Whether a call's argument is a tensor, or a list or dict of tensors."""
    if is_keras_tensor(arg):
        return True
    items = arg.values() if isinstance(arg, dict) else arg if isinstance(arg, list) else [arg]
    return all(map(is_keras_tensor, items))


def _check_called_as_a_layer(entry, source):
    """Refuses an entry whose calls are not a layer's: a layer takes one argument, a tensor or a
    list or dict of them. An op's node with its module left out (Keras 3's legacy .h5 writer drops it:
    ``x * 2.0`` comes as a "Multiply" of a tensor and 2.0) would otherwise be read as the merge
    layer of that name, without its constant."""
    for node in entry.get("inbound_nodes") or []:
        args = node.get("args") if isinstance(node, dict) else None
        if not isinstance(args, list):
            continue  # tf.keras 2.x's list form, or malformed: read and checked later
        # Two arguments, or one constant. (A call by keyword, `layer(inputs=x)`, has none: the
        # layer reader says what it lacks.)
        if len(args) > 1 or (args and not _tensors(args[0])):
            raise KerasFileError(f"{source}: layer {_describe(entry)} is called as an op is, not as a layer (on "
                                 "arguments other than one tensor, list or dict of tensors): an op's node whose "
                                 "module is missing, as Keras 3's legacy .h5 writer saves them, which Keras cannot "
                                 "load back either. Save the model as a .keras archive.")


def store_paths(model_class, entries, prefix=""):
    """(layer name, h5 group path) of every layer with its own variables in a Keras config's
    ``layers`` entries, nested models' layers included (under ``<nested path>/layers/...``)."""
    out = []
    entries = [entry for entry in entries if not is_op_entry(entry)]  # not in Keras's model.layers
    pairs = [(entry["config"].get("name", entry.get("name")), entry["class_name"]) for entry in entries]
    by_name = {pair[0]: entry for pair, entry in zip(pairs, entries)}
    for name, path in weight_paths(model_class, pairs):
        entry = by_name[name]
        if entry["class_name"] in NESTED_MODEL_CLASSES:
            out += store_paths(entry["class_name"], entry["config"]["layers"], f"{prefix}{path}/")
        else:
            out.append((name, prefix + path))
    return out


def weight_paths(model_class, layers):
    """(layer name, h5 group path) per layer of a model's ``layers`` list, Keras 3's way.
    ``layers``: (name, class name) pairs, in the model's order; ``model_class``: "Sequential"
    or another model class."""
    used, out = {}, []
    for name, class_name in layers:
        if model_class == "Sequential" and class_name == "InputLayer":
            continue
        key = _core.to_snake_case(class_name)
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        out.append((name, f"layers/{key}"))
    return out


def config_layers(serialized):
    """(name, class name) of each layer of a Keras serialized model, in its order."""
    return [(entry["config"].get("name", entry.get("name")), entry["class_name"])
            for entry in serialized["config"]["layers"] if not is_op_entry(entry)]


def trainable_paths(core, serialized):
    """The model's trainable weights as ``layer/weight``, in Keras's order: the model's layers
    in their config order, each layer's trainable weights in its own order."""
    graph, by_name = core.graph, {}
    for node in graph.nodes:
        if node[0] is not None:
            by_name[node[0].name] = node[0]
    paths = []
    for name, _ in config_layers(serialized):
        layer = by_name.get(name)
        if layer is not None:
            paths += [f"{name}/{info[0]}" for info in graph.weight_info(layer) if info[2]]
    return paths
