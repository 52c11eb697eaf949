"""Registering custom objects by name (keras/src/saving/object_registration.py): what
``register_keras_serializable`` and ``custom_objects`` make findable when a saved config names a
loss, metric or layer of the user's own code."""

import importlib
import inspect
import threading

_GLOBAL_CUSTOM_OBJECTS = {}  # registered name -> object
_GLOBAL_CUSTOM_NAMES = {}    # object -> registered name
_scope = threading.local()   # custom_object_scope's dicts, innermost last


def register_keras_serializable(package="Custom", name=None):
    """Decorator: registers a class or function under "package>name" (its own name by default)."""
    def decorator(arg):
        class_name = name if name is not None else arg.__name__
        registered_name = f"{package}>{class_name}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg
    return decorator


def get_registered_name(obj):
    """The name ``obj`` was registered under, else its own name."""
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return getattr(obj, "__name__", type(obj).__name__)


def get_custom_objects():
    """The global registry (a live dict, as Keras's): names to objects."""
    return _GLOBAL_CUSTOM_OBJECTS


class CustomObjectScope:
    """``with custom_object_scope({"name": obj}):`` makes those objects findable inside."""

    def __init__(self, custom_objects):
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        stack = getattr(_scope, "stack", None)
        if stack is None:
            stack = _scope.stack = []
        stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scope.stack.pop()


custom_object_scope = CustomObjectScope


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object ``name`` refers to: from ``custom_objects``, an enclosing custom_object_scope,
    the global registry, then ``module_objects``; None if none has it."""
    for table in [custom_objects or {}] + list(reversed(getattr(_scope, "stack", None) or [])):
        if name in table:
            return table[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    return (module_objects or {}).get(name)


def serialize_object(obj):
    """How Keras names ``obj`` in a saved config (serialize_keras_object in
    keras/src/saving/serialization_lib.py): a function by its name, an object by its class and
    get_config()."""
    if isinstance(obj, type) or not hasattr(obj, "get_config"):
        return {"module": getattr(obj, "__module__", None), "class_name": "function",
                "config": getattr(obj, "__name__", repr(obj)), "registered_name": get_registered_name(obj)}
    return {"module": type(obj).__module__, "class_name": type(obj).__name__, "config": obj.get_config(),
            "registered_name": get_registered_name(type(obj))}


def retrieve_object(config):
    """The function, or an instance of the class, a ``serialize_object`` config names, found as
    Keras finds it (_retrieve_class_or_fn in keras/src/saving/serialization_lib.py):
    custom_objects or a custom_object_scope, the registry, then the module it was defined in.
    A TypeError in Keras's words when none has it."""
    is_function = config.get("class_name") == "function"
    name = config.get("config") if is_function else config.get("class_name")
    obj = None
    for key in (config.get("registered_name"), name):
        if obj is None and isinstance(key, str):
            obj = get_registered_object(key)
    if obj is None and config.get("module"):
        try:
            obj = vars(importlib.import_module(config["module"])).get(name)
        except ImportError:
            obj = None
    if obj is None:
        kind = "function" if is_function else "class"
        shown = {k: v for k, v in config.items() if k != "densekit_traced"}
        raise TypeError(f"Could not locate {kind} '{name}'. Make sure custom classes and functions are decorated with "
                        "`@keras.saving.register_keras_serializable()`. If they are already decorated, make sure they "
                        "are all imported so that the decorator is run before trying to load them. Full object config: "
                        f"{shown}")
    return obj if is_function else obj.from_config(config.get("config") or {})
