"""save_model, load_model, save_weights, load_weights (keras/src/saving/saving_api.py): paths,
overwrite checks and the choice of format around the writers and readers.

Formats: a ``.keras`` path gets a Keras 3 archive and a ``.weights.h5`` path Keras's weights
layout (saving/keras_writer.py, which needs h5py: ``densekit[keras]``); any other path gets
densekit's native format (docs/format.md), written and read by the C++ core. Loading goes by
the file's content, not its name: a zip or HDF5 file is read as Keras's (saving/keras_files.py),
anything else as densekit's.
"""

import os
import shutil
import tempfile
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


def _require_built(model, what="it has no weights to save"):
    if model._core is None:
        raise ValueError(f"Model '{model.name}' has not been built yet, so {what}. Call it on data, fit it, or start "
                         "it with an Input first.")


def _check_overwrite(path, overwrite):
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"'{path}' exists and overwrite=False.")


def _check_save_arguments(path, kwargs):
    """Keras's save_model takes two more arguments through **kwargs and refuses any other, so a
    misspelt option fails instead of being dropped."""
    kwargs = dict(kwargs)
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", None)
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    if save_format:
        # The path alone says the format (Keras 3 deprecated save_format); Keras refuses the
        # argument only where it could not infer the format from the path.
        if not path.endswith((".keras",) + _HDF5_SUFFIXES):
            raise ValueError(f"save_format is deprecated (Keras 3) and the path says the format: remove "
                             f"save_format={save_format!r}. '{path}' gets densekit's format; a '.keras' path gets "
                             "a Keras archive.")
        warnings.warn(f"save_format={save_format!r} is ignored: the path says the format (Keras 3 deprecated the "
                      "argument).", UserWarning, stacklevel=4)
    # Keras drops the optimizer only from a legacy .h5 file, which densekit does not write; a
    # .keras archive keeps it whatever the argument says, in Keras as here.
    if not include_optimizer and not path.endswith(".keras"):
        raise ValueError(f"include_optimizer=False is not supported for '{path}': densekit's format always keeps "
                         "the compiled optimizer's state (Keras honours the argument only for legacy .h5 files, "
                         "which densekit does not write).")


def _is_keras_file(path):
    return os.path.isfile(path) and keras_reader.file_kind(path) is not None


def save_model(model, filepath, overwrite=True, zipped=None, warn=True, **kwargs):
    """Writes the whole model (atomically: a crash never leaves a half-written file): a Keras 3
    archive for a ``.keras`` path, densekit's format otherwise. Also ``densekit.models.save_model``."""
    if not hasattr(model, "_serialized"):  # not a densekit model (saving sits below models: no import)
        raise TypeError(f"save_model expects a densekit Model. Received: model={model!r:.100} of type {type(model)}")
    if zipped is False:
        raise ValueError("densekit writes a `.keras` model as a zip archive (Keras's default); `zipped=False`, "
                         "Keras's unzipped folder, is not supported.")
    if hasattr(filepath, "write"):  # a file object (io.BytesIO): a Keras 3 archive, as Keras writes there
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "model.keras")
            save_model(model, path, overwrite=True, warn=warn, **kwargs)
            with open(path, "rb") as archive:
                shutil.copyfileobj(archive, filepath)
        return
    path = _path(filepath)
    _check_save_arguments(path, kwargs)
    _require_built(model)
    keras_archive = path.endswith(".keras")

    def write():
        _check_overwrite(path, overwrite)
        if keras_archive:
            keras_writer.save_archive(model, path)
        else:
            _core.save_model(model._core, path)

    # Data-parallel training: process 0 writes, and every process returns once the file exists.
    distribution.shared_write(write)
    if warn and not keras_archive and distribution.writes_files():
        _warn_hdf5_suffix(path, "the whole model")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model file, checking it completely; restores the optimizer state when compile.
    Reads densekit's format, Keras 3 ``.keras`` archives and legacy Keras ``.h5`` model files,
    from a path or a file object (io.BytesIO) holding one."""
    if hasattr(filepath, "read"):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "model")
            with open(path, "wb") as copy:
                shutil.copyfileobj(filepath, copy)
            return load_model(path, custom_objects, compile, safe_mode)
    path = _path(filepath)
    with custom_object_scope(custom_objects):  # the user's losses and metrics a compiled file names
        if _is_keras_file(path):
            return keras_files.load_model(path, compile)
        return wrap_core_model(_core.load_model(path, compile))


def save_weights(model, filepath, overwrite=True, max_shard_size=None, *, warn=True, native=False):
    """Writes the weights (and the optimizer state): Keras's layout for a ``.weights.h5`` path,
    densekit's format otherwise (or always, with ``native=True``)."""
    if max_shard_size is not None:  # Keras then writes a .weights.json index and shards
        raise ValueError("densekit writes the weights as one file: `max_shard_size` is not supported. Received: "
                         f"max_shard_size={max_shard_size!r}")
    path = _path(filepath)
    if path.endswith(".keras") and not native:  # Keras refuses it too: the name promises a whole model
        raise ValueError("The filename must end in `.weights.h5` for Keras's weights file (or another suffix for "
                         "densekit's): a `.keras` file holds a whole model, which model.save() writes. Received: "
                         f"filepath={path}")
    _require_built(model)
    keras_layout = path.endswith(".weights.h5") and not native

    def write():
        _check_overwrite(path, overwrite)
        if keras_layout:
            keras_writer.save_weights(model, path)
        else:
            _core.save_weights(model._core, path)

    distribution.shared_write(write)  # as in save_model
    if warn and not keras_layout and distribution.writes_files():
        _warn_hdf5_suffix(path, "weights")


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Loads weights saved by densekit (save_weights or save) or by Keras (a ``.weights.h5``
    file, or the weights of a ``.keras`` or ``.h5`` model file). ``skip_mismatch``: layers (in
    Keras 3's layout) or weights (in the legacy .h5 layout and densekit's, which are matched in
    order) whose shape or count does not fit keep their values, with a warning, as in Keras."""
    _check_load_arguments(kwargs)
    _require_built(model, "there are no weights to load into")
    path = _path(filepath)
    if _is_keras_file(path):
        keras_files.load_weights(model, path, skip_mismatch)
        return
    skipped = _core.load_weights(model._core, path, skip_mismatch)
    if skipped:
        warnings.warn(f"'{path}': skip_mismatch=True: {len(skipped)} part(s) of the file do not fit the model and were "
                      f"not loaded (they keep their current values): {'; '.join(skipped)}.", UserWarning, stacklevel=3)


def _check_load_arguments(kwargs):
    """Keras's load_weights takes two legacy arguments through **kwargs and refuses any other."""
    kwargs = dict(kwargs)
    objects_to_skip = kwargs.pop("objects_to_skip", None)
    by_name = kwargs.pop("by_name", None)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    if objects_to_skip is not None:
        raise NotImplementedError("objects_to_skip is not supported by densekit's load_weights: every layer is "
                                  "loaded (skip_mismatch=True leaves those that do not fit as they are).")
    if by_name:
        raise NotImplementedError("by_name=True is not supported by densekit's load_weights: a legacy .h5 file's "
                                  "layers are matched to the model's in order, as Keras does by default.")

