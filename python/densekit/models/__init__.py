"""Models: Sequential (and Model, their base)."""

from densekit.models.model import Model
from densekit.models.sequential import Sequential

__all__ = ["Model", "Sequential"]
