"""Models: Sequential (and Model, their base)."""

import json

from densekit import _core, saving
from densekit.models import functional  # noqa: F401  (registers Functional for loading)
from densekit.models.model import Model
from densekit.models.sequential import Sequential
from densekit.saving import load_model

__all__ = ["Model", "Sequential", "load_model", "model_from_json"]


def model_from_json(json_string, custom_objects=None):
    """Rebuilds a model from ``to_json()`` (compiled when the JSON holds a compile config)."""
    return saving.wrap_core_model(_core.model_from_config_json(json_string if isinstance(json_string, str)
                                                               else json.dumps(json_string), True))
