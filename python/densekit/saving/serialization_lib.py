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
    if core.class_name != "Sequential":  # (Keras's Sequential.from_config does not read the flag)
        model.__dict__["_trainable"] = core.trainable  # (its layers' flags came with them)
    if core.compiled:
        config = json.loads(_core.model_config_json(core))
        model._adopt_compile(config["compile_config"], core.optimizer)
    return model


def model_from_bytes(data):
    """Unpickling: a model from save_model's bytes."""
    return wrap_core_model(_core.load_model_from_bytes(data, True))


def model_from_config(serialized):
    """A model from its Keras config (``to_json()``'s dict, or that JSON), compiled when the
    config holds a compile config."""
    json_string = serialized if isinstance(serialized, str) else json.dumps(serialized)
    return wrap_core_model(_core.model_from_config_json(readable_config_json(json_string), True))


def readable_config_json(json_string, source="The model config"):
    """A model's config JSON in the forms the C++ config reader takes, Keras 3's with one flat
    graph, as load_model() reads Keras files: tf.keras 2.x's inbound nodes in Keras 3's form
    (keras2_config.py; Keras 3's Model.from_config reads both), a functional model's op nodes
    recorded as densekit's layers (keras_op_nodes.py), nested models (a model used as a layer)
    replaced by their layers (keras_nested.py). Anything else, malformed JSON included, goes to
    the C++ reader as it is, which names what is wrong. ``source`` names the config in errors."""
    from densekit.saving import keras2_config, keras_nested, keras_op_nodes

    try:
        serialized = json.loads(json_string)
    except (ValueError, RecursionError):  # not JSON, or nested past Python's limit: the C++ reader says so
        return json_string
    config = serialized.get("config") if isinstance(serialized, dict) else None
    layers = config.get("layers") if isinstance(config, dict) else None
    if not isinstance(layers, list):
        return json_string
    nested = (all(isinstance(e, dict) for e in layers) and
              any(e.get("class_name") in keras_nested.NESTED for e in layers))
    if keras_op_nodes.has_op_nodes(config):
        # As load_model() reads a file: nested models inlined into one graph, then the ops replayed.
        serialized = _inlined(serialized, source) if nested else serialized
        if serialized.get("class_name") != "Sequential":
            serialized["config"] = keras_op_nodes.replayed_config(serialized["config"], source,
                                                                  model_class("Functional"))
            return json.dumps(serialized)
    if not all(isinstance(e, dict) for e in layers):
        return json_string
    try:
        serialized = keras2_config.keras3_model_config(serialized)
    except (KeyError, TypeError, AttributeError, IndexError, RecursionError) as error:
        raise ValueError(f"{source} does not follow the Keras schema: a layer's inbound nodes are malformed "
                         f"({type(error).__name__}: {error}).") from None
    return json.dumps(_inlined(serialized, source) if nested else serialized)


def _inlined(serialized, source):
    from densekit.saving import keras_nested

    try:
        serialized, _ = keras_nested.inline(serialized, source)
    except (KeyError, TypeError, AttributeError, IndexError, RecursionError) as error:  # it expects Keras's forms
        raise ValueError(f"{source} does not follow the Keras schema: a nested model in it is malformed "
                         f"({type(error).__name__}: {error}).") from None
    return serialized
