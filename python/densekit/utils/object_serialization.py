"""``keras.saving.serialize_keras_object`` and ``deserialize_keras_object``
(keras/src/saving/serialization_lib.py): any densekit object (a layer, loss, metric, optimizer,
schedule, initializer, regularizer, constraint, model or function) as the dict Keras writes for
it, and back. The ``serialize`` / ``deserialize`` of each module (``keras.losses.serialize``, ...)
call these.

An object is named by its Keras API path, ``{"module": "keras.losses", "class_name":
"MeanSquaredError", "config": {...}, "registered_name": None}``, so a dict written here loads in
Keras and Keras's load here. Functions are written as Keras writes them, ``{"module":
"builtins", "class_name": "function", "config": "relu", "registered_name": "function"}``, and
read back by searching the modules Keras searches. A model is its ``to_json()``. As there, a
seed over 31 bits (the one an initializer given none drew) is reduced to one Keras can use.

Unlike Keras, densekit never runs code from a config: a Python lambda is refused both ways.

This module sits below the layers, losses and models it serializes: it finds their classes by
their Keras paths (densekit's module of the same name), as Keras finds its own by their exported
names, so importing it imports none of them.
"""

import contextlib
import importlib
import sys
import types

import numpy as np

from densekit.utils import object_registration

_PLAIN_TYPES = (str, int, float, bool)

# Keras's public modules and densekit's, the first naming a class being its canonical path.
_PUBLIC_MODULES = (
    ("keras", "densekit"), ("keras.layers", "densekit.layers"), ("keras.losses", "densekit.losses"),
    ("keras.metrics", "densekit.metrics"), ("keras.optimizers", "densekit.optimizers"),
    ("keras.optimizers.schedules", "densekit.optimizers.schedules"), ("keras.initializers", "densekit.initializers"),
    ("keras.regularizers", "densekit.regularizers"), ("keras.constraints", "densekit.constraints"),
    ("keras.callbacks", "densekit.callbacks"), ("keras.models", "densekit.models"),
)
# Where Keras looks up a function saved by its name alone (BUILTIN_MODULES).
_FUNCTION_MODULES = ("activations", "constraints", "initializers", "losses", "metrics", "optimizers", "regularizers")
_MODEL_CLASSES = ("Sequential", "Functional", "Model")

_public_paths = None  # class -> (Keras module, class name); built on first use (the modules import saving)


def _public_path(cls):
    global _public_paths
    if _public_paths is None:
        paths = {}
        for keras_module, module_name in _PUBLIC_MODULES:
            module = importlib.import_module(module_name)
            for name in getattr(module, "__all__", ()):
                obj = getattr(module, name, None)
                if isinstance(obj, type) and obj.__module__.startswith("densekit") and obj.__name__ == name:
                    paths.setdefault(obj, (keras_module, name))
        _public_paths = paths
    return _public_paths.get(cls)


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


def _is_model(obj):
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
    if _is_model(obj):
        import json

        return json.loads(obj.to_json())
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        # Keras's form for any function: found again by its (registered) name.
        return {"module": "builtins", "class_name": "function",
                "config": object_registration.get_registered_name(obj), "registered_name": "function"}
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize object {obj!r} of type {type(obj)}. To be serializable, a class must "
                        "implement the `get_config()` method.")
    config = obj.get_config()
    if not isinstance(config, dict):
        raise TypeError(f"The `get_config()` method of {obj!r} should return a dict. It returned: {config!r}")
    public = _public_path(type(obj))
    if public is not None:
        out = {"module": public[0], "class_name": public[1]}
        registered = None
    else:
        out = {"module": type(obj).__module__, "class_name": type(obj).__name__}
        registered = object_registration.get_registered_name(type(obj))
    # Seeds Keras can use, as in to_json(): an initializer given no seed holds the 64-bit seed it drew.
    out.update(config=fit_seeds(serialize_keras_object(config)), registered_name=registered)
    build_config = obj.get_build_config() if hasattr(obj, "get_build_config") else None
    if build_config is not None:
        out["build_config"] = serialize_keras_object(build_config)
    return out


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object a serialize_keras_object dict describes. ``module_objects`` (a name -> object
    dict, as the per-module ``deserialize`` functions pass) also resolves bare names."""
    module_objects = kwargs.pop("module_objects", None)
    if config is None:
        return None
    if isinstance(config, str) and object_registration.get_registered_object(config, custom_objects) is not None:
        return object_registration.get_registered_object(config, custom_objects)
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(x, custom_objects, safe_mode, module_objects=module_objects) for x in config]
    if module_objects is not None:
        found = _from_module_objects(config, module_objects, custom_objects)
        if found is not None:
            return found
    if isinstance(config, _PLAIN_TYPES):
        return config
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config!r}")
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
        return _locate(config, custom_objects)
    if not isinstance(inner, dict):
        raise TypeError(f"Expected 'config' to be a dict for {class_name},\ninstead got {type(inner)}\n"
                        f"Full config: {config}")
    if class_name in _MODEL_CLASSES and str(config.get("module", "keras")).startswith("keras"):
        return importlib.import_module("densekit.models").model_from_json(config, custom_objects)
    cls = _locate(config, custom_objects)
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
    """The values serialize_keras_object writes under reserved class names."""
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__tensor__":  # densekit's tensors are numpy arrays
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


def _from_module_objects(config, module_objects, custom_objects):
    """A bare name, or a dict naming one, resolved in ``module_objects`` (a class is instantiated
    from the dict's config); None when the name is not there."""
    inner = None
    if isinstance(config, dict):
        if "class_name" not in config:
            raise ValueError(f"Unknown `config` as a `dict`, config={config}")
        names = (config.get("registered_name"), config["class_name"], config.get("config"))
        if any(isinstance(n, str) and object_registration.get_registered_object(n, custom_objects) is not None
               for n in names):
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
    obj = module_objects.get(name) if isinstance(name, str) else None
    if obj is None:
        return None
    if isinstance(obj, type):
        with object_registration.CustomObjectScope(custom_objects):
            return obj.from_config(inner if isinstance(inner, dict) else {})
    return obj


def _densekit_symbol(keras_module, name):
    """What ``keras_module.name`` is in densekit, or None."""
    module_name = dict(_PUBLIC_MODULES + (("keras.activations", "densekit.activations"),)).get(keras_module)
    return getattr(importlib.import_module(module_name), name, None) if module_name else None


def _locate(config, custom_objects):
    """The class or function a dict names, looked up as Keras looks it up (_retrieve_class_or_fn):
    the user's objects (custom_objects, a custom_object_scope, the registry), densekit's object at
    the Keras path, a function by name in Keras's built-in modules, then the module it was
    defined in (if imported). TypeError in Keras's words when none has it."""
    is_function = config["class_name"] == "function"
    name = config["config"] if is_function else config["class_name"]
    registered = config.get("registered_name", name)
    for key in ((name, registered) if is_function else (registered, name)):
        if isinstance(key, str) and key != "function":
            obj = object_registration.get_registered_object(key, custom_objects)
            if obj is not None:
                return obj
    module = config.get("module")
    if isinstance(module, str) and (module == "keras" or module.startswith("keras.")):
        obj = _densekit_symbol(module, name)
        if obj is None and not is_function:  # a private module path (keras.src....): the public class of that name
            obj = next((o for o in _all_public_classes() if o.__name__ == name), None)
        if obj is not None:
            return obj
    if is_function and module == "builtins":
        for module_name in _FUNCTION_MODULES:
            obj = getattr(importlib.import_module(f"densekit.{module_name}"), name, None)
            if callable(obj) and not isinstance(obj, type):
                return obj
    if isinstance(module, str) and module in sys.modules and not module.startswith("keras"):
        obj = getattr(sys.modules[module], name, None)
        if obj is not None:
            return obj
    kind = "function" if is_function else "class"
    raise TypeError(f"Could not locate {kind} '{name}'. Make sure custom classes and functions are decorated with "
                    "`@keras.saving.register_keras_serializable()`. If they are already decorated, make sure they "
                    f"are all imported so that the decorator is run before trying to load them. Full object config: "
                    f"{config}")


def _all_public_classes():
    _public_path(object)
    return list(_public_paths)


def module_objects(module_name, kind, extra=()):
    """The name -> object table a module's ``deserialize`` resolves bare names in (Keras's
    ALL_OBJECTS_DICT): the module's public classes derived from ``kind`` and its public functions,
    under their names in ``__all__`` and ``extra`` (aliases such as "mse")."""
    module = importlib.import_module(module_name)
    table = {}
    for name in tuple(getattr(module, "__all__", ())) + tuple(extra):
        if name in ("get", "serialize", "deserialize"):
            continue
        obj = getattr(module, name, None)
        if (isinstance(obj, type) and issubclass(obj, kind)) or isinstance(obj, types.FunctionType):
            table[name] = obj
    return table


def deserialize_from(config, custom_objects, table, kinds, what):
    """A module's ``deserialize``: ``config`` (a name, or a Keras dict) resolved in ``table`` or
    as deserialize_keras_object resolves it, which must give an instance of ``kinds`` (which
    holds types.FunctionType where a function will do). ValueError naming ``what`` otherwise,
    where Keras returns an unknown name as it is."""
    if isinstance(config, dict) and "class_name" not in config:
        raise ValueError(f"Could not interpret {what} config: {config!r} (it has no `class_name`).")
    try:
        obj = deserialize_keras_object(config, custom_objects, module_objects=table)
    except TypeError as error:
        if "Could not locate" not in str(error):
            raise
        obj = None
    if isinstance(obj, kinds):
        return obj
    kind = "config" if isinstance(config, dict) else "identifier"
    raise ValueError(f"Could not interpret {what} {kind}: {config!r}. Known names: {', '.join(sorted(table))}.")
