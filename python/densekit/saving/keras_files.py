"""Keras files in, through densekit's native format: what a Keras file holds is translated into
a native model file (docs/format.md) in a temporary folder and built by the C++ loader, which
checks every shape and dtype and builds the whole model or nothing. So a Keras file loads
exactly as a densekit file would, and a refused one never leaves a partly loaded model behind.

The native file's own metadata (the model config as densekit writes it, the format version)
comes from the C++ writer: a model is first built from the Keras config with fresh weights and
written (read back only where the Keras file does not replace its tensors), and its tensors are
then replaced by the file's. Every shape is checked against that
template before a value is read; the values are then read one tensor at a time as the native
file is written (native_bytes.write_file), so the file's values are never all in memory at once
beside the loader's.
"""

import json
import os
import tempfile
import warnings

import numpy as np

from densekit import _core
from densekit.saving import (keras_compile_check, keras_graph, keras_layout, keras_nested_weights,
                             keras_optimizer_state, keras_reader, native_bytes, serialization_lib)

def _fill_layer_weights(template, keras_weights, source, skip=None):
    """The native layer tensors with the file's values, checked layer by layer against the
    template (the model's own weights, for their names, shapes and count). ``skip``: None
    refuses any mismatch; "layer" (skip_mismatch in Keras 3's layout, where Keras loads each
    layer whole or not at all) keeps the template's values of a layer that does not fit;
    "weight" (skip_mismatch in the legacy layout, where Keras sets weight by weight and still
    refuses a different count) keeps those of a weight whose shape does not fit. Returns the
    tensors and what was skipped, described. ``keras_weights``: keras_reader.StoredArrays, each
    read only once its declared dtype and shape are found to be the model's, so a file declaring
    a dataset of any size is refused (or skipped) without reading it (docs/security.md)."""
    out, skipped = {}, []
    expected = native_bytes.layer_tensors(template)
    for layer, names in expected.items():
        arrays = keras_weights.get(layer)
        if skip == "layer" and (not arrays or len(arrays) != len(names)):
            skipped.append(f"layer '{layer}': {len(arrays or [])} weights in the file, {len(names)} in the model")
            out.update({name: template[name] for name in names})
            continue
        if arrays is None:
            raise ValueError(f"{source} holds no weights for layer '{layer}', which has {len(names)}. Layers with "
                             f"weights in the file: {sorted(k for k, v in keras_weights.items() if v)}.")
        if len(arrays) != len(names):
            raise ValueError(f"{source}: layer '{layer}' has {len(arrays)} weights in the file; densekit's layer has "
                             f"{len(names)} ({[n.rpartition('/')[2] for n in names]}).")
        layer_out, reasons = {}, []
        for name, array in zip(names, arrays):
            if array.dtype.kind not in "fiub":
                raise ValueError(f"{source}: weight '{name}' holds {array.dtype} values, not numbers.")
            if array.shape != tuple(template[name].shape):
                reason = (f"weight '{name}' has shape {array.shape} in the file; the model expects "
                          f"{tuple(template[name].shape)}")
                if skip is None:
                    raise ValueError(f"{source}: {reason}.")
                reasons.append(reason)
                layer_out[name] = template[name]
            else:
                # read as the native file is written (Normalization's int64 count is F32 natively)
                layer_out[name] = native_bytes.Lazy(array, np.float32)
        if reasons and skip == "layer":
            skipped.append(f"layer '{layer}': {reasons[0]}")
            layer_out = {name: template[name] for name in names}
        else:
            skipped += reasons
        out.update(layer_out)
    extra = sorted(layer for layer, arrays in keras_weights.items() if arrays and layer not in expected)
    if extra:
        if skip != "layer":
            raise ValueError(f"{source} holds weights for layers the model does not have: {extra}.")
        # Keras 3 reads the groups of the model's own layers and never looks at the others.
        skipped.append(f"the file's weights for layers the model does not have, {extra}, were ignored")
    return out, skipped


def _by_position(keras_weights, expected, layer_order, source):
    """Keras's rule for the legacy layout (``load_weights_from_hdf5_group`` in
    keras/src/legacy/saving/legacy_h5_format.py): the file's layers that have weights, in order,
    go to the model's layers that have weights, in the order of Keras's ``model.layers``
    (``layer_order``), whatever their names. That is not the native file's order of ``expected``
    ({layer: tensor names}): a functional model's outputs, for one, come in reverse there."""
    expected = [layer for layer in layer_order if layer in expected]
    filled = [arrays for arrays in keras_weights.values() if arrays]
    if len(filled) != len(expected):
        raise ValueError(f"{source} holds weights for {len(filled)} layers; the model has {len(expected)} layers with "
                         f"weights ({list(expected)}).")
    return dict(zip(expected, filled))


def _optimizer_state(compile_config, paths, keras_vars, template, source,
                     outcome="it is compiled with a fresh optimizer"):
    """(native optimizer tensors, learning rate or None); empty (a fresh optimizer, with a
    warning, as Keras warns) when the file's variables do not fit this optimizer and model.
    Each variable is checked against its weight in ``template`` before it is read."""
    optimizer = compile_config.get("optimizer") or {}
    class_name, config = optimizer.get("class_name"), optimizer.get("config") or {}
    shapes = {name: array.shape for name, array in template.items()}
    state = keras_optimizer_state.to_native(class_name, config, paths, keras_vars, shapes, source)
    if state is None:
        warnings.warn(f"{source}: its {len(keras_vars)} optimizer variables do not match the model's {class_name} "
                      f"optimizer ({len(keras_optimizer_state.keras_order(class_name, config, paths))} expected); "
                      f"{outcome}.", UserWarning, stacklevel=4)
        return {}, None
    return state


def _with_source(source, build):
    """Runs ``build`` (a C++ call on the file's content), naming the file in any error."""
    try:
        return build()
    except (ValueError, TypeError, OSError) as error:
        raise type(error)(f"{source}: {error}") from error


def write_native(keras_file, folder, compile=True):
    """Writes the native model file holding the model of a read (open) Keras file into
    ``folder`` and returns its path. The template is built compiled when the file's compile
    config is wanted, so an unknown loss, metric or optimizer is refused here with the config
    reader's own message. The file's values are read one tensor at a time as they are written."""
    source = keras_file.source
    compile_config = keras_file.compile_config if compile else None
    serialized = dict(keras_file.serialized)
    if compile_config is not None:
        keras_compile_check.check(compile_config, source)
        serialized["compile_config"] = compile_config
    buildable = serialization_lib.readable_config_json(json.dumps(serialized), source)  # op nodes replayed
    template_core = _with_source(
        source, lambda: _core.model_from_config_json(buildable, compile_config is not None))
    template_path, path = os.path.join(folder, "template.dk"), os.path.join(folder, "model.dk")
    _core.save_model(template_core, template_path)
    metadata, template = native_bytes.unpack_file(template_path)
    tensors, _ = _fill_layer_weights(template, keras_file.layer_weights, source)
    if compile_config is not None and keras_file.optimizer_vars:
        paths = keras_layout.trainable_paths(template_core, serialized)
        # The optimizer as the template was compiled with it: a compile config without one (Keras's
        # .h5 writer takes it out of the model's own) means compile()'s default, RMSprop.
        compiled = json.loads(metadata["compile_config"])
        state, learning_rate = _optimizer_state(compiled, paths, keras_file.optimizer_vars, template, source)
        tensors.update(state)
        if learning_rate is not None:  # the variable's value: a callback may have changed the rate
            written = json.loads(metadata["compile_config"])
            written["optimizer"]["config"]["learning_rate"] = learning_rate
            metadata["compile_config"] = json.dumps(written)
    native_bytes.write_file(path, metadata, tensors)
    return path


def load_model(path, compile=True):
    """The model of a Keras ``.keras`` archive or legacy ``.h5`` model file, through a native
    file on disk: the C++ loader then holds the values once, beside the model it fills."""
    with tempfile.TemporaryDirectory(prefix="densekit-") as folder:
        with keras_reader.read_model_file(path) as keras_file:
            if _unbuilt_sequential(keras_file):
                return _rebuild_unbuilt(keras_file, compile)
            native_path = write_native(keras_file, folder, compile)
        core = _with_source(keras_file.source, lambda: _core.load_model(native_path, compile))
    return _with_source(keras_file.source, lambda: serialization_lib.wrap_core_model(core))


def _unbuilt_sequential(keras_file):
    """Whether the file holds a Sequential saved before it knew its input shape (Keras saves
    one, with a warning, and no weights: its first fit builds it)."""
    serialized = keras_file.serialized
    config = serialized.get("config") if isinstance(serialized.get("config"), dict) else {}
    return (serialized.get("class_name") == "Sequential" and not any(keras_file.layer_weights.values()) and
            not serialization_lib.model_class("Sequential").config_knows_input_shape(config))


def _rebuild_unbuilt(keras_file, compile):
    """The unbuilt Sequential the file describes, compiled as the file says when ``compile``."""
    model = _with_source(keras_file.source, lambda: serialization_lib.model_class("Sequential").from_config(
        keras_file.serialized["config"]))
    if compile and keras_file.compile_config is not None:
        keras_compile_check.check(keras_file.compile_config, keras_file.source)
        _with_source(keras_file.source, lambda: model.compile_from_config(keras_file.compile_config))
    return model


def load_weights(model, path, skip_mismatch=False):
    """Loads a Keras weights file (or a Keras model file's weights) into a built model, with the
    optimizer's state when the model is compiled and the file holds a state that fits it. All
    values are checked before any is set (the C++ weights loader does the setting).
    ``skip_mismatch``: what does not fit keeps its values, with one warning (see
    _fill_layer_weights for what Keras skips in each layout)."""
    core, source = model._core, f"'{path}'"
    own = json.loads(_core.model_config_json(core))
    # Keras's order of the layers names their groups in the file and orders the optimizer's
    # slots; densekit's graphs are flat (no nested models).
    serialized = keras_graph.in_keras_order(own)
    layers = keras_layout.config_layers(serialized)
    optimizer = (serialized.get("compile_config") or {}).get("optimizer")
    with keras_reader.read_weights_file(path, serialized["class_name"], layers, optimizer) as weights_file:
        learning_rate, skipped = _load_weights_file(core, weights_file, own, serialized, source, skip_mismatch)
    if learning_rate is not None and isinstance(model.optimizer._learning_rate, float):
        model.optimizer.learning_rate = learning_rate
    if skipped:
        warnings.warn(f"{source}: skip_mismatch=True: {len(skipped)} part(s) of the file could not be loaded and "
                      f"keep their current values: {'; '.join(skipped)}.", UserWarning, stacklevel=4)


def _load_weights_file(core, weights_file, own, serialized, source, skip_mismatch):
    """Sets what ``weights_file`` (open) holds on the model ``core``, whose config is ``own``
    (``serialized`` in Keras's layer order); (the learning rate read, or None, and what was
    skipped)."""
    keras_weights, optimizer_vars = weights_file.layer_weights, weights_file.optimizer_vars
    if weights_file.nesting is not None:
        # A nested model's optimizer slots follow its nesting: the inlined model's own order
        # (that of the file it was loaded from), where the file confirms it.
        serialized = own
        if optimizer_vars and not keras_nested_weights.in_nested_order(
                [name for name, _ in keras_layout.config_layers(own)], weights_file.nesting):
            warnings.warn(f"{source}: the model's layers are not in the order of the file's nested models, so its "
                          "optimizer variables cannot be paired with the model's weights; the optimizer's state is "
                          "left as it was.", UserWarning, stacklevel=5)
            optimizer_vars = None
    if weights_file.flat_model is not None:
        # The optimizer's variables follow the file's model with its nested models inlined, as
        # load_model of the same file pairs them.
        serialized = weights_file.flat_model
    with tempfile.TemporaryDirectory(prefix="densekit-") as folder:
        own_path, native_path = os.path.join(folder, "own.dk"), os.path.join(folder, "weights.dk")
        _core.save_weights(core, own_path)  # the model's own weights file: its layout and optimizer state
        metadata, template = native_bytes.unpack_file(own_path)
        if weights_file.positional:
            order = [name for name, _ in keras_layout.config_layers(serialized)]
            keras_weights = _by_position(keras_weights, native_bytes.layer_tensors(template), order, source)
        # positional and flat_model are set only for the legacy layout, whose mismatches Keras
        # skips weight by weight; Keras 3's layout skips whole layers.
        legacy = weights_file.positional or weights_file.flat_model is not None
        skip = ("weight" if legacy else "layer") if skip_mismatch else None
        tensors, skipped = _fill_layer_weights(template, keras_weights, source, skip)
        optimizer_tensors = {k: v for k, v in template.items() if k.startswith("optimizer/")}
        learning_rate = None
        if core.compiled and optimizer_vars:
            compile_config = json.loads(metadata["compile_config"])
            paths = keras_layout.trainable_paths(core, serialized)
            try:
                state, learning_rate = _optimizer_state(compile_config, paths, optimizer_vars, template, source,
                                                        "the model keeps its optimizer's own state")
            except keras_optimizer_state.SlotShapeError:
                if not skipped:
                    raise
                # A skipped weight's slots have the file's shape: the state as a whole stays
                # the model's own rather than half of it being replaced.
                state, learning_rate = {}, None
                skipped.append("the optimizer's state (its slots have the shapes of the skipped weights)")
            optimizer_tensors = state or optimizer_tensors
        elif optimizer_tensors and not legacy:  # (Keras 3 warns that it skips its optimizer's variables)
            warnings.warn(f"{source} holds no optimizer variables: the model's optimizer keeps the state of its "
                          f"{len(optimizer_tensors)} variables, from the training it has done.", UserWarning, stacklevel=5)
        tensors.update(optimizer_tensors)
        native_bytes.write_file(native_path, metadata, tensors)
        _with_source(source, lambda: _core.load_weights(core, native_path))
    return learning_rate, skipped
