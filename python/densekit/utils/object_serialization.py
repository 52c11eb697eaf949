"""``keras.saving.serialize_keras_object`` and ``deserialize_keras_object``
(keras/src/saving/serialization_lib.py): any densekit object (a layer, loss, metric, optimizer,
schedule, initializer, regularizer, constraint, model or function) as the dict Keras writes for
it, and back. The ``serialize`` / ``deserialize`` of each module (``keras.losses.serialize``, ...)
call these.

An object is named by its Keras API path, ``{"module": "keras.losses", "class_name":
"MeanSquaredError", "config": {...}, "registered_name": None}``, so a dict written here loads in
Keras and Keras's load here. Functions are written as Keras writes them, ``{"module":
"builtins", "class_name": "function", "config": "relu", "registered_name": "function"}``, and
read back by searching the modules Keras searches (keras_paths.py). A model is its
``to_json()``. As there, a seed over 31 bits (the one an initializer given none drew) is reduced
to one Keras can use.

Unlike Keras, densekit never runs code from a config: a Python lambda is refused both ways, and
a config reaches only densekit's exported objects and the user's own (object_registration.locate).

This module sits below the layers, losses and models it serializes: it finds them by their
Keras paths, as Keras finds its own by their exported names, so importing it imports none of them.
"""

import collections.abc
import contextlib
import importlib
import json
import types

import numpy as np

from densekit import _core
from densekit.utils import keras_paths, object_registration
from densekit.utils.naming import to_snake_case

_PLAIN_TYPES = (str, int, float, bool)
_MODEL_CLASSES = ("Sequential", "Functional", "Model")


def fit_seeds(value):
    """Seeds Keras can use: densekit records the 64-bit seed an initializer (or Dropout,
    GaussianNoise) drew, and Keras's TensorFlow backend turns a seed into an int32 tensor, so a
    larger one fails to load. Reduced to 31 bits; a model rebuilt from the config with fresh weights
    then draws other ones than the original's (densekit's own format keeps the full seeds)."""
    if isinstance(value, dict):
        return {k: (v % 2**31 if k == "seed" and isinstance(v, int) and not 0 <= v < 2**31 else fit_seeds(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [fit_seeds(v) for v in value]
    return value


def is_model(obj):
    return isinstance(obj, importlib.import_module("densekit.models").Model)


def serialize_keras_object(obj):
    """The dict (or plain value) Keras's serialize_keras_object gives for ``obj``."""
    if obj is None or isinstance(obj, _PLAIN_TYPES):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [serialize_keras_object(x) for x in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        return {"class_name": "__slice__", "config": {"start": serialize_keras_object(obj.start),
                                                      "stop": serialize_keras_object(obj.stop),
                                                      "step": serialize_keras_object(obj.step)}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, np.ndarray) and obj.ndim > 0:
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": obj.dtype.name}}
    if isinstance(obj, (np.generic, np.ndarray)):  # numpy scalars are plain values
        return obj.item()
    if isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>":
        raise ValueError("densekit does not serialize a Python lambda (Keras writes its bytecode, which only "
                         "safe_mode=False reloads). Define a named function and register it with "
                         "@keras.saving.register_keras_serializable().")
    if is_model(obj):
        return json.loads(obj.to_json())
    if isinstance(obj, _core.Activation):  # what activations.activation_spec() gives: named as its function
        return object_registration.function_config(obj.name)
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        # Keras's form for any function: found again by its (registered) name.
        return object_registration.function_config(object_registration.get_registered_name(obj))
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize object {obj!r} of type {type(obj)}. To be serializable, a class must "
                        "implement the `get_config()` method.")
    config = obj.get_config()
    if not isinstance(config, dict):
        raise TypeError(f"The `get_config()` method of {obj!r} should return a dict. It returned: {config!r}")
    config = serialize_keras_object(config)
    public = keras_paths.public_path(type(obj))
    if public is not None:
        # Seeds Keras can use, as in to_json(): an initializer given none holds the 64-bit seed it drew.
        out = {"module": public[0], "class_name": public[1], "config": fit_seeds(config), "registered_name": None}
    else:
        out = {"module": type(obj).__module__, "class_name": type(obj).__name__, "config": config,
               "registered_name": object_registration.get_registered_name(type(obj))}
    build_config = obj.get_build_config() if hasattr(obj, "get_build_config") else None
    if build_config is not None:
        out["build_config"] = serialize_keras_object(build_config)
    return out


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object a serialize_keras_object dict describes. ``module_objects`` (a name -> object
    dict, as the per-module ``deserialize`` functions pass) also resolves bare names."""
    names = kwargs.pop("module_objects", None)
    if custom_objects is not None and not isinstance(custom_objects, collections.abc.Mapping):
        raise TypeError(f"`custom_objects` must be a dict of names to objects. Received: {custom_objects!r:.200}")
    if config is None:
        return None
    registered = object_registration.get_registered_object(config, custom_objects) if isinstance(config, str) else None
    if registered is not None:
        return registered
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(x, custom_objects, safe_mode, module_objects=names) for x in config]
    if names is not None:
        found = _from_names(config, names, custom_objects)
        if found is not None:
            return found
    if isinstance(config, _PLAIN_TYPES):
        return config
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config!r:.200}")
    if "class_name" not in config or "config" not in config:
        return {key: deserialize_keras_object(value, custom_objects, safe_mode) for key, value in config.items()}
    class_name, inner = config["class_name"], config["config"] if config["config"] is not None else {}
    if not isinstance(class_name, str):
        raise TypeError(f"Expected 'class_name' to be a str, instead got {type(class_name)}\nFull config: {config}")
    with _malformed(class_name, config):
        special = _special_value(class_name, inner, custom_objects, safe_mode)
    if special is not _NOT_SPECIAL:
        return special
    if class_name == "function":
        if not isinstance(inner, str):
            raise TypeError(f"Expected 'config' to be a non-null str for a function classname, instead got "
                            f"{type(inner)}\nFull config: {config}")
        return object_registration.locate(config, custom_objects)
    if not isinstance(inner, dict):
        raise TypeError(f"Expected 'config' to be a dict for {class_name},\ninstead got {type(inner)}\n"
                        f"Full config: {config}")
    if class_name in _MODEL_CLASSES and str(config.get("module", "keras")).startswith("keras"):
        return importlib.import_module("densekit.models").model_from_json(config, custom_objects)
    cls = object_registration.locate(config, custom_objects)
    if isinstance(cls, types.FunctionType):
        return cls
    if not hasattr(cls, "from_config"):
        raise TypeError(f"Unable to reconstruct an instance of '{class_name}' because the class is missing a "
                        f"`from_config()` method. Full object config: {config}")
    with object_registration.CustomObjectScope(custom_objects), _malformed(class_name, config):
        instance = cls.from_config(inner)
        build_config = config.get("build_config")
        if build_config and hasattr(instance, "build_from_config") and not getattr(instance, "built", False):
            instance.build_from_config(build_config)
    return instance


_NOT_SPECIAL = object()


@contextlib.contextmanager
def _malformed(class_name, config):
    """A config missing what its class reads (a key, an item) is a ValueError naming it."""
    try:
        yield
    except (KeyError, IndexError, AttributeError) as error:
        raise ValueError(f"The config of '{class_name}' is malformed ({type(error).__name__}: {error}). "
                         f"Full object config: {config}") from None


def _special_value(class_name, inner, custom_objects, safe_mode):
    """The values serialize_keras_object writes under reserved class names (densekit's tensors
    are numpy arrays, so a __tensor__ is one too)."""
    if class_name in ("__numpy__", "__tensor__"):
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__slice__":
        return slice(*(deserialize_keras_object(inner[k], custom_objects, safe_mode) for k in ("start", "stop", "step")))
    if class_name == "__lambda__":
        if safe_mode:
            raise ValueError("Requested the deserialization of a Python lambda. This carries a potential risk of "
                             "arbitrary code execution and thus it is disallowed by default.")
        raise ValueError("densekit does not load a Python lambda from a config, even with safe_mode=False: define "
                         "a named function and pass it in custom_objects.")
    if class_name in ("__keras_tensor__", "__typespec__"):
        raise ValueError(f"densekit cannot rebuild a {class_name} outside the model config that holds it.")
    return _NOT_SPECIAL


def _from_names(config, names, custom_objects):
    """A bare name, or a dict naming one, resolved in ``names`` (a class is instantiated from
    the dict's config); None when the name is not there or names the user's own object."""
    inner = None
    if isinstance(config, dict):
        if "class_name" not in config:
            raise ValueError(f"Unknown `config` as a `dict`, config={config}")
        keys = (config.get("registered_name"), config["class_name"], config.get("config"))
        if any(isinstance(k, str) and object_registration.get_registered_object(k, custom_objects) is not None
               for k in keys):
            return None  # the user's object: found by the general path
        inner = config.get("config")
        if config["class_name"] == "function":
            name = config.get("config") if config.get("module") == "builtins" else config.get("registered_name")
        else:
            name = config["class_name"]
    elif isinstance(config, str):
        name = config
    else:
        return None
    obj = names.get(name) if isinstance(name, str) else None
    if obj is None:
        return None
    if isinstance(obj, type):
        with object_registration.CustomObjectScope(custom_objects), _malformed(name, config):
            return obj.from_config(inner if isinstance(inner, dict) else {})
    return obj


def names_in(keras_module, kinds, snake_case=False):
    """The name -> object table a module's ``deserialize`` resolves bare names in (Keras's
    ALL_OBJECTS_DICT): what the module exports of ``kinds`` (classes derived from them;
    functions where types.FunctionType is one), with the classes' snake_case names if asked."""
    table = {}
    for name, obj in keras_paths.exported(keras_module).items():
        if (isinstance(obj, type) and issubclass(obj, kinds)) or (isinstance(obj, types.FunctionType)
                                                                  and types.FunctionType in kinds):
            table[name] = obj
    if snake_case:
        for obj in list(table.values()):
            if isinstance(obj, type):
                table.setdefault(to_snake_case(obj.__name__), obj)
    return table


def get_named(identifier, deserialize, names, what):
    """A module's ``get`` as Keras's (keras/src/metrics/__init__.py, losses/, activations/): a dict
    deserialized, a string looked up in ``names()`` (a class made an instance), anything else as
    it is; ValueError naming ``what`` unless that gives something callable."""
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = names().get(identifier)
    else:
        obj = identifier
    if isinstance(obj, type):
        obj = obj()
    if not callable(obj):
        raise ValueError(f"Could not interpret {what} identifier: {identifier}")
    return obj


def deserialize_named(config, custom_objects, names, kinds, what):
    """A module's ``deserialize``: ``config`` (a name, or a Keras dict) resolved in ``names`` or
    as deserialize_keras_object resolves it, which must give an instance of ``kinds`` (a
    function where types.FunctionType is one). ValueError naming ``what`` otherwise, where Keras
    returns an unknown name as it is."""
    if isinstance(config, dict) and "class_name" not in config:
        raise ValueError(f"Could not interpret {what} config: {config!r} (it has no `class_name`).")
    try:
        obj = deserialize_keras_object(config, custom_objects, module_objects=names)
    except TypeError as error:
        if "Could not locate" not in str(error):
            raise
        obj = None
    if isinstance(obj, kinds):
        return obj
    kind = "config" if isinstance(config, dict) else "identifier"
    raise ValueError(f"Could not interpret {what} {kind}: {config!r}. Known names: {', '.join(sorted(names))}.")
