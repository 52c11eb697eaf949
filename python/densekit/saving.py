"""Saving and loading models in densekit's native format (docs/format.md): one safetensors
file with the architecture, weights, compile settings and optimizer state. The format is
implemented once, in C++; these functions only arrange paths and Python objects."""

import json
import os
import warnings

from densekit import _core

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


def model_from_bytes(data):
    """Unpickling: a model from save_model's bytes."""
    return wrap_core_model(_core.load_model_from_bytes(data, True))


def wrap_core_model(core):
    """The Python model for a C++ model (loaded from a file or built from a config): a Sequential,
    or a functional model (which is also how subclassed models are saved: as the graph their
    call() traced, since a file cannot hold their Python class)."""
    from densekit.models.functional import Functional
    from densekit.models.sequential import Sequential

    model = (Sequential if core.class_name == "Sequential" else Functional)._from_core(core)
    if core.compiled:
        config = json.loads(_core.model_config_json(core))
        model._adopt_compile(config["compile_config"], core.optimizer)
    return model
