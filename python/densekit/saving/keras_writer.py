"""Writing Keras 3's layouts: ``model.save("m.keras")`` as the zip archive Keras's
``load_model`` opens (keras/src/saving/saving_lib.py: ``metadata.json``, ``config.json``,
``model.weights.h5``, stored uncompressed, in that order), and ``save_weights("w.weights.h5")``
as that archive's h5 on its own.

The values come from densekit's native file written to bytes by the C++ core (the model's
Keras config, its weights and the optimizer's state), so Python only re-files them; the
config densekit writes is already Keras's schema. Both files are written to a temporary file
beside the target and renamed over it, so a failure never leaves a partial file at the path.
"""

import datetime
import itertools
import json
import os
import shutil
import stat
import tempfile
import zipfile

import numpy as np

from densekit import _core
from densekit.saving import keras_graph, keras_layout, keras_op_nodes, keras_optimizer_state, native_bytes
from densekit.utils.object_serialization import fit_seeds

# The Keras version whose archive layout this writer follows and was checked against (its
# load_model opens what is written here); recorded in metadata.json as Keras records its own.
KERAS_LAYOUT_VERSION = "3.15.1"


def _integer_weights(core):
    """Native names of the weights Keras keeps as integers (Normalization's count)."""
    graph, out = core.graph, set()
    for node in graph.nodes:
        if node[0] is not None:
            out.update(f"{node[0].name}/{info[0]}" for info in graph.weight_info(node[0]) if info[4])
    return out


def _write_weights_h5(model, serialized, folder):
    """Writes Keras 3's weights file for ``model`` into ``folder`` and returns its path: layer
    variables under their attribute paths, the optimizer's variables (when compiled) under
    ``optimizer/vars``. The values are read from the native file's bytes where the C++ writer
    left them and go straight to disk, so the file is in memory once (it was three times: the
    bytes, their copy for Python, the HDF5 file built in memory)."""
    h5py = keras_layout.import_h5py()
    core = model._core
    target = os.path.join(folder, "model.weights.h5")
    _, tensors = native_bytes.unpack(_core.save_model_to_buffer(core))
    integers = _integer_weights(core)
    with h5py.File(target, "w") as h5file:
        paths = keras_layout.weight_paths(serialized["class_name"], keras_layout.config_layers(serialized))
        by_layer = native_bytes.layer_tensors(tensors)
        for layer_name, path in paths:
            group = h5file.create_group(f"{path}/vars")
            group.attrs["name"] = layer_name
            for index, name in enumerate(by_layer.get(layer_name, [])):
                value = tensors[name].astype(np.int64) if name in integers else tensors[name]
                group.create_dataset(str(index), data=value)
        h5file.create_group("vars").attrs["name"] = model.name  # the model's own variables: none
        compile_config = serialized.get("compile_config")
        if compile_config is not None:
            optimizer = compile_config["optimizer"]
            values = keras_optimizer_state.from_native(
                optimizer["class_name"], optimizer["config"], keras_layout.trainable_paths(core, serialized), tensors,
                float(model.optimizer.learning_rate))
            group = h5file.create_group("optimizer/vars")
            group.attrs["name"] = optimizer["config"].get("name", "optimizer")
            for index, value in enumerate(values):
                group.create_dataset(str(index), data=value)
    return target


def serialized_for_keras(model):
    """The model as a .keras archive's config.json holds it: seeds Keras can use, and for a
    functional model Keras's build config and Keras's order of the layers (the order Keras names
    the weights' groups in)."""
    serialized = fit_seeds(json.loads(_core.model_config_json(model._core)))
    if serialized.get("class_name") == "Functional":
        serialized.setdefault("build_config", {"input_shape": None})  # as Keras writes a functional model's
        serialized = keras_graph.in_keras_order(serialized)
        serialized["config"] = keras_op_nodes.as_keras_op_nodes(serialized["config"])
    return serialized


_temporary_names = itertools.count()


def _write_atomically(path, write):
    """Calls ``write(file)`` on a temporary file beside ``path``, flushes it to disk and renames
    it over ``path`` (as the native writer does: docs/format.md, "Writing"), so the path holds
    the old file or the whole new one, never a part. A symbolic link is written through, the old
    file's permissions (and owner, where allowed) are kept, and a device or pipe is written in
    place: the path behaves as it does for any program that writes to it."""
    target = os.path.realpath(path)
    try:
        old = os.stat(target)
    except FileNotFoundError:
        old = None
    if old is not None and not stat.S_ISREG(old.st_mode) and not stat.S_ISDIR(old.st_mode):
        with open(target, "wb") as f:
            write(f)
        return
    folder, name = os.path.split(target)
    short = name.encode()[:200].decode(errors="ignore")  # the temporary name must fit a directory entry too
    temporary = os.path.join(folder, f".{short}.tmp-{os.getpid()}-{next(_temporary_names)}")
    try:
        with _create(temporary, path) as f:
            if old is not None:
                if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
                    try:  # the owner first: changing it may clear set-id bits, which the mode restores
                        os.fchown(f.fileno(), old.st_uid, old.st_gid)
                    except OSError:
                        pass
                os.fchmod(f.fileno(), stat.S_IMODE(old.st_mode))
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    if hasattr(os, "O_DIRECTORY"):  # the rename itself, on disk (POSIX)
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _create(temporary, path):
    """The temporary file, opened for writing. Its name is densekit's own business: an error
    (a folder that does not exist, one that may not be written) names ``path``, the file asked
    for, as the native writer's do."""
    try:
        return open(temporary, "wb")
    except OSError as error:
        raise type(error)(error.errno, f"Cannot write the model file: {error.strerror}", os.fspath(path)) from None


def save_archive(model, path):
    """Writes ``model`` as a Keras 3 ``.keras`` archive."""
    serialized = serialized_for_keras(model)
    metadata = {"keras_version": KERAS_LAYOUT_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "densekit_version": _core.__version__}
    with tempfile.TemporaryDirectory(prefix="densekit-") as folder:
        weights = _write_weights_h5(model, serialized, folder)

        def write(f):
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as archive:
                archive.writestr("metadata.json", json.dumps(metadata))
                archive.writestr("config.json", json.dumps(serialized))
                archive.write(weights, "model.weights.h5")

        _write_atomically(path, write)


def save_weights(model, path):
    """Writes ``model``'s weights (and optimizer state) in Keras 3's ``.weights.h5`` layout."""
    with tempfile.TemporaryDirectory(prefix="densekit-") as folder:
        weights = _write_weights_h5(model, serialized_for_keras(model), folder)

        def write(f):
            with open(weights, "rb") as source:
                shutil.copyfileobj(source, f, 1 << 20)

        _write_atomically(path, write)
