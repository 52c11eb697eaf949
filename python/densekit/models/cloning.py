"""clone_model: a model of the same architecture with new layers, and so new weights
(keras/src/models/cloning.py). A Sequential's clone is a Sequential of cloned layers; a
functional model's clone replays its layer calls on new Inputs with cloned layers, a nested
model called inside it cloned as one layer (recursively when ``recursive=True``).
"""

from densekit import initializers
from densekit.layers.input_layer import InputLayer
from densekit.layers.keras_tensor import KerasTensor
from densekit.layers.node import keeping_mode
from densekit.models.functional import Functional
from densekit.models.model import Model
from densekit.models.network import flatten_structure, pack_structure
from densekit.models.sequential import Sequential


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False, **kwargs):
    """A new model like ``model``, with freshly initialized weights (none shared). ``clone_function``
    makes each new layer (default: ``layer.__class__.from_config(layer.get_config())``);
    ``call_function(layer, *args, **kwargs)`` calls it (functional models only); ``input_tensors``
    are the Inputs to build the clone on."""
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs.keys())}")
    if not isinstance(model, Model):
        raise ValueError(f"clone_model expects a densekit Model. Received: model={model!r} of type {type(model)}")
    if clone_function is not None and not callable(clone_function):
        raise ValueError("Expected `clone_function` argument to be a callable. "
                         f"Received: clone_function={clone_function}")
    if call_function is not None and not callable(call_function):
        raise ValueError(f"Expected `call_function` argument to be a callable. Received: call_function={call_function}")
    clone_layer = _caching_clone_function(clone_function, call_function, recursive, {} if cache is None else cache)
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError("`call_function` argument is not supported with Sequential models. In a Sequential model, "
                             "layers aren't called at model-construction time (they're merely listed). Use "
                             "`call_function` with Functional models only.")
        clone = _clone_sequential(model, clone_layer, input_tensors)
    elif isinstance(model, Functional) or (model._network is not None and not model._traced):
        clone = _clone_functional(model, clone_layer, input_tensors, call_function)
    elif type(model).get_config is not Model.get_config:
        clone = _clone_by_config(model, clone_function, input_tensors, call_function)
    else:
        raise ValueError(
            f"clone_model cannot clone the subclassed model '{model.name}' ({type(model).__name__}): its layers and "
            "call() are Python code, not a graph of layer calls. Implement get_config() (and from_config() if needed) "
            "on the class and use `model.__class__.from_config(model.get_config())`.")
    if model.compiled:
        _compile_like(clone, model)
    return clone


def _clone_by_config(model, clone_function, input_tensors, call_function):
    """A subclassed model whose class writes its own config: a new instance from that config,
    built for the same inputs, as Keras clones a custom model class (keras/src/models/cloning.py)."""
    if clone_function is not None or input_tensors is not None:
        raise ValueError("Arguments `clone_function` and `input_tensors` are only supported for Sequential models or "
                         f"Functional models. Received model of type '{type(model).__name__}', with "
                         f"clone_function={clone_function} and input_tensors={input_tensors}")
    if call_function is not None:
        raise ValueError("Argument `call_function` is only supported for Functional models. Received model of type "
                         f"'{type(model).__name__}', with call_function={call_function}")
    clone = type(model).from_config(model.get_config())
    build_config = model.get_build_config()
    if build_config and not clone.built:
        clone.build_from_config(build_config)
    return clone


def _default_clone(layer):
    """``layer.__class__.from_config(layer.get_config())``, with fresh weights as in Keras: the
    config densekit writes holds the seed an unseeded initializer drew, so that seed is dropped
    (a seed the user gave is kept). A nested model is cloned the same way, layer by layer."""
    if isinstance(layer, Model):
        return clone_model(layer)
    config = layer.get_config()
    for key, value in config.items():
        initializer = getattr(layer, key, None)
        if (isinstance(initializer, initializers.Initializer) and initializer.seed is None
                and isinstance(value, dict) and "seed" in value.get("config", {})):
            config[key] = {**value, "config": {**value["config"], "seed": None}}
    return layer.__class__.from_config(config)


def _caching_clone_function(clone_function, call_function, recursive, cache):
    """Clones each layer once (a layer called twice has one clone); with ``recursive``, nested
    models are cloned by clone_model with the same arguments."""
    clone_function = clone_function or _default_clone

    def clone(layer):
        if id(layer) not in cache:
            if recursive and isinstance(layer, Sequential):
                cache[id(layer)] = clone_model(layer, clone_function=clone_function, recursive=True, cache=cache)
            elif recursive and isinstance(layer, Model) and layer._network is not None and not layer._traced:
                cache[id(layer)] = clone_model(layer, clone_function=clone_function, call_function=call_function,
                                               recursive=True, cache=cache)
            else:
                cache[id(layer)] = clone_function(layer)
        return cache[id(layer)]

    return clone


def _clone_sequential(model, clone_layer, input_tensors):
    new_layers = [clone_layer(layer) for layer in model.layers]
    ref = model._input_layer
    name = ref.name if ref is not None else None
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError("Argument `input_tensors` must contain a single tensor.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor):
            raise ValueError(f"Argument `input_tensors` must be a KerasTensor. Received invalid value: "
                             f"input_tensors={input_tensors!r}")
        new_layers = [InputLayer(batch_shape=input_tensors.shape, name=name, dtype=input_tensors.dtype)] + new_layers
    elif ref is not None:
        new_layers = [InputLayer(batch_shape=ref.batch_shape, name=name, dtype=ref.dtype)] + new_layers
    return Sequential(new_layers, name=model.name, trainable=model.trainable)


def _clone_functional(model, clone_layer, input_tensors, call_function):
    net = model._network
    if input_tensors is not None:
        kind, _, flat = flatten_structure(input_tensors, "input_tensors")
        if kind == "dict" and net.input_kind == "dict":
            if sorted(input_tensors) != sorted(net.input_keys):
                raise ValueError(f"`input_tensors` must have the same structure as model.input.\nReference structure: "
                                 f"{model.input}\nReceived structure: {input_tensors}")
        elif len(flat) != len(net.inputs) or (kind == "dict") != (net.input_kind == "dict"):
            raise ValueError(f"`input_tensors` must have the same structure as model.input.\nReference structure: "
                             f"{model.input}\nReceived structure: {input_tensors}")
        new_inputs = flat
    else:
        new_inputs = [InputLayer(batch_shape=t.shape, name=t._keras_history.operation.name, dtype=t.dtype).output
                      for t in net.inputs]
    tensors = {id(old): new for old, new in zip(net.inputs, new_inputs)}
    call = call_function or (lambda layer, *args, **kwargs: layer(*args, **kwargs))

    # The units to replay: each layer call, or the outermost nested-model call it belongs to (a
    # nested model is cloned as one layer, as Keras clones a model used as a layer).
    units, seen = [], set()
    for node in net.nodes:
        if node.is_input:
            continue
        if node.model_calls:
            model_call = node.model_calls[0]
            if id(model_call) not in seen:
                seen.add(id(model_call))
                units.append((model_call.model, model_call.inputs, model_call.outputs, None, False, False))
        else:
            units.append((node.layer, node.inputs, [node.output], node.training, node.training_fixed, node.single))
    while units:  # in dependency order: a nested call can need a tensor made after its first node
        ready = [u for u in units if all(id(t) in tensors for t in u[1])]
        if not ready:
            raise ValueError(f"Cannot clone model '{model.name}': its graph could not be replayed in order.")
        for unit in ready:
            units.remove(unit)
            layer, inputs, outputs, training, training_fixed, single = unit
            args = [tensors[id(t)] for t in inputs]
            kwargs = {} if training is None else {"training": training}
            if isinstance(layer, Model):
                arg = args[0] if len(args) == 1 else args
            else:
                arg = args[0] if single else args
            with keeping_mode(training_fixed):
                result = call(clone_layer(layer), arg, **kwargs)
            new_outputs = flatten_structure(result, "outputs")[2]
            if len(new_outputs) != len(outputs):
                raise ValueError(f"The clone of '{layer.name}' returned {len(new_outputs)} output(s) where the "
                                 f"original returned {len(outputs)}.")
            tensors.update({id(old): new for old, new in zip(outputs, new_outputs)})
    new_outputs = net.pack_outputs([tensors[id(t)] for t in net.outputs])
    if input_tensors is None:
        input_tensors = pack_structure(net.input_kind, net.input_keys, new_inputs, net.input_sequence)
        if net.input_keys_as_given is not None:  # the dict in the order it was given (a list is matched by it)
            input_tensors = {key: input_tensors[key] for key in net.input_keys_as_given}
    clone = Functional(input_tensors, new_outputs, name=model.name)
    if net.input_kind == "dict" and net.input_keys_as_given is None:
        clone._network.input_keys_as_given = None  # (a loaded model's: not known either)
    return clone


def _fresh(value):
    """A new object like a compile argument (its own state), or the value itself."""
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_fresh(v) for v in value)
    if hasattr(value, "get_config") and hasattr(value, "reset_state"):  # a metric object: it keeps totals
        return type(value)(**value.get_config())
    return value


def _compile_like(clone, model):
    """Compiles the clone as the model was compiled, with a new optimizer and new metrics (Keras
    compiles the clone from the model's compile config)."""
    optimizer = model.optimizer
    new_optimizer = type(optimizer).from_config(optimizer.get_config()) if optimizer is not None else "rmsprop"
    args = dict(model._compile_kwargs or {})
    for key in ("metrics", "weighted_metrics"):
        args[key] = _fresh(args.get(key))
    clone.compile(optimizer=new_optimizer, **args)
