"""Registering custom objects by name (keras/src/saving/object_registration.py): what
``register_keras_serializable`` and ``custom_objects`` make findable when a saved config names a
loss, metric or layer of the user's own code."""

import inspect
import sys
import sysconfig
import threading
import types

from densekit.utils import keras_paths

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
    keras/src/saving/serialization_lib.py): a function by its registered name (its own name when
    not registered), an object by its class and get_config()."""
    if isinstance(obj, type) or not hasattr(obj, "get_config"):
        name = get_registered_name(obj)
        return {"module": getattr(obj, "__module__", None), "class_name": "function", "config": name,
                "registered_name": name}
    return {"module": type(obj).__module__, "class_name": type(obj).__name__, "config": obj.get_config(),
            "registered_name": get_registered_name(type(obj))}


def _pythons_own(top):
    """Whether ``top`` is a module of Python's standard library (or built in)."""
    if top in sys.builtin_module_names:
        return True
    names = getattr(sys, "stdlib_module_names", None)  # Python 3.10 and later
    if names is not None:
        return top in names
    path = getattr(sys.modules.get(top), "__file__", None) or ""
    return not path or path.startswith(sysconfig.get_paths()["stdlib"])


def _user_module_object(module, name):
    """An object of the user's own code a config names by the module that defines it: a function
    or a class defined in ``module``, which must already be imported and be neither Python's own
    nor densekit's or Keras's (a config never reaches os.system or eval)."""
    if not isinstance(module, str) or module not in sys.modules:
        return None
    top = module.split(".")[0]
    if _pythons_own(top) or top in ("densekit", "keras") or (top.startswith("_") and top != "__main__"):
        return None
    obj = vars(sys.modules[module]).get(name)
    if getattr(obj, "__module__", None) != module:
        return None
    return obj if isinstance(obj, types.FunctionType) or (isinstance(obj, type) and hasattr(obj, "from_config")) else None


def locate(config, custom_objects=None):
    """The class or function a saved config names (``{"module", "class_name", "config",
    "registered_name"}``), found as Keras finds it (_retrieve_class_or_fn in
    keras/src/saving/serialization_lib.py): the user's objects (``custom_objects``, a
    custom_object_scope, the registry), densekit's own at their Keras path, a function Keras 3.6
    and older saved by its bare name (module "builtins") though registered under a package, then
    the user's module that defines it. A TypeError in Keras's words when none has it."""
    is_function = config.get("class_name") == "function"
    name = config.get("config") if is_function else config.get("class_name")
    if not isinstance(name, str):
        raise TypeError(f"Expected the {'function' if is_function else 'class'} name to be a str. Full object config: "
                        f"{config}")
    registered = config.get("registered_name", name)
    for key in (name, registered) if is_function else (registered,):
        if isinstance(key, str) and key != "function" and get_registered_object(key, custom_objects) is not None:
            return get_registered_object(key, custom_objects)
    module = config.get("module")
    obj = keras_paths.densekit_object(module, name, is_function)
    if obj is None and is_function and module == "builtins" and ">" not in name:
        suffix = ">" + name
        for table in [custom_objects or {}, *(getattr(_scope, "stack", None) or []), _GLOBAL_CUSTOM_OBJECTS]:
            obj = next((o for key, o in table.items() if isinstance(key, str) and key.endswith(suffix)), obj)
    if obj is None:
        obj = _user_module_object(module, name)
    if obj is None:
        kind = "function" if is_function else "class"
        shown = {k: v for k, v in config.items() if k != "densekit_traced"}
        raise TypeError(f"Could not locate {kind} '{name}'. Make sure custom classes and functions are decorated with "
                        "`@keras.saving.register_keras_serializable()`. If they are already decorated, make sure they "
                        "are all imported so that the decorator is run before trying to load them. Full object config: "
                        f"{shown}")
    return obj


def retrieve_object(config, custom_objects=None):
    """The function, or an instance of the class, a ``serialize_object`` config names (``locate``)."""
    obj = locate(config, custom_objects)
    if isinstance(obj, types.FunctionType) or not isinstance(obj, type):
        return obj
    return obj.from_config(config.get("config") or {})
