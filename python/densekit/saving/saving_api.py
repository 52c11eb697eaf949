"""save_model, load_model, save_weights, load_weights (keras/src/saving/saving_api.py): paths,
overwrite checks and the choice of format around the writers and readers.

Formats: a ``.keras`` path gets a Keras 3 archive and a ``.weights.h5`` path Keras's weights
layout (saving/keras_writer.py, which needs h5py: ``densekit[keras]``); any other path gets
densekit's native format (docs/format.md), written and read by the C++ core. Loading goes by
the file's content, not its name: a zip or HDF5 file is read as Keras's (saving/keras_files.py),
anything else as densekit's.
"""

import os
import warnings

from densekit import _core, distribution
from densekit.saving import keras_files, keras_reader, keras_writer
from densekit.utils.object_registration import custom_object_scope
from densekit.saving.serialization_lib import wrap_core_model

_HDF5_SUFFIXES = (".h5", ".hdf5")


def _path(filepath):
    path = os.fspath(filepath)
    if os.path.isdir(path):
        raise IsADirectoryError(f"'{path}' is a directory: densekit saves a model to one file. Pass a file path, "
                                "for example 'model.dk' or 'model.keras'.")
    return path


def _warn_hdf5_suffix(path, what):
    if path.endswith(_HDF5_SUFFIXES):
        warnings.warn(
            f"densekit wrote its own format to '{path}' ({what}; a safetensors file, see docs/format.md), not Keras's "
            "legacy HDF5 layout: Keras cannot open it, densekit can. To hand the model to Keras, save it as "
            "'model.keras' (or its weights as 'model.weights.h5').", UserWarning, stacklevel=3)


def _require_built(model):
    if model._core is None:
        raise ValueError(f"Model '{model.name}' has not been built yet, so it has no weights to save. Call it on "
                         "data, fit it, or start it with an Input first.")


def _check_overwrite(path, overwrite):
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"'{path}' exists and overwrite=False.")


def _is_keras_file(path):
    return os.path.isfile(path) and keras_reader.file_kind(path) is not None


def save_model(model, filepath, overwrite=True, zipped=None, warn=True, **kwargs):
    """Writes the whole model (atomically: a crash never leaves a half-written file): a Keras 3
    archive for a ``.keras`` path, densekit's format otherwise. Also ``densekit.models.save_model``."""
    if not hasattr(model, "_serialized"):  # not a densekit model (saving sits below models: no import)
        raise TypeError(f"save_model expects a densekit Model. Received: model={model!r:.100} of type {type(model)}")
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported by densekit's save_model: {list(kwargs)}")
    path = _path(filepath)
    _require_built(model)
    if not distribution.writes_files():  # data-parallel training: process 0 writes
        return
    _check_overwrite(path, overwrite)
    if path.endswith(".keras"):
        keras_writer.save_archive(model, path)
        return
    _core.save_model(model._core, path)
    if warn:
        _warn_hdf5_suffix(path, "the whole model")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model file, checking it completely; restores the optimizer state when compile.
    Reads densekit's format, Keras 3 ``.keras`` archives and legacy Keras ``.h5`` model files."""
    path = _path(filepath)
    with custom_object_scope(custom_objects):  # the user's losses and metrics a compiled file names
        if _is_keras_file(path):
            return wrap_core_model(keras_files.load_model(path, compile))
        return wrap_core_model(_core.load_model(path, compile))


def save_weights(model, filepath, overwrite=True, warn=True, native=False):
    """Writes the weights (and the optimizer state): Keras's layout for a ``.weights.h5`` path,
    densekit's format otherwise (or always, with ``native=True``)."""
    path = _path(filepath)
    _require_built(model)
    if not distribution.writes_files():
        return
    _check_overwrite(path, overwrite)
    if path.endswith(".weights.h5") and not native:
        keras_writer.save_weights(model, path)
        return
    _core.save_weights(model._core, path)
    if warn:
        _warn_hdf5_suffix(path, "weights")


def load_weights(model, filepath):
    """Loads weights saved by densekit (save_weights or save) or by Keras (a ``.weights.h5``
    file, or the weights of a ``.keras`` or ``.h5`` model file)."""
    _require_built(model)
    path = _path(filepath)
    if _is_keras_file(path):
        keras_files.load_weights(model, path)
        return
    _core.load_weights(model._core, path)
