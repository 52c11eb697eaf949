"""Registering custom objects by name (keras/src/saving/object_registration.py): what
``register_keras_serializable`` and ``custom_objects`` make findable when a saved config names a
loss, metric or layer of the user's own code."""

import functools
import importlib
import importlib.util
import inspect
import os
import site
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


def function_config(name):
    """How Keras writes a function it finds again by name: its own, or one registered (as
    ``"package>name"``)."""
    return {"module": "builtins", "class_name": "function", "config": name, "registered_name": "function"}


def serialize_object(obj):
    """``obj`` as a config inside another's (a wrapper's ``fn``, a layer's function arguments):
    a function by its registered name (its own when not registered), densekit's own functions as
    Keras writes its own (module "builtins"), the user's with the module that defines it (where
    densekit finds it again, as Keras would with custom_objects); an object by its class and
    get_config()."""
    if isinstance(obj, type) or not hasattr(obj, "get_config"):
        name = get_registered_name(obj)
        if keras_paths.is_exported_function(obj):
            return function_config(name)
        return {"module": getattr(obj, "__module__", None), "class_name": "function", "config": name,
                "registered_name": name}
    public = keras_paths.public_path(type(obj))  # densekit's own classes under Keras's module
    if public is not None:
        return {"module": public[0], "class_name": public[1], "config": obj.get_config(), "registered_name": None}
    return {"module": type(obj).__module__, "class_name": type(obj).__name__, "config": obj.get_config(),
            "registered_name": get_registered_name(type(obj))}


@functools.lru_cache(maxsize=None)
def _library_folders():
    """Where Python's standard library and installed packages live."""
    paths = sysconfig.get_paths()
    folders = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if paths.get(key)}
    if hasattr(site, "getsitepackages"):  # some virtualenvs' site module lacks them
        folders.update(site.getsitepackages() + [site.getusersitepackages()])
    return tuple(os.path.join(os.path.realpath(f), "") for f in folders)


def _users_code(module):
    """Whether ``module`` is the user's own code: the script run (``__main__``; ``__mp_main__``
    in a worker process) or a module file outside Python's library and the installed packages
    (numpy, pandas, ... are not, nor densekit or Keras). Nothing is imported to decide."""
    if module in ("__main__", "__mp_main__"):
        return True
    if module.split(".")[0] in ("densekit", "keras") or module in sys.builtin_module_names:
        return False
    loaded = sys.modules.get(module)
    try:
        origin = getattr(loaded, "__file__", None) if loaded is not None else \
            getattr(importlib.util.find_spec(module), "origin", None)
    except (ImportError, ValueError):  # find_spec imports the parent packages, which may fail
        return False
    if not origin or not os.path.isfile(origin):
        return False
    return not os.path.realpath(origin).startswith(_library_folders())


def _user_module_object(module, name):
    """A function or class of the user's own code that a config names by the module defining it
    (imported when not yet: Keras asks for them to be imported; densekit imports the user's
    module for them). Only the user's code (_users_code) is searched: a config never reaches
    eval, os.system, numpy.load or a densekit internal."""
    if not isinstance(module, str) or not _users_code(module):
        return None
    try:
        loaded = sys.modules.get(module) or importlib.import_module(module)
    except ImportError:
        return None
    if module == "__main__" and "__mp_main__" in sys.modules:  # a spawned worker: the script is __mp_main__
        loaded = sys.modules["__mp_main__"]
    obj = vars(loaded).get(name)
    if getattr(obj, "__module__", None) not in (module, loaded.__name__):
        return None
    return obj if isinstance(obj, types.FunctionType) or (isinstance(obj, type) and hasattr(obj, "from_config")) else None


def locate(config, custom_objects=None):
    """The class or function a saved config names (``{"module", "class_name", "config",
    "registered_name"}``), in the order Keras looks (_retrieve_class_or_fn in
    keras/src/saving/serialization_lib.py): the user's objects (``custom_objects``, a
    custom_object_scope, the registry), densekit's own at their Keras path, a function Keras 3.6
    and older saved by its bare name (module "builtins") though registered under a package; then,
    beyond Keras, the user's own module that defines it. A TypeError in Keras's words when none
    has it."""
    is_function = config.get("class_name") == "function"
    name = config.get("config") if is_function else config.get("class_name")
    if not isinstance(name, str):
        raise TypeError(f"Expected the {'function' if is_function else 'class'} name to be a str. Full object config: "
                        f"{config}")
    registered = config.get("registered_name", name)
    for key in (name, registered) if is_function else (registered,):
        found = get_registered_object(key, custom_objects) if isinstance(key, str) and key != "function" else None
        if found is not None:
            return found
    module = config.get("module")
    obj = keras_paths.densekit_object(module, name, is_function)
    if obj is None and is_function and module == "builtins" and ">" not in name:
        suffix = ">" + name
        tables = [custom_objects or {}, *reversed(getattr(_scope, "stack", None) or []), _GLOBAL_CUSTOM_OBJECTS]
        obj = next((o for table in tables for key, o in table.items() if isinstance(key, str) and key.endswith(suffix)),
                   None)
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


def with_function(config, key="fn"):
    """A copy of ``config`` whose ``key`` (a function saved as a dict: a wrapper's ``fn``) is the
    function itself."""
    config = dict(config)
    if isinstance(config.get(key), dict):
        config[key] = retrieve_object(config[key])
    return config


def retrieve_object(config, custom_objects=None):
    """The function, or an instance of the class, a ``serialize_object`` config names (``locate``)."""
    obj = locate(config, custom_objects)
    if isinstance(obj, types.FunctionType) or not isinstance(obj, type):
        return obj
    if not hasattr(obj, "from_config"):
        raise TypeError(f"Unable to reconstruct an instance of '{obj.__name__}' because the class is missing a "
                        f"`from_config()` method. Full object config: {config}")
    return obj.from_config(config.get("config") or {})
