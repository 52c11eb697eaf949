"""The Python model around a C++ model built from a file, bytes or a config: a Sequential, or a
functional model (which is also how subclassed models are saved: as the graph their call()
traced, since a file cannot hold their Python class).

The model classes register themselves here (``register_model_class``), as Keras finds classes
by their registered names (keras/src/saving/object_registration.py). So this package never
imports densekit.models, and models and callbacks can import it.
"""

import json

from densekit import _core

_model_classes = {}  # the class name a model file records -> the Python model class


def model_class(name):
    """The model class registered for ``name`` ("Sequential", "Functional"), or None."""
    return _model_classes.get(name)


def register_model_class(name):
    """Class decorator: the class wraps C++ models whose recorded class name is ``name``."""
    def register(cls):
        _model_classes[name] = cls
        return cls
    return register


def wrap_core_model(core):
    """The Python model for a C++ model (loaded from a file or built from a config)."""
    cls = _model_classes["Sequential" if core.class_name == "Sequential" else "Functional"]
    model = cls._from_core(core)
    if core.compiled:
        config = json.loads(_core.model_config_json(core))
        model._adopt_compile(config["compile_config"], core.optimizer)
    return model


def model_from_bytes(data):
    """Unpickling: a model from save_model's bytes."""
    return wrap_core_model(_core.load_model_from_bytes(data, True))
