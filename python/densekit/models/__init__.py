"""Models: Sequential (and Model, their base)."""

from densekit import saving
from densekit.models import functional  # noqa: F401  (registers Functional for loading)
from densekit.models.cloning import clone_model
from densekit.models.model import Model
from densekit.models.sequential import Sequential
from densekit.saving import load_model, save_model  # Keras exports save_model under both names

__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]


def model_from_json(json_string, custom_objects=None):
    """Rebuilds a model from ``to_json()`` (compiled when the JSON holds a compile config); the
    user's losses, metrics and functions it names are found in ``custom_objects`` too."""
    if isinstance(json_string, (bytes, bytearray)):
        json_string = json_string.decode("utf-8")
    elif not isinstance(json_string, (str, dict)):  # a dict: a config already parsed
        raise TypeError(f"`json_string` must be a JSON string (from model.to_json()). Received an object of type "
                        f"{type(json_string).__name__}: {json_string!r:.100}")
    with saving.CustomObjectScope(custom_objects):
        return saving.model_from_config(json_string)
