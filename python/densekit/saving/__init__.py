"""Saving and loading models in densekit's native format (docs/format.md): one safetensors
file with the architecture, weights, compile settings and optimizer state. The format is
implemented once, in C++; this package only arranges paths and Python objects.

saving_api.py: save_model, load_model, save_weights, load_weights (what users call).
serialization_lib.py: the Python model around a loaded C++ model; the model classes register
there, so this package never imports densekit.models (which, with callbacks, imports it).
"""

from densekit.saving.saving_api import load_model, load_weights, save_model, save_weights
from densekit.saving.serialization_lib import model_from_bytes, wrap_core_model

__all__ = ["load_model", "load_weights", "model_from_bytes", "save_model", "save_weights", "wrap_core_model"]
