"""Reading what Keras writes, into plain Python values (no densekit model yet):

- a Keras 3 ``.keras`` archive: a zip of ``metadata.json``, ``config.json`` and
  ``model.weights.h5`` (keras/src/saving/saving_lib.py);
- a legacy HDF5 model, written by tf.keras 2.x or by Keras 3's ``model.save("m.h5")``: the
  ``model_config`` and ``training_config`` attributes, ``model_weights/<layer>`` groups whose
  ``weight_names`` attribute lists the layer's datasets in order, and ``optimizer_weights``
  (keras/src/legacy/saving/legacy_h5_format.py);
- a weights-only file: Keras 3's ``.weights.h5`` (the archive's h5 on its own) or the legacy
  layout (``layer_names`` at the root).

Anything malformed becomes an OSError or a ValueError that names the file; nothing is executed.

Weights are not read here: a few KB of HDF5 can declare a terabyte dataset (a chunked one
whose chunks were never written), so each dataset comes back as a StoredArray, its declared
shape and dtype, and is read only once keras_files.py has found them to be the model's
(docs/security.md: sizes are checked before memory is allocated). The readers are context
managers, so the file stays open for that.
"""

import contextlib
import json
import os
import tempfile
import warnings
import zipfile
import zlib

import numpy as np

from densekit.saving import keras2_config, keras2_optimizer_state, keras_layout, keras_nested, keras_nested_weights
from densekit.saving.keras_layout import KerasFileError

_ZIP_MAGIC = b"PK\x03\x04"
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_MAX_MEMBER_BYTES = 1 << 31  # 2 GiB: larger members of a dense model's archive are a damaged (or hostile) zip
_MAX_JSON_BYTES = 64 << 20


class KerasModelFile:
    """What a Keras model file holds: the serialized model (``class_name``, ``config``), the
    compile config in Keras 3's form (or None), each layer's weight arrays by layer name, and
    the optimizer's variables in Keras's order (or None)."""

    def __init__(self, source, serialized, compile_config, layer_weights, optimizer_vars):
        self.source, self.serialized, self.compile_config = source, serialized, compile_config
        self.layer_weights, self.optimizer_vars = layer_weights, optimizer_vars


class _Reading:
    """Turns the errors of zipfile, h5py and json on a damaged file into ones that name it."""

    def __init__(self, source):
        self.source = source

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None or isinstance(error, (ImportError, KerasFileError)):
            return False
        if isinstance(error, OSError):
            raise OSError(f"{self.source} could not be read as a Keras file: {error}") from error
        if isinstance(error, (ValueError, KeyError, TypeError, AttributeError, IndexError, EOFError, RuntimeError,
                              OverflowError, NotImplementedError, zipfile.BadZipFile, zlib.error,
                              UnicodeDecodeError)):
            raise KerasFileError(f"{self.source} is not a readable Keras file ({type(error).__name__}: {error}). It is "
                                 "damaged, truncated, or not what its name says.") from error
        return False


class StoredArray:
    """A dataset of a Keras weights file, not read yet: its declared ``shape`` (None for an
    empty dataspace) and ``dtype``, for the caller to compare with the model's first."""

    def __init__(self, dataset, source):
        self.name, self.source = dataset.name, source
        self.shape = None if dataset.shape is None else tuple(dataset.shape)
        self.dtype = dataset.dtype
        self._dataset = dataset

    def read(self):
        """The values, as a numpy array (the file must still be open). A dataset whose values live
        in other files (HDF5's external storage, virtual datasets) is refused: reading it would
        put some other local file's bytes into the weights."""
        with _Reading(f"{self.source} (dataset '{self.name}')"):
            if self._dataset.external or self._dataset.is_virtual:
                raise KerasFileError(f"{self.source}: dataset '{self.name}' keeps its values in other files; densekit "
                                     "reads weights only from the file it is given.")
            return np.asarray(self._dataset[()])


def file_kind(path):
    """"zip", "hdf5" or None, from the file's first bytes (not its name)."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(_ZIP_MAGIC):
        return "zip"
    if head == _HDF5_MAGIC:
        return "hdf5"
    return None


def _json(data, what, source):
    if len(data) > _MAX_JSON_BYTES:
        raise KerasFileError(f"{source}: {what} is {len(data)} bytes, more than any dense model's config.")
    value = json.loads(data)
    if not isinstance(value, dict):
        raise KerasFileError(f"{source}: {what} is not a JSON object.")
    return value


def _member_info(archive, name, source, limit):
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise KerasFileError(f"{source} is a zip without '{name}', so not a Keras 3 model archive (members: "
                             f"{archive.namelist()[:10]}).") from None
    if info.file_size > limit:
        raise _too_large(name, info.file_size, limit, source)
    return info


def _member(archive, name, source, limit=_MAX_MEMBER_BYTES):
    """A member's bytes, refused when it is (or says it is) larger than ``limit``: a compressed
    member's size is known only from its header, and a small archive can inflate to gigabytes."""
    info = _member_info(archive, name, source, limit)
    with archive.open(info) as member:
        data = member.read(limit + 1)  # bounded: the header's size can lie (the CRC-32 is checked at its end)
    if len(data) > limit:
        raise _too_large(name, len(data), limit, source)
    return data


def _extracted(archive, name, source, open_files, limit=_MAX_MEMBER_BYTES):
    """The path of a member copied to a temporary folder (removed with ``open_files``), in blocks
    and refused past ``limit`` as _member refuses it: h5py then reads the weights from disk, not
    from a copy of the whole file in memory."""
    info = _member_info(archive, name, source, limit)
    folder = open_files.enter_context(tempfile.TemporaryDirectory(prefix="densekit-"))
    target, copied = os.path.join(folder, os.path.basename(name)), 0
    with archive.open(info) as member, open(target, "wb") as out:
        while block := member.read(1 << 20):
            copied += len(block)
            if copied > limit:  # (the header's size can lie; the CRC-32 is checked at the member's end)
                raise _too_large(name, copied, limit, source)
            out.write(block)
    return target


def _too_large(name, size, limit, source):
    if limit == _MAX_JSON_BYTES:
        return KerasFileError(f"{source}: {name} is {size} bytes, more than any dense model's config.")
    return KerasFileError(f"{source}: '{name}' claims {size} bytes: a damaged archive.")


def _store_vars(group, source):
    """The StoredArrays of a Keras 3 ``vars`` group, datasets "0", "1", ... in that order."""
    if group is None:
        return []
    keys = sorted(group.keys(), key=int)
    if keys != [str(i) for i in range(len(keys))]:
        raise ValueError(f"the variables of '{group.name}' are not numbered 0..{len(keys) - 1}: {keys}")
    return [StoredArray(group[k], source) for k in keys]


def read_store_weights(h5file, layers_by_path, source):
    """{layer name: StoredArrays} and the optimizer's variables (or None) from Keras 3's weights
    layout. ``layers_by_path``: (layer name, group path) pairs from keras_layout.weight_paths."""
    weights = {}
    for name, path in layers_by_path:
        group = h5file.get(f"{path}/vars")
        weights[name] = _store_vars(group, source)
    optimizer = h5file.get("optimizer/vars")
    return weights, (_store_vars(optimizer, source) if optimizer is not None else None)


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def read_legacy_weights(group, source, nested=None):
    """{layer name: StoredArrays} of the legacy layout (``layer_names`` / ``weight_names`` attributes).
    A nested model's group holds all its layers' weights; ``nested`` (nested model name -> its
    layers' names) shares them out by the layer name in each weight's name ("block/dense/kernel")."""
    weights = {}
    for layer_name in (_text(n) for n in group.attrs["layer_names"]):
        layer_group = group[layer_name]
        names = [_text(n) for n in layer_group.attrs["weight_names"]]
        arrays = [StoredArray(layer_group[n], source) for n in names]
        if nested and layer_name in nested:
            for name, array in zip(names, arrays):
                parts = [part.split(":")[0] for part in name.split("/")]
                owner = next((p for p in reversed(parts[:-1]) if p in nested[layer_name]), None)
                if owner is None:
                    raise ValueError(f"weight '{name}' of nested model '{layer_name}' names none of its layers "
                                     f"{nested[layer_name]}.")
                weights.setdefault(owner, []).append(array)
        else:
            weights[layer_name] = arrays
    return weights


def read_legacy_optimizer(h5file, source, optimizer):
    """The optimizer's variables of a legacy model file in Keras 3's order, or None. Keras 3's
    writer lists them as ``<optimizer>/iteration``, ``<optimizer>/learning_rate``, then the
    slots in build order; tf.keras 2.x's two layouts are put in that order by
    keras2_optimizer_state.py, for ``optimizer`` (the compile config's ``class_name`` and
    ``config``: the optimizer the variables are for)."""
    group = h5file.get("optimizer_weights")
    if group is None or "weight_names" not in group.attrs:
        return None
    names = [_text(n) for n in group.attrs["weight_names"]]
    values = [StoredArray(group[n], source) for n in names]
    if not keras2_optimizer_state.is_keras2_layout(names):
        return values
    if optimizer is None:  # load_weights into a model that is not compiled: no optimizer to map onto
        return None
    ordered = keras2_optimizer_state.to_keras3_order(optimizer.get("class_name"), optimizer.get("config") or {},
                                                     names, values)
    if ordered is None:
        warnings.warn(f"{source}: its tf.keras 2.x optimizer variables ({names[:3]} ...) are not those of the "
                      f"{optimizer.get('class_name')} optimizer densekit has for this model; it is compiled with a "
                      "fresh optimizer (its learning rate and other settings do come across).",
                      UserWarning, stacklevel=6)  # past the readers' context managers, to the caller of load_*
    return ordered


@contextlib.contextmanager
def read_model_file(path):
    """A KerasModelFile from a ``.keras`` archive or a legacy ``.h5`` model file (by content),
    whose StoredArrays can be read until the ``with`` block ends."""
    source = f"'{path}'"
    kind = file_kind(path)
    if kind is None:
        raise KerasFileError(f"{source} is neither a Keras 3 archive (a zip) nor an HDF5 file.")
    read = _read_archive if kind == "zip" else _read_legacy_model
    with contextlib.ExitStack() as open_files:
        with _Reading(source):
            model_file = read(path, source, open_files)
        yield model_file  # outside _Reading: the caller's own errors are not the file's


def _read_archive(path, source, open_files):
    h5py = keras_layout.import_h5py()
    archive = open_files.enter_context(zipfile.ZipFile(path))
    metadata = _json(_member(archive, "metadata.json", source, _MAX_JSON_BYTES), "metadata.json", source)
    keras_layout.check_keras_version(metadata.get("keras_version"), source)
    serialized = _json(_member(archive, "config.json", source, _MAX_JSON_BYTES), "config.json", source)
    keras_layout.check_supported(serialized, source)
    if "model.weights.h5" not in archive.namelist():
        other = [n for n in archive.namelist() if n.startswith("model.weights")]
        raise KerasFileError(f"{source} has no model.weights.h5 (it has {other}): densekit reads archives whose "
                             "weights are one HDF5 file, as model.save() writes them by default.")
    weights_path = _extracted(archive, "model.weights.h5", source, open_files)
    paths = keras_layout.store_paths(serialized["class_name"], serialized["config"]["layers"])
    h5file = _opened_h5(h5py, weights_path, source, open_files)
    weights, optimizer_vars = read_store_weights(h5file, paths, source)
    # An uncompiled model's can be {}: Keras compiles only from a non-empty one
    # (deserialize_keras_object in keras/src/saving/serialization_lib.py).
    compile_config = serialized.pop("compile_config", None) or None
    flat, _ = keras_nested.inline(serialized, source)  # the weights were read by their nested paths
    return KerasModelFile(source, flat, compile_config, weights, optimizer_vars)


def _read_legacy_model(path, source, open_files):
    h5py = keras_layout.import_h5py()
    h5file = _opened_h5(h5py, path, source, open_files)
    if "model_config" not in h5file.attrs:
        raise KerasFileError(f"{source} is an HDF5 file without a model config: a weights-only file? Build the "
                             "model and call model.load_weights() on it.")
    keras_layout.check_keras_version(h5file.attrs.get("keras_version"), source)
    serialized = _json(_text(h5file.attrs["model_config"]), "model_config", source)
    keras_layout.check_supported(serialized, source)
    flat, nested = keras_nested.inline(keras2_config.keras3_model_config(serialized), source)
    training = h5file.attrs.get("training_config")
    compile_config = (keras2_config.compile_config(_json(_text(training), "training_config", source), source)
                      if training is not None else None)
    weights = read_legacy_weights(h5file["model_weights"], source, nested)
    optimizer_vars = (read_legacy_optimizer(h5file, source, compile_config["optimizer"])
                      if compile_config is not None else None)
    return KerasModelFile(source, flat, compile_config, weights, optimizer_vars)


def _opened_h5(h5py, path, source, open_files):
    """The HDF5 file at ``path``, open until ``open_files`` closes, refused as Keras refuses it
    when a group links elsewhere (keras/src/saving/saving_lib.py): through an external or soft
    link, the weights would be read from another file, or another place of this one."""
    h5file = open_files.enter_context(h5py.File(path, "r"))
    pending, seen = [h5file], set()
    while pending:
        group = pending.pop()
        for name in group:
            link = group.get(name, getlink=True)
            if isinstance(link, (h5py.ExternalLink, h5py.SoftLink)):
                raise KerasFileError(f"{source}: Not allowed: H5 file with {type(link).__name__} "
                                     f"('{group.name.rstrip('/')}/{name}'). densekit reads weights stored in the file.")
            item = group.get(name)
            if isinstance(item, h5py.Group) and item.id not in seen:
                seen.add(item.id)
                pending.append(item)
    return h5file


class KerasWeightsFile:
    """What a weights file holds for a model: each layer's arrays by layer name, the optimizer's
    variables in Keras's order (or None); ``positional``: the legacy layout, whose layers Keras
    matches to the model's by order, not name; ``nesting``: a Keras 3 file of a model with
    nested models, its members (keras_nested_weights.py), or None; ``flat_model``: a legacy
    model file with nested models, its model inlined (whose layer order is that of the
    optimizer's variables), or None."""

    def __init__(self, layer_weights, optimizer_vars, positional=False, nesting=None, flat_model=None):
        self.layer_weights, self.optimizer_vars = layer_weights, optimizer_vars
        self.positional, self.nesting, self.flat_model = positional, nesting, flat_model


def _nested_legacy_model(h5file, source):
    """(the inlined model config, {nested model name: its layers' names}) of a legacy model
    file whose model holds nested models, or None (no model config, or no nested model)."""
    if "model_config" not in h5file.attrs:
        return None
    serialized = _json(_text(h5file.attrs["model_config"]), "model_config", source)
    keras_layout.check_supported(serialized, source)
    flat, nested = keras_nested.inline(keras2_config.keras3_model_config(serialized), source)
    return (flat, nested) if nested else None


@contextlib.contextmanager
def read_weights_file(path, model_class, layers, optimizer=None):
    """A KerasWeightsFile from a weights-only file (Keras 3's layout or the legacy one) or from
    the weights of a whole-model file, for a model of class ``model_class`` whose ``layers`` are
    (name, class name) pairs, its StoredArrays readable until the ``with`` block ends.
    ``optimizer``: the compiled model's optimizer (compile config form), which a tf.keras 2.x
    state is mapped to."""
    source = f"'{path}'"
    kind = file_kind(path)
    if kind is None:
        raise KerasFileError(f"{source} is neither an HDF5 weights file nor a Keras 3 archive.")
    h5py = keras_layout.import_h5py()
    with contextlib.ExitStack() as open_files:
        with _Reading(source):
            if kind == "zip":
                with zipfile.ZipFile(path) as archive:
                    data = _extracted(archive, "model.weights.h5", source, open_files)
            else:
                data = path
            h5file = _opened_h5(h5py, data, source, open_files)
            weights_file = _weights_of(h5file, source, model_class, layers, optimizer)
        yield weights_file  # outside _Reading: the caller's own errors are not the file's


def _weights_of(h5file, source, model_class, layers, optimizer):
    keras_layout.check_keras_version(h5file.attrs.get("keras_version"), source)
    if keras_nested_weights.is_nested(h5file):
        datasets, nesting = keras_nested_weights.read(h5file, layers, source)
        weights = {name: [StoredArray(d, source) for d in group] for name, group in datasets.items()}
        return KerasWeightsFile(weights, read_store_weights(h5file, [], source)[1], nesting=nesting)
    if "layers" in h5file or "vars" in h5file:
        return KerasWeightsFile(*read_store_weights(h5file, keras_layout.weight_paths(model_class, layers), source))
    group = h5file["model_weights"] if "model_weights" in h5file else h5file
    if "layer_names" not in group.attrs:
        raise KerasFileError(f"{source} is an HDF5 file in no Keras weights layout densekit knows (no 'layers' "
                             "group, no 'layer_names' attribute).")
    nested = _nested_legacy_model(h5file, source)
    if nested is not None:
        # Keras gives the file's top-level layers to the model's by order and recurses
        # into nested models (load_weights_from_hdf5_group in
        # keras/src/legacy/saving/legacy_h5_format.py). densekit's model has no nested
        # models to recurse into: their groups are shared out to the inlined layers by
        # the layer names in the weights' names, and every layer is matched by name.
        flat, groups = nested
        return KerasWeightsFile(read_legacy_weights(group, source, groups),
                                read_legacy_optimizer(h5file, source, optimizer), flat_model=flat)
    return KerasWeightsFile(read_legacy_weights(group, source), read_legacy_optimizer(h5file, source, optimizer),
                            positional=True)
