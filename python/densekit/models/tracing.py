"""Tracing a subclassed model: its ``call`` runs on symbolic inputs, and the layer calls it makes
(recorded as nodes, layers/node.py) become its Network (models/network.py) and so its C++ graph.
A model whose call takes ``training`` is traced twice, and the two traces merged into one graph
whose nodes know their mode.
"""

import functools
import inspect

from densekit.layers.input_layer import InputLayer
from densekit.layers import weight_paths
from densekit.layers.batch_loss import loss_anchors
from densekit.layers.node import recording
from densekit.layers.trace_call import symbolic_scope
from densekit.models.network import Network, flatten_structure, pack_structure
from densekit.utils.arrays import is_pandas, to_array


def build_then_trace(model, build):
    """A subclass's own ``build``, wrapped: it runs once, and once it returns (the outermost
    call: a super().build() inside it does nothing) the model is traced for the shape it was
    given, as Keras's first call follows build; a build in the constructor waits for the
    constructor to end (call() may use attributes it sets next). The trace of a model built from
    data calls it first, and traces itself."""
    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        depth = model.__dict__.get("_building", 0)
        if depth == 0 and model.__dict__.get("_own_build_done"):
            return  # (built already: its weights would be made twice)
        model.__dict__["_building"] = depth + 1
        try:
            build(*args, **kwargs)
        finally:
            model.__dict__["_building"] = depth
        if depth > 0:
            return
        model.__dict__["_own_build_done"] = True
        shape = args[0] if args else next(iter(kwargs.values()), None)
        if shape is not None and not model.__dict__.get("_tracing") and model._network is None:
            if model.__dict__.get("_constructing"):
                model.__dict__["_shape_to_trace"] = shape
            else:
                trace_from_shapes(model, shape)
    return wrapper


def constructing(init):
    """A subclass's ``__init__``, wrapped: a build() inside it is traced once the outermost
    constructor has returned (see build_then_trace)."""
    @functools.wraps(init)
    def wrapper(model, *args, **kwargs):
        depth = model.__dict__.get("_constructing", 0)
        model.__dict__["_constructing"] = depth + 1
        try:
            init(model, *args, **kwargs)
        finally:
            model.__dict__["_constructing"] = depth
        shape = model.__dict__.pop("_shape_to_trace", None) if depth == 0 else None
        if shape is not None and model._network is None:
            trace_from_shapes(model, shape)
    wrapper._wrapped_by_densekit = True
    return wrapper


def trace_from_shapes(model, input_shape):
    """Traces a subclassed model for inputs of ``input_shape`` (model.build's argument: one shape,
    or a list or dict of shapes)."""
    if isinstance(input_shape, dict):
        kind, keys, shapes = "dict", sorted(input_shape), [input_shape[k] for k in sorted(input_shape)]
    elif isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
        kind, keys, shapes = "list", None, list(input_shape)
    else:
        kind, keys, shapes = "tensor", None, [input_shape]
    trace(model, kind, keys, [tuple(int(d) for d in s[1:]) for s in shapes], shapes[0][0])


def trace_from_data(model, x):
    """Traces a subclassed model for inputs like ``x`` (an array, a list or a dict of arrays)."""
    if isinstance(x, dict):
        kind, keys = "dict", sorted(x)
        arrays = [to_array(x[k], f"x['{k}']") for k in keys]
    elif isinstance(x, (list, tuple)) and x and all(hasattr(a, "shape") or is_pandas(a) for a in x):
        kind, keys = "list", None
        arrays = [to_array(a, "x") for a in x]
        if len(arrays) == 1:
            kind = "tensor"
    else:
        kind, keys, arrays = "tensor", None, [to_array(x, "x")]
    if any(a.ndim == 0 for a in arrays):
        raise ValueError("The model received a scalar (an array of shape ()): pass a batch of samples (an array with a "
                         "batch axis).")
    trace(model, kind, keys, [tuple(a.shape[1:]) for a in arrays], len(arrays[0]))


def trace(model, kind, keys, shapes, batch):
    """Runs ``call`` once on symbolic inputs (twice, training True and False, when call takes
    ``training``) and builds the C++ graph from the layer calls it made. A model with a
    ``build`` of its own gets it called first, as Keras calls it before the first call (it may
    make the layers and weights call uses)."""
    batch = None if batch is None else int(batch)
    if model._has_own_build() and not model.__dict__.get("_own_build_done"):
        model.__dict__["_tracing"] = True
        try:
            model.build(pack_structure(kind, keys, [(batch,) + tuple(s) for s in shapes]))
        finally:
            model.__dict__["_tracing"] = False
        if model._network is not None:  # its build traced the model already (calling it, say)
            return
    taken = {getattr(layer, "name", None) for layer in model._tracked}
    names = []
    for k in range(len(shapes)):
        if kind == "dict":
            name = keys[k]
        else:
            base, i, name = "input_layer", 0, "input_layer"
            while name in taken or name in names:
                i += 1
                name = f"{base}_{i}"
        names.append(name)
    tensors = [InputLayer(batch_shape=(batch,) + tuple(s), name=n).output for s, n in zip(shapes, names)]
    arg = pack_structure(kind, keys, tensors)
    takes_training = "training" in inspect.signature(model.call).parameters
    with recording() as nodes:
        outputs = _traced_call(model, arg, True if takes_training else None, shapes)
    if takes_training:
        with recording() as inference_nodes:
            inference_outputs = _traced_call(model, arg, False, shapes)
        _reconcile(model, tensors, nodes, outputs, inference_nodes, inference_outputs)
        _forget_losses_of(inference_nodes, tensors)
    model._traced = True
    model._build_batch = batch
    model._set_network(Network(arg, outputs))  # (which freezes the layers of a model made trainable=False)


def _traced_call(model, arg, training, shapes):
    kwargs = {} if training is None else {"training": training}
    try:
        with symbolic_scope(), loss_anchors(flatten_structure(arg, "inputs")[2]), weight_paths.building(model):
            outputs = model.call(arg, **kwargs)
    except Exception as e:
        note = (f"(raised while densekit traced {type(model).__name__}.call() with symbolic inputs of shape(s) "
                f"{[(None,) + tuple(s) for s in shapes]}: densekit runs call() once with placeholder tensors to build "
                "its C++ graph, so call() may use the model's layers, layer calls, and +, -, * between tensors, but "
                "no NumPy or other operations on values, and no Python branching on tensors.)")
        if hasattr(e, "add_note"):
            e.add_note(note)
            raise
        raise type(e)(f"{e} {note}") from e
    try:
        flatten_structure(outputs, "outputs")
    except ValueError:
        raise TypeError(f"{type(model).__name__}.call() returned {outputs!r} ({type(outputs).__name__}); densekit needs "
                        "the output tensor(s) of layer calls: a tensor, a list/tuple or a dict of tensors.") from None
    return outputs


def _same_call(reference_layer, layer):
    """Whether two traces called the same layer: the same object, or two layers without weights
    that compute the same (each trace records ops such as ops.softmax or x * 2 as new layers)."""
    if reference_layer is layer:
        return True
    if type(reference_layer) is not type(layer) or reference_layer.weights or layer.weights:
        return False
    unnamed = [{k: v for k, v in lyr.get_config().items() if k != "name"} for lyr in (reference_layer, layer)]
    return unnamed[0] == unnamed[1]


def _forget_losses_of(nodes, inputs):
    """The inference trace only checks the training one: the loss terms its add_loss calls
    tied to tensors (the model's inputs among them) are not the model's."""
    outputs = {id(node.output) for node in nodes}
    for t in list(inputs) + [t for node in nodes for t in node.inputs]:
        added = t.__dict__.get("_added_losses")
        if added:
            added[:] = [a for a in added if id(a) not in outputs]


def _reconcile(model, inputs, nodes, outputs, inference_nodes, inference_outputs):
    """Merges the two traces of a subclassed model's call (training=True and training=False) into
    one graph whose nodes run in the right mode for each.

    Each trace fixes how its own mode behaves: the training trace's layer calls (a ``training``
    argument of True means the model's mode, or always; False means never), and the inference
    trace's. Calls of layers that are identity in inference (Dropout, GaussianNoise,
    GaussianDropout) may appear in the training trace only (``if training: x = dropout(x)``).
    Anything else that differs between the traces cannot be one graph: a clear error.
    """
    def mismatch(detail):
        for node in inference_nodes:  # the inference trace's calls are not part of the model
            if node in node.layer._inbound_nodes:
                node.layer._inbound_nodes.remove(node)
        return ValueError(
            f"{type(model).__name__}.call() builds a different network with training=True than with training=False "
            f"({detail}). densekit traces call() into one C++ graph: layers must be created in __init__, and `training` "
            "may only be passed on to layers (self.dropout(x, training=training)) or guard layers that do nothing in "
            "inference (if training: x = self.dropout(x)).")

    def identity_in_inference(node, mode):
        return node.layer._core.is_identity_in_inference and not mode

    # Inference trace, with its identity calls elided: tensors map to canonical ids.
    canon = {id(t): ("input", k) for k, t in enumerate(inputs)}
    reference = []
    for node in inference_nodes:
        mode = False if node.training is None else node.training
        args = tuple(canon.get(id(t)) for t in node.inputs)
        if None in args:
            continue  # a call on tensors the outputs do not come from
        if identity_in_inference(node, mode):
            canon[id(node.output)] = args[0]
            continue
        canon[id(node.output)] = ("node", len(reference))
        reference.append((node.layer, args, mode))
    reference_outputs = [canon.get(id(t)) for t in flatten_structure(inference_outputs, "outputs")[2]]

    # Training trace, matched call by call; each node gets its mode in both.
    train_canon = {id(t): ("input", k) for k, t in enumerate(inputs)}
    j = 0
    for node in nodes:
        train_mode = True if node.training is None else node.training
        args = tuple(train_canon.get(id(t)) for t in node.inputs)
        if None in args:
            continue
        if j < len(reference) and _same_call(reference[j][0], node.layer) and reference[j][1] == args:
            inference_mode = reference[j][2]
            train_canon[id(node.output)] = ("node", j)
            j += 1
        elif node.layer._core.is_identity_in_inference:
            inference_mode = False
            train_canon[id(node.output)] = args[0]
        else:
            raise mismatch(f"layer '{node.layer.name}' is called differently")
        if train_mode and not inference_mode:
            node.training, node.training_fixed = None, False  # follows the model
        elif train_mode == inference_mode:
            # call() gives the layer this mode whatever the model's: it holds in fit and predict too
            node.training, node.training_fixed = train_mode, True
        else:
            raise mismatch(f"layer '{node.layer.name}' runs in inference mode when training and in training mode in "
                           "inference")
    outputs_canon = [train_canon.get(id(t)) for t in flatten_structure(outputs, "outputs")[2]]
    if j != len(reference) or outputs_canon != reference_outputs:
        missing = [layer.name for layer, _, _ in reference[j:]]
        raise mismatch(f"layers {missing} are called only with training=False" if missing else "the outputs differ")
    for node in inference_nodes:
        if node in node.layer._inbound_nodes:
            node.layer._inbound_nodes.remove(node)
