"""Keras files densekit cannot or must not load: unsupported content (a layer class densekit does
not have, a custom object, a subclassed model, a functional model nested in a Sequential
without an input shape, a newer Keras), damaged files (truncated, corrupted, malformed members) and a missing h5py. Each
gives a clear OSError, ValueError or ImportError naming the problem, never a crash and never a
partly loaded model; a failed write leaves the previous file in place."""

import io
import os
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

h5py = pytest.importorskip("h5py", reason="Keras files need h5py (pip install 'densekit[keras]')")

import densekit as keras  # noqa: E402
from file_helpers import edit_json, rewrite_archive  # noqa: E402

KERAS_DIR = Path(__file__).resolve().parent.parent / "data" / "keras"


def edit_layer(index, **fields):
    return edit_json(lambda config: config["config"]["layers"][index].update(fields))


# --- unsupported content --------------------------------------------------------------------------
@pytest.mark.parametrize("fields, message", [
    ({"class_name": "Conv2D"}, r"layer 'hidden' \(Conv2D\) is a layer class densekit does not have\. densekit "
                               r"loads these Keras layers: Activation, .*Add, .*Dense"),
    ({"module": "my_package", "registered_name": "my_package>MyDense"}, r"'hidden' \(Dense\) is a custom layer"),
])
def test_unsupported_layers_are_refused_by_name(fields, message, tmp_path):
    path = rewrite_archive(KERAS_DIR / "mlp.keras", tmp_path / "m.keras", config=edit_layer(1, **fields))
    with pytest.raises(ValueError, match=message):
        keras.models.load_model(path)


def test_a_functional_model_in_a_sequential_without_an_input_layer_is_refused(tmp_path):
    """densekit wires the Sequential as a functional graph from its InputLayer's shape."""
    path = rewrite_archive(KERAS_DIR / "seq_nested.keras", tmp_path / "m.keras", config=edit_json(
        lambda c: c["config"].update(layers=[e for e in c["config"]["layers"] if e["class_name"] != "InputLayer"])))
    with pytest.raises(ValueError, match="Sequential model 'seq_nested' holds a functional model but has no "
                                         "InputLayer"):
        keras.models.load_model(path)


def test_a_subclassed_model_is_refused(tmp_path):
    path = rewrite_archive(KERAS_DIR / "mlp.keras", tmp_path / "m.keras",
                           config=edit_json(lambda c: c.update(class_name="MyModel", module="my_package")))
    with pytest.raises(ValueError, match="class 'MyModel' .*subclassed"):
        keras.models.load_model(path)


def test_a_custom_activation_is_refused_naming_the_file(tmp_path):
    custom = {"module": "builtins", "class_name": "function", "config": "my_activation", "registered_name": "function"}
    path = rewrite_archive(KERAS_DIR / "mlp.keras", tmp_path / "m.keras",
                           config=edit_json(lambda c: c["config"]["layers"][1]["config"].update(activation=custom)))
    with pytest.raises(ValueError, match="m.keras"):
        keras.models.load_model(path)


def test_a_custom_loss_is_refused_unless_compile_is_false(tmp_path):
    path = rewrite_archive(KERAS_DIR / "mlp.keras", tmp_path / "m.keras",
                           config=edit_json(lambda c: c["compile_config"].update(loss="my_loss")))
    with pytest.raises(ValueError, match="my_loss"):
        keras.models.load_model(path)
    assert not keras.models.load_model(path, compile=False).compiled


def test_a_metric_setting_densekit_does_not_compute_is_refused_in_a_keras3_archive(tmp_path):
    """Keras 3.15's compile config for ``metrics=[keras.metrics.AUC(curve="PRGAIN")]``: densekit's AUC
    computes ROC and PR curves only, so the file is refused rather than another AUC reported as 'auc'."""
    auc = {"module": "keras.metrics", "class_name": "AUC", "registered_name": None, "config": {
        "name": "auc", "dtype": "float32", "num_thresholds": 200, "curve": "PRGAIN", "summation_method": "interpolation",
        "multi_label": False, "num_labels": None, "label_weights": None, "from_logits": False}}
    path = rewrite_archive(KERAS_DIR / "mlp.keras", tmp_path / "m.keras",
                           config=edit_json(lambda c: c["compile_config"].update(metrics=[auc])))
    with pytest.raises(ValueError, match=r"m\.keras': metric 'auc' \(AUC\) has curve='PRGAIN'"):
        keras.models.load_model(path)
    for curve in ("ROC", "PR"):
        auc["config"]["curve"] = curve
        path = rewrite_archive(KERAS_DIR / "mlp.keras", tmp_path / f"{curve}.keras",
                               config=edit_json(lambda c: c["compile_config"].update(metrics=[auc])))
        loaded = keras.models.load_model(path)
        assert [core.curve for cores in loaded._compiled_metrics for core in cores] == [curve]


def test_a_newer_keras_is_refused(tmp_path):
    path = rewrite_archive(KERAS_DIR / "mlp.keras", tmp_path / "m.keras",
                           metadata=edit_json(lambda m: m.update(keras_version="4.0.0")))
    with pytest.raises(ValueError, match="written by Keras 4.0.0; densekit reads files of Keras 3.x"):
        keras.models.load_model(path)
    h5 = tmp_path / "m.h5"
    h5.write_bytes((KERAS_DIR / "mlp.h5").read_bytes())
    with h5py.File(h5, "r+") as f:
        f.attrs["keras_version"] = "5.1"
    with pytest.raises(ValueError, match="Keras 5.1"):
        keras.models.load_model(h5)


# --- damaged files ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["two_inputs.keras", "two_inputs.h5"])
def test_truncated_files_give_clean_errors(name, tmp_path):
    data = (KERAS_DIR / name).read_bytes()
    for length in (8, 100, len(data) // 3, len(data) // 2, len(data) - 100, len(data) - 1):
        path = tmp_path / f"cut{length}{Path(name).suffix}"
        path.write_bytes(data[:length])
        with pytest.raises((OSError, ValueError)):
            keras.models.load_model(path)


def test_a_corrupted_archive_member_fails_its_checksum(tmp_path):
    data = bytearray((KERAS_DIR / "mlp.keras").read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside model.weights.h5
    path = tmp_path / "m.keras"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="not a readable Keras file .*CRC"):
        keras.models.load_model(path)


@pytest.mark.parametrize("edit, message", [
    ({"config": lambda data: data[:-10]}, "not a readable Keras file"),
    ({"config": lambda data: b"[1, 2]"}, "config.json is not a JSON object"),
    ({"drop": ("model.weights.h5",)}, "has no model.weights.h5"),
    ({"drop": ("metadata.json",)}, "without 'metadata.json'"),
    ({"weights": lambda data: data[:200]}, "could not be read"),
])
def test_malformed_archive_members_give_clean_errors(edit, message, tmp_path):
    path = rewrite_archive(KERAS_DIR / "mlp.keras", tmp_path / "m.keras", **edit)
    with pytest.raises((OSError, ValueError), match=message):
        keras.models.load_model(path)


@pytest.mark.parametrize("error", [OverflowError("Python int too large to convert to C ssize_t"),
                                   KeyError("vars"), TypeError("not a dataset"), RuntimeError("h5py")])
def test_readers_errors_become_clean_errors_naming_the_file(error):
    """What h5py and zipfile raise on damaged content (OverflowError came from a fuzzed
    model.weights.h5 whose dataset header claimed an impossible size)."""
    from densekit.saving.keras_reader import _Reading

    with pytest.raises(ValueError, match="'m.keras' is not a readable Keras file"):
        with _Reading("'m.keras'"):
            raise error


def h5_without(source, target, path_to_delete=None, replace=None):
    target.write_bytes(source.read_bytes())
    with h5py.File(target, "r+") as f:
        if path_to_delete:
            del f[path_to_delete]
        if replace:
            del f[replace[0]]
            f.create_dataset(replace[0], data=replace[1])
    return target


def test_weights_files_missing_a_layer_or_of_another_shape_are_refused(tmp_path):
    model = keras.models.load_model(KERAS_DIR / "mlp.keras")
    before = model.get_weights()
    missing = h5_without(KERAS_DIR / "mlp.weights.h5", tmp_path / "a.weights.h5", "layers/dense_1/vars")
    with pytest.raises(ValueError, match="layer 'hidden_2' has 0 weights in the file; densekit's layer has 2"):
        model.load_weights(missing)
    wrong = h5_without(KERAS_DIR / "mlp.weights.h5", tmp_path / "b.weights.h5",
                       replace=("layers/dense_2/vars/0", np.zeros((5, 1), "float32")))
    with pytest.raises(ValueError, match=r"'out/kernel' has shape \(5, 1\) in the file; the model expects \(4, 1\)"):
        model.load_weights(wrong)
    text = h5_without(KERAS_DIR / "mlp.weights.h5", tmp_path / "c.weights.h5",
                      replace=("layers/dense/vars/1", np.array([b"x"] * 8)))
    with pytest.raises(ValueError, match="weight 'hidden/bias' holds .* values, not numbers"):
        model.load_weights(text)
    for a, b in zip(model.get_weights(), before):  # nothing was loaded
        np.testing.assert_array_equal(a, b)


def test_dtype_policies_other_than_float32_are_refused(tmp_path):
    policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "mixed_float16"}, "registered_name": None}
    path = rewrite_archive(KERAS_DIR / "mlp.keras", tmp_path / "m.keras",
                           config=edit_json(lambda c: c["config"]["layers"][2]["config"].update(dtype=policy)))
    with pytest.raises(ValueError, match=r"layer 'dropout' \(Dropout\) computes in mixed_float16; densekit computes in "
                                         "float32 only"):
        keras.models.load_model(path)


def test_legacy_weights_go_to_layers_by_position_as_keras_does(tmp_path):
    """tf.keras 2.x's save_weights layout at the file's root; another model's layer names."""
    model = keras.models.load_model(KERAS_DIR / "mlp.keras")
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [b"dense_7", b"dropout_3", b"dense_8", b"dense_9"]
        for layer, source in zip(["dense_7", "dropout_3", "dense_8", "dense_9"], model.layers):
            group = f.create_group(layer)
            group.attrs["weight_names"] = [f"{layer}/{w.name}:0".encode() for w in source.weights]
            for w in source.weights:
                group.create_dataset(f"{layer}/{w.name}:0", data=w.numpy() + 1)
    model.load_weights(path)
    np.testing.assert_array_equal(model.layers[-1].get_weights()[1], 1 + keras.models.load_model(
        KERAS_DIR / "mlp.keras").layers[-1].get_weights()[1])
    with h5py.File(path, "r+") as f:
        f.attrs["layer_names"] = [b"dense_7", b"dropout_3", b"dense_8"]
    with pytest.raises(ValueError, match="holds weights for 2 layers; the model has 3 layers with weights"):
        model.load_weights(path)


def test_a_legacy_weights_file_is_not_a_model(tmp_path):
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [b"hidden"]
    with pytest.raises(ValueError, match="without a model config: a weights-only file"):
        keras.models.load_model(path)


def test_any_other_file_goes_to_densekits_loader(tmp_path):
    path = tmp_path / "m.keras"
    path.write_bytes(b"not a model at all, neither zip nor HDF5")
    with pytest.raises(OSError, match="not a valid densekit model file"):
        keras.models.load_model(path)


# --- h5py missing; atomic writes ------------------------------------------------------------------------
def test_without_h5py_keras_files_ask_for_the_extra(monkeypatch, tmp_path):
    model = keras.models.load_model(KERAS_DIR / "mlp.keras")
    monkeypatch.setitem(sys.modules, "h5py", None)  # makes `import h5py` fail
    for action in (lambda: keras.models.load_model(KERAS_DIR / "mlp.keras"),
                   lambda: keras.models.load_model(KERAS_DIR / "mlp.h5"),
                   lambda: model.save(tmp_path / "m.keras"),
                   lambda: model.save_weights(tmp_path / "m.weights.h5"),
                   lambda: model.load_weights(KERAS_DIR / "mlp.weights.h5")):
        with pytest.raises(ImportError, match=r"pip install 'densekit\[keras\]'"):
            action()
    with pytest.raises(ImportError, match=r"densekit\[keras\]"):  # before training, not after an epoch
        keras.callbacks.ModelCheckpoint(str(tmp_path / "best.keras"))
    keras.callbacks.ModelCheckpoint(str(tmp_path / "best.h5"))  # densekit's format: no h5py needed
    model.save(tmp_path / "m.dk")  # densekit's own format needs no h5py
    assert sorted(os.listdir(tmp_path)) == ["m.dk"]


def test_a_failed_write_leaves_the_previous_file(monkeypatch, tmp_path):
    model = keras.models.load_model(KERAS_DIR / "mlp.keras")
    path = tmp_path / "m.keras"
    model.save(path)
    good = path.read_bytes()
    original = zipfile.ZipFile.write

    def fail_on_weights(self, filename, arcname=None, *args, **kwargs):  # (the weights member, added from disk)
        if arcname == "model.weights.h5":
            raise OSError("disk full (simulated)")
        return original(self, filename, arcname, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "write", fail_on_weights)
    with pytest.raises(OSError, match="simulated"):
        model.save(path)
    assert path.read_bytes() == good and sorted(os.listdir(tmp_path)) == ["m.keras"]
    monkeypatch.undo()
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        assert archive.testzip() is None


@pytest.mark.parametrize("where", ["a layer's call", "output_layers"])
def test_a_reference_to_a_second_output_of_a_layer_is_refused(where, tmp_path):
    """Each layer gives one output: ["dense", 0, 1] comes from a damaged file (Keras refuses it
    too); it was read as output 0."""
    def damage(config):
        if where == "output_layers":
            config["config"]["output_layers"][2] = 1
        else:
            config["config"]["layers"][2]["inbound_nodes"][0]["args"][0]["config"]["keras_history"][2] = 1
    path = rewrite_archive(KERAS_DIR / "layer_zoo.keras", tmp_path / "m.keras", config=edit_json(damage))
    with pytest.raises(ValueError, match=r"m\.keras.*refers to output 1 of layer .*which gives only one output"):
        keras.models.load_model(path)


def test_a_registered_activation_of_the_users_is_named_as_such(tmp_path):
    registered = {"module": "builtins", "class_name": "function", "config": "my>scaled_tanh",
                  "registered_name": "function"}
    path = rewrite_archive(KERAS_DIR / "mlp.keras", tmp_path / "m.keras",
                           config=edit_json(lambda c: c["config"]["layers"][1]["config"].update(activation=registered)))
    with pytest.raises(ValueError, match=r"m\.keras.*'my>scaled_tanh' is a function of the user's, registered"):
        keras.models.load_model(path)


@pytest.mark.parametrize("damage, message", [
    (lambda c: c["config"]["layers"][1]["config"].update(units=None), r"Dense layer 'hidden' has no `units` \(missing or null\)"),
    (lambda c: c["config"].update(output_layers=c["config"]["input_layers"]), r"m\.keras.*Output 0 of the model is its input")])
def test_a_null_units_or_an_input_as_output_is_refused_naming_the_file(damage, message, tmp_path):
    source = "mlp.keras" if "units" in message else "layer_zoo.keras"
    path = rewrite_archive(KERAS_DIR / source, tmp_path / "m.keras", config=edit_json(damage))
    with pytest.raises(ValueError, match=message):
        keras.models.load_model(path)


@pytest.mark.parametrize("link", ["external", "soft"])
def test_an_hdf5_file_linking_elsewhere_is_refused(link, tmp_path):
    """Keras refuses external and soft links (saving_api_test.py): through them a file's weights
    were read from another file (or another place of its own)."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")])
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d", kernel_initializer="ones")])
    target, elsewhere = str(tmp_path / "m.weights.h5"), str(tmp_path / "other.weights.h5")
    model.save_weights(target)
    other.save_weights(elsewhere)
    with h5py.File(target, "a") as f:
        del f["layers"]
        if link == "external":
            f["layers"] = h5py.ExternalLink(elsewhere, "/layers")
        else:
            with h5py.File(elsewhere, "r") as source:
                f.copy(source["layers"], "kept_layers")
            f["layers"] = h5py.SoftLink("/kept_layers")
    kind = "ExternalLink" if link == "external" else "SoftLink"
    with pytest.raises(ValueError, match=f"Not allowed: H5 file with {kind}"):
        model.load_weights(target)
    archive = str(tmp_path / "m.keras")
    model.save(archive)
    rewrite_archive(archive, str(tmp_path / "linked.keras"), weights=lambda _: open(target, "rb").read())
    with pytest.raises(ValueError, match=f"Not allowed: H5 file with {kind}"):
        keras.models.load_model(str(tmp_path / "linked.keras"))


def test_a_model_saves_to_and_loads_from_a_file_object():
    """Keras's test_save_to_fileobj: a .keras archive written to io.BytesIO and read back."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile("adam", "mse")
    buffer = io.BytesIO()
    keras.saving.save_model(model, buffer)
    assert zipfile.is_zipfile(io.BytesIO(buffer.getvalue()))
    buffer.seek(0)
    loaded = keras.saving.load_model(buffer)
    x = np.ones((2, 3), np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(ValueError, match="`zipped=False`, Keras's unzipped folder, is not supported"):
        keras.saving.save_model(model, "m.keras", zipped=False)


def test_an_activation_layer_given_as_an_activation_round_trips(tmp_path):
    """Keras saves Dense(activation=layers.LeakyReLU(0.15)) with the layer's config as its
    activation (serialization_lib_test.py); densekit refused it ('Unknown activation function')."""
    dense = keras.layers.Dense(4, activation=keras.layers.LeakyReLU(0.15, name="lr"))
    config = keras.saving.serialize_keras_object(dense)
    assert config["config"]["activation"]["class_name"] == "LeakyReLU"
    again = keras.saving.deserialize_keras_object(config)
    model = keras.Sequential([keras.Input((3,)), again])
    x = -np.ones((1, 3), np.float32)
    kernel = model.layers[0].get_weights()[0]
    np.testing.assert_allclose(model.predict(x, verbose=0), np.where(x @ kernel > 0, x @ kernel, 0.15 * (x @ kernel)),
                               rtol=1e-6)
    relu = keras.layers.Dense(2, activation=keras.layers.ReLU(max_value=1.0, name="r"), kernel_initializer="ones")
    capped = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(relu))
    np.testing.assert_array_equal(capped(np.full((1, 3), 5.0)), [[1.0, 1.0]])  # the cap came along
