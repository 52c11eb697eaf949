"""Optimizers: each family in its own module, as in keras/src/optimizers/; the arguments every
optimizer shares in base_optimizer.py; validation and the update rules in C++."""

from densekit.optimizers import schedules
from densekit.optimizers.adadelta import Adadelta
from densekit.optimizers.adagrad import Adagrad
from densekit.optimizers.adam import Adam
from densekit.optimizers.adamax import Adamax
from densekit.optimizers.adamw import AdamW
from densekit.optimizers.base_optimizer import LearningRateValue, Optimizer
from densekit.optimizers.ftrl import Ftrl
from densekit.optimizers.lamb import Lamb
from densekit.optimizers.lion import Lion
from densekit.optimizers.nadam import Nadam
from densekit.optimizers.rmsprop import RMSprop
from densekit.optimizers.sgd import SGD
from densekit.utils import object_serialization

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lamb", "Lion", "Nadam", "LearningRateValue",
           "Optimizer", "RMSprop", "deserialize", "get", "schedules", "serialize"]


_CLASSES = {cls.__name__.lower(): cls for cls in [SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Ftrl,
                                                   Lion, Lamb]}


def serialize(optimizer):
    """keras.optimizers.serialize: the optimizer's Keras config."""
    return object_serialization.serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """An optimizer from its saved config ({"class_name": "Adam", "config": {...}}); built-in
    class names in any case, as Keras reads them."""
    if isinstance(config, dict) and str(config.get("class_name", "")).lower() in _CLASSES:
        config = {**config, "class_name": config["class_name"].lower()}
    elif isinstance(config, str) and config.lower() in _CLASSES:
        config = config.lower()
    return object_serialization.deserialize_named(config, custom_objects, _CLASSES, (Optimizer,), "optimizer")


def _wrap(core, config):
    """The Python optimizer for a loaded C++ optimizer (its slots, iteration count and
    schedule, restored in C++)."""
    optimizer = deserialize(config)
    optimizer._core = core
    return optimizer


def get(identifier):
    """A fresh optimizer for a name (case-insensitive), or the instance given; None for None,
    as Keras's get (compile() then refuses it)."""
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _CLASSES:
        return _CLASSES[identifier.lower()]()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. "
                     f"Valid names are: {', '.join(_CLASSES)}.")
