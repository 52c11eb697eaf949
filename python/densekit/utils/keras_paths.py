"""densekit's public objects by their Keras paths: the class ``keras.losses.MeanSquaredError``
is ``densekit.losses.MeanSquaredError``, the function a config names "relu" is
``densekit.activations.relu``. Saved configs name objects this way (serialize_keras_object in
keras/src/saving/serialization_lib.py, which finds Keras's own through its exported names).

Only the names a module exports (``__all__``) are found, and functions only in the modules that
hold losses, activations and the like: a config never reaches ``load_model``, a module, or
densekit's helpers (``get``, ``is_python``). The modules are imported by name when first needed, so this module, below
them, imports none of them.
"""

import functools
import importlib
import types

# Keras's public modules and densekit's; the first naming a class is its canonical path ("keras",
# the top level, last: Keras writes keras.layers.InputLayer, not keras.InputLayer).
PUBLIC_MODULES = (
    ("keras.layers", "densekit.layers"), ("keras.losses", "densekit.losses"), ("keras.metrics", "densekit.metrics"),
    ("keras.optimizers", "densekit.optimizers"), ("keras.optimizers.schedules", "densekit.optimizers.schedules"),
    ("keras.initializers", "densekit.initializers"), ("keras.regularizers", "densekit.regularizers"),
    ("keras.constraints", "densekit.constraints"), ("keras.models", "densekit.models"),
    ("keras.activations", "densekit.activations"), ("keras", "densekit"),
)
# Where a function saved by its name alone is looked up (Keras's BUILTIN_MODULES).
FUNCTION_MODULES = ("keras.activations", "keras.constraints", "keras.initializers", "keras.losses", "keras.metrics",
                    "keras.optimizers", "keras.regularizers")
# Keras's other names for losses (keras/src/losses/__init__.py) and metrics.
LOSS_ALIASES = ("mse", "mae", "mape", "msle", "kld", "bce", "MSE", "MAE", "MAPE", "MSLE", "KLD", "BCE")
METRIC_ALIASES = {"mse": "MeanSquaredError", "mae": "MeanAbsoluteError", "mape": "MeanAbsolutePercentageError",
                  "msle": "MeanSquaredLogarithmicError"}
# A module's own functions and densekit's helpers, not objects a config names.
_HELPERS = ("get", "serialize", "deserialize", "is_python", "LearningRateValue")


def _module(keras_module):
    name = dict(PUBLIC_MODULES).get(keras_module)
    return importlib.import_module(name) if name else None


@functools.lru_cache(maxsize=None)
def exported(keras_module):
    """{name: object} a module exports (its ``__all__``, with Keras's aliases), helpers aside."""
    module = _module(keras_module)
    if module is None:
        return {}
    names = [n for n in getattr(module, "__all__", ()) if n not in _HELPERS]
    if keras_module == "keras.losses":
        names += LOSS_ALIASES
    table = {n: getattr(module, n) for n in names if hasattr(module, n)}
    if keras_module == "keras.metrics":
        table.update({alias: table[cls] for alias, cls in METRIC_ALIASES.items() if cls in table})
    return table


@functools.lru_cache(maxsize=None)
def _canonical_paths():
    paths = {}
    for keras_module, _ in PUBLIC_MODULES:
        for name, obj in exported(keras_module).items():
            if isinstance(obj, type) and obj.__module__.startswith("densekit") and obj.__name__ == name:
                paths.setdefault(obj, (keras_module, name))
    return paths


def public_path(cls):
    """(Keras module, class name) of one of densekit's public classes, else None."""
    return _canonical_paths().get(cls)


def _keras_module_of(module):
    """The public Keras module a config's module names: itself, densekit's of the same name, or
    for Keras's private paths (keras.src.metrics.regression_metrics) the public module of that
    package; None for another module."""
    if not isinstance(module, str):
        return None
    if module.startswith("densekit"):
        module = "keras" + module[len("densekit"):]
    if module in dict(PUBLIC_MODULES):
        return module
    if module.startswith("keras.src."):
        parts = module.split(".")
        if parts[2] == "optimizers" and "schedules" in parts:
            return "keras.optimizers.schedules"
        candidate = f"keras.{parts[2]}"
        return candidate if candidate in dict(PUBLIC_MODULES) else "keras"
    return None


def densekit_object(module, name, is_function):
    """densekit's class or function a config names by ``module`` and ``name``, or None."""
    if is_function:
        modules = FUNCTION_MODULES if module == "builtins" else [m for m in [_keras_module_of(module)]
                                                                 if m in FUNCTION_MODULES]
        for keras_module in modules:
            obj = exported(keras_module).get(name)
            if isinstance(obj, types.FunctionType):
                return obj
        return None
    keras_module = _keras_module_of(module)
    if keras_module is None:
        return None
    obj = exported(keras_module).get(name)
    if obj is None and module.startswith("keras.src."):  # a private path Keras moved: the public class of the name
        obj = next((cls for cls, (_, n) in _canonical_paths().items() if n == name), None)
    return obj if isinstance(obj, type) else None


def is_exported_function(obj):
    """Whether ``obj`` is one of the functions densekit exports where Keras looks functions up
    by name (keras.losses.mean_squared_error, keras.activations.relu)."""
    name = getattr(obj, "__name__", None)
    return isinstance(obj, types.FunctionType) and any(exported(m).get(name) is obj for m in FUNCTION_MODULES)
