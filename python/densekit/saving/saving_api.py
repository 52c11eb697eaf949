"""save_model, load_model, save_weights, load_weights (keras/src/saving/saving_api.py): paths,
overwrite checks and warnings around the C++ core, which writes and reads the format."""

import os
import warnings

from densekit import _core
from densekit.saving.serialization_lib import wrap_core_model

_KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


def _path(filepath):
    path = os.fspath(filepath)
    if os.path.isdir(path):
        raise IsADirectoryError(f"'{path}' is a directory: densekit saves a model to one file. Pass a file path, "
                                "for example 'model.dk'.")
    return path


def _warn_keras_suffix(path, what):
    if path.endswith(_KERAS_SUFFIXES):
        warnings.warn(
            f"densekit wrote its own format to '{path}' ({what}; a safetensors file, see docs/format.md), not a Keras "
            "zip/HDF5 archive: Keras cannot open it, densekit can. To move the model to Keras, rebuild it there with "
            "keras.models.model_from_json(model.to_json()) and copy the weights with get_weights()/set_weights().",
            UserWarning, stacklevel=3)


def _require_built(model):
    if model._core is None:
        raise ValueError(f"Model '{model.name}' has not been built yet, so it has no weights to save. Call it on "
                         "data, fit it, or start it with an Input first.")


def save_model(model, filepath, overwrite=True, warn=True):
    """Writes the whole model (atomically: a crash never leaves a half-written file)."""
    path = _path(filepath)
    _require_built(model)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"'{path}' exists and overwrite=False.")
    _core.save_model(model._core, path)
    if warn:
        _warn_keras_suffix(path, "the whole model")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model file, checking it completely; restores the optimizer state when compile."""
    return wrap_core_model(_core.load_model(_path(filepath), compile))


def save_weights(model, filepath, overwrite=True, warn=True):
    path = _path(filepath)
    _require_built(model)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"'{path}' exists and overwrite=False.")
    _core.save_weights(model._core, path)
    if warn and not path.endswith(".weights.h5"):
        _warn_keras_suffix(path, "weights")


def load_weights(model, filepath):
    _require_built(model)
    _core.load_weights(model._core, _path(filepath))
