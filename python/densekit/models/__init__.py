"""Models: Sequential (and Model, their base)."""

import json

from densekit import _core, saving
from densekit.models import functional  # noqa: F401  (registers Functional for loading)
from densekit.models.cloning import clone_model
from densekit.models.model import Model
from densekit.models.sequential import Sequential
from densekit.saving import load_model, save_model  # Keras exports save_model under both names

__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]


def model_from_json(json_string, custom_objects=None):
    """Rebuilds a model from ``to_json()`` (compiled when the JSON holds a compile config)."""
    if isinstance(json_string, (bytes, bytearray)):
        json_string = json_string.decode("utf-8")
    elif isinstance(json_string, dict):  # a config already parsed
        json_string = json.dumps(json_string)
    elif not isinstance(json_string, str):
        raise TypeError(f"`json_string` must be a JSON string (from model.to_json()). Received an object of type "
                        f"{type(json_string).__name__}: {json_string!r:.100}")
    return saving.wrap_core_model(_core.model_from_config_json(_nested_models_inlined(json_string), True))


def _nested_models_inlined(json_string):
    """The JSON with its nested models (a model used as a layer) replaced by their layers, as
    load_model() reads them from Keras files (saving/keras_nested.py). Anything else, malformed
    JSON included, goes to the C++ reader as it is, which names what is wrong."""
    try:
        serialized = json.loads(json_string)
    except (ValueError, RecursionError):  # not JSON, or nested past Python's limit: the C++ reader says so
        return json_string
    config = serialized.get("config") if isinstance(serialized, dict) else None
    layers = config.get("layers") if isinstance(config, dict) else None
    from densekit.saving import keras_nested

    if not isinstance(layers, list) or not any(isinstance(e, dict) and e.get("class_name") in keras_nested.NESTED
                                               for e in layers):
        return json_string
    try:
        flat, _ = keras_nested.inline(serialized, "the model config")
    except (KeyError, TypeError, AttributeError, IndexError, RecursionError) as error:  # it expects what Keras writes
        raise ValueError(f"The model config does not follow the Keras schema: a nested model in it is malformed "
                         f"({type(error).__name__}: {error}).") from None
    return json.dumps(flat)
