"""Keras's files in and out (docs/keras-files.md): the reference files Keras wrote
(tests/data/keras/, made by make_reference_files.py there) load with Keras's predictions, layer
names, parameter counts and optimizer state, and train on; densekit writes ``.keras`` archives
and ``.weights.h5`` files laid out as Keras's own, which Keras opens with the same predictions.

The check in real Keras runs where ``keras`` is importable, or in the interpreter named by
DENSEKIT_KERAS_PYTHON (a virtualenv with Keras 3), as a subprocess.
"""

import importlib.util
import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest

h5py = pytest.importorskip("h5py", reason="Keras files need h5py (pip install 'densekit[keras]')")

import densekit as keras  # noqa: E402
from densekit import layers, optimizers  # noqa: E402
from densekit.__main__ import main as densekit_main  # noqa: E402

KERAS_DIR = Path(__file__).resolve().parent.parent / "data" / "keras"
MODELS = ["mlp", "two_inputs", "normalized"]


@pytest.fixture(scope="module")
def expected():
    with np.load(KERAS_DIR / "expected.npz") as f:
        return dict(f)


def inputs(expected, name, prefix="x"):
    xs = [expected[f"{name}/{prefix}{k}"] for k in range(2) if f"{name}/{prefix}{k}" in expected]
    return xs if len(xs) > 1 else xs[0]


def first_rows(x, n=8):
    return [a[:n] for a in x] if isinstance(x, list) else x[:n]


def h5_layout(data):
    """{dataset path: (shape, dtype kind)} of an HDF5 file's bytes."""
    out = {}
    with h5py.File(io.BytesIO(data), "r") as f:
        f.visititems(lambda path, obj: out.__setitem__(path, (obj.shape, obj.dtype.kind))
                     if isinstance(obj, h5py.Dataset) else None)
    return out


# --- reading what Keras wrote -------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("name", MODELS)
def test_keras_files_load_with_kerass_predictions_names_and_counts(name, suffix, expected):
    model = keras.models.load_model(KERAS_DIR / f"{name}{suffix}")
    np.testing.assert_allclose(model.predict(inputs(expected, name), verbose=0), expected[f"{name}/y"],
                               rtol=1e-5, atol=1e-6)
    assert [layer.name for layer in model.layers] == list(expected[f"{name}/layer_names"])
    assert [layer.count_params() for layer in model.layers] == list(expected[f"{name}/layer_params"])
    assert model.count_params() == expected[f"{name}/params"][0]
    text = []
    model.summary(print_fn=text.append)
    for layer, count in zip(expected[f"{name}/layer_names"], expected[f"{name}/layer_params"]):
        row = next(line.split("│") for line in text[0].splitlines()
                   if line.startswith("│") and line.split("│")[1].split()[0] == layer)
        assert row[3].strip() == f"{count:,}"  # name (type), output shape, params (, connected to)
    assert model.compiled and type(model.optimizer).__name__ == "Adam"
    assert model.optimizer.learning_rate == pytest.approx(0.01)
    assert model.optimizer.iterations == 4  # 2 epochs of 2 steps in Keras


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("name", ["two_inputs", "normalized"])
def test_optimizer_state_comes_across_one_more_step_matches_keras(name, suffix, expected):
    """Keras took one more step after saving; only a reader that restored Adam's moments and
    iteration count lands where it did. (A fresh Adam misses by 0.05 on two_inputs; the
    BatchNormalization model's step agrees to 2e-4, the float32 rounding of its training-mode
    statistics amplified by Adam's normalised step; the other to 1e-6.)"""
    model = keras.models.load_model(KERAS_DIR / f"{name}{suffix}")
    model.train_on_batch(first_rows(inputs(expected, name, "train_x")), expected[f"{name}/train_y"][:8])
    tolerance = 1e-3 if name == "two_inputs" else 1e-5
    np.testing.assert_allclose(model.predict(inputs(expected, name), verbose=0), expected[f"{name}/y_after_step"],
                               rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("name", MODELS)
def test_a_loaded_keras_model_trains_on(name, expected):
    model = keras.models.load_model(KERAS_DIR / f"{name}.keras")
    x, y = inputs(expected, name, "train_x"), expected[f"{name}/train_y"]
    before = model.evaluate(x, y, verbose=0)[0]
    history = model.fit(x, y, batch_size=16, epochs=8, verbose=0)
    after = model.evaluate(x, y, verbose=0)[0]
    assert np.all(np.isfinite(history.history["loss"])) and after < before


@pytest.mark.parametrize("name", MODELS)
def test_load_weights_reads_kerass_weights_files(name, expected):
    source = keras.models.load_model(KERAS_DIR / f"{name}.keras")
    fresh = keras.models.model_from_json(source.to_json())  # compiled, fresh weights and optimizer
    assert not np.allclose(fresh.predict(inputs(expected, name), verbose=0), expected[f"{name}/y"])
    fresh.load_weights(KERAS_DIR / f"{name}.weights.h5")
    np.testing.assert_allclose(fresh.predict(inputs(expected, name), verbose=0), expected[f"{name}/y"],
                               rtol=1e-5, atol=1e-6)
    assert fresh.optimizer.iterations == 4
    other = keras.models.model_from_json(source.to_json())
    other.load_weights(KERAS_DIR / f"{name}.h5")  # a legacy model file's weights serve too
    np.testing.assert_allclose(other.predict(inputs(expected, name), verbose=0), expected[f"{name}/y"],
                               rtol=1e-5, atol=1e-6)


def _mlp_with_other_head(units=3, use_bias=True):
    """mlp's architecture (make_reference_files.py) but another head, so only "out" mismatches."""
    model = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu", name="hidden"),
                              layers.Dropout(0.1, name="dropout"), layers.Dense(4, activation="tanh", name="hidden_2"),
                              layers.Dense(units, name="out", use_bias=use_bias)])
    model.compile(optimizer="adam", loss="mse")
    return model


@pytest.mark.parametrize("suffix", [".keras", ".weights.h5", ".h5"])
def test_load_weights_skip_mismatch_loads_what_fits(suffix):
    """Keras 3.15 with skip_mismatch=True: the layers that fit load, the head (4x1 in the file,
    4x3 here) keeps its values, and a UserWarning says so; without it, nothing loads."""
    source = keras.models.load_model(KERAS_DIR / "mlp.keras")
    model = _mlp_with_other_head()
    before = model.get_weights()
    with pytest.raises(ValueError, match="out/kernel"):
        model.load_weights(KERAS_DIR / f"mlp{suffix}")
    for kept, now in zip(before, model.get_weights()):
        np.testing.assert_array_equal(now, kept)
    with pytest.warns(UserWarning, match="skip_mismatch=True.*out/kernel"):
        model.load_weights(KERAS_DIR / f"mlp{suffix}", skip_mismatch=True)
    weights = model.get_weights()
    for loaded, saved in zip(weights[:4], source.get_weights()[:4]):
        np.testing.assert_array_equal(loaded, saved)
    for kept, now in zip(before[4:], weights[4:]):
        np.testing.assert_array_equal(now, kept)
    # The file's Adam slots have the old head's shapes: the optimizer's state stays the model's.
    assert model.optimizer.iterations == 0


@pytest.mark.parametrize("suffix", [".keras", ".weights.h5"])
def test_skip_mismatch_skips_a_layer_with_another_weight_count_in_kerass_layout(suffix):
    """Keras 3's layout loads layer by layer: a head without a bias is skipped with a warning."""
    source = keras.models.load_model(KERAS_DIR / "mlp.keras")
    model = _mlp_with_other_head(units=1, use_bias=False)
    head = model.get_weights()[4]
    with pytest.warns(UserWarning) as record:  # the optimizer's variables do not fit either (Keras warns too)
        model.load_weights(KERAS_DIR / f"mlp{suffix}", skip_mismatch=True)
    assert any("layer 'out': 2 weights in the file, 1 in the model" in str(w.message) for w in record)
    for loaded, saved in zip(model.get_weights()[:4], source.get_weights()[:4]):
        np.testing.assert_array_equal(loaded, saved)
    np.testing.assert_array_equal(model.get_weights()[4], head)


def test_a_legacy_h5_skips_shapes_weight_by_weight_but_refuses_another_count():
    """Keras's legacy reader skips weight by weight, warning for each; a different weight count
    raises, skip_mismatch or not (densekit, checking everything first, then loads nothing)."""
    model = _mlp_with_other_head()
    with pytest.warns(UserWarning) as record:
        model.load_weights(KERAS_DIR / "mlp.h5", skip_mismatch=True)
    message = " ".join(str(w.message) for w in record if "skip_mismatch" in str(w.message))
    assert "'out/kernel' has shape (4, 1) in the file; the model expects (4, 3)" in message
    assert "'out/bias' has shape (1,) in the file; the model expects (3,)" in message
    no_bias = _mlp_with_other_head(units=1, use_bias=False)
    before = no_bias.get_weights()
    with pytest.raises(ValueError, match="layer 'out' has 2 weights in the file"):
        no_bias.load_weights(KERAS_DIR / "mlp.h5", skip_mismatch=True)
    for kept, now in zip(before, no_bias.get_weights()):
        np.testing.assert_array_equal(now, kept)


def test_compile_false_loads_the_architecture_and_weights_only(expected):
    model = keras.models.load_model(KERAS_DIR / "mlp.h5", compile=False)
    assert not model.compiled and model.optimizer is None
    np.testing.assert_allclose(model.predict(inputs(expected, "mlp"), verbose=0), expected["mlp/y"], rtol=1e-5)


def test_an_unbuilt_sequential_keras_saved_loads_unbuilt_and_compiled():
    """Keras saves a Sequential that never saw its input shape (no weights) and loads it back;
    its first fit builds it (make_unbuilt_sequential.py)."""
    model = keras.models.load_model(KERAS_DIR / "unbuilt_sequential.keras")
    assert isinstance(model, keras.Sequential) and not model.built and model.name == "unbuilt"
    assert [layer.name for layer in model.layers] == ["hidden", "out"]
    assert model.compiled and type(model.optimizer).__name__ == "Adam"
    assert model.optimizer.learning_rate == pytest.approx(0.01)
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    history = model.fit(x, x[:, :1], epochs=2, verbose=0)
    assert model.count_params() == 3 * 4 + 4 + 4 + 1 and sorted(history.history) == ["loss", "mae"]
    assert not keras.models.load_model(KERAS_DIR / "unbuilt_sequential.keras", compile=False).compiled


def test_a_keras_weights_file_without_optimizer_variables_warns_when_the_optimizer_has_state(tmp_path):
    """Keras warns that it skips loading its optimizer's variables; the model keeps its state."""
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    model.save_weights(tmp_path / "w.weights.h5")  # (not compiled: no optimizer group)
    model.compile("adam", "mse")
    model.load_weights(tmp_path / "w.weights.h5")  # a fresh optimizer has no state to keep: no warning
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    iterations = int(model.optimizer.iterations)
    with pytest.warns(UserWarning, match="holds no optimizer variables: the model's optimizer keeps the state"):
        model.load_weights(tmp_path / "w.weights.h5")
    assert int(model.optimizer.iterations) == iterations


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_nested_models_are_inlined(suffix, expected, tmp_path):
    """A Sequential block (holding a Sequential) and a two-output functional model, used as
    layers: densekit's graph takes their layers in their place, computing the same function
    with the same weights and optimizer state; written back, Keras gets the flat model."""
    model = keras.models.load_model(KERAS_DIR / f"nested{suffix}")
    assert [layer.name for layer in model.layers] == ["x", "b_dense", "b_bn", "f_dense", "f_act", "cat", "head"]
    assert model.count_params() == expected["nested/params"][0]
    np.testing.assert_allclose(model.predict(expected["nested/x0"], verbose=0), expected["nested/y"],
                               rtol=1e-5, atol=1e-6)
    model.train_on_batch(expected["nested/train_x0"][:8], expected["nested/train_y"][:8])
    np.testing.assert_allclose(model.predict(expected["nested/x0"], verbose=0), expected["nested/y_after_step"],
                               rtol=1e-3, atol=1e-3)  # BatchNormalization: see the test above
    model.save(tmp_path / "flat.keras")
    again = keras.models.load_model(tmp_path / "flat.keras")
    np.testing.assert_array_equal(again.predict(expected["nested/x0"], verbose=0),
                                  model.predict(expected["nested/x0"], verbose=0))


def write_tf_keras2_h5(path, kernel, bias, gamma, beta, mean, variance):
    """A legacy .h5 laid out as tf.keras 2.x wrote it (keras/src/legacy/saving/legacy_h5_format.py
    reads the same layout): old-style inbound_nodes, batch_input_shape, BatchNormalization's
    built axis as a list, weight names with ":0", a 2.x training_config and optimizer weights
    in the legacy 2.x optimizer's naming, but only one of Adam's eight slots (so they do not fit
    the model: tests/saving/test_tf_keras2_files.py loads complete ones that Keras wrote)."""
    bn = {"name": "bn", "trainable": True, "dtype": "float32", "axis": [1], "momentum": 0.99, "epsilon": 0.001,
          "center": True, "scale": True, "beta_initializer": {"class_name": "Zeros", "config": {}},
          "gamma_initializer": {"class_name": "Ones", "config": {}},
          "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
          "moving_variance_initializer": {"class_name": "Ones", "config": {}}, "beta_regularizer": None,
          "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None}
    dense = {"name": "dense", "trainable": True, "dtype": "float32", "units": 2, "activation": "relu",
             "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
             "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
             "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
    config = {"class_name": "Functional", "config": {"name": "model", "layers": [
        {"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, 3], "dtype": "float32", "sparse": False, "ragged": False,
                    "name": "input_1"}},
        {"class_name": "Dense", "name": "dense", "config": dense, "inbound_nodes": [[["input_1", 0, 0, {}]]]},
        {"class_name": "BatchNormalization", "name": "bn", "config": bn, "inbound_nodes": [[["dense", 0, 0, {}]]]}],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["bn", 0, 0]]},
        "keras_version": "2.13.1", "backend": "tensorflow"}
    training = {"loss": "mse", "metrics": None, "weighted_metrics": None, "loss_weights": None,
                "optimizer_config": {"class_name": "Adam", "config": {
                    "name": "Adam", "learning_rate": 0.005, "decay": 0.0, "beta_1": 0.9, "beta_2": 0.999,
                    "epsilon": 1e-07, "amsgrad": False, "jit_compile": True, "is_legacy_optimizer": False}}}
    with h5py.File(path, "w") as f:
        f.attrs.update(keras_version="2.13.1", backend="tensorflow", model_config=json.dumps(config),
                       training_config=json.dumps(training))
        weights = f.create_group("model_weights")
        weights.attrs["layer_names"] = [b"input_1", b"dense", b"bn"]
        weights.create_group("input_1").attrs["weight_names"] = np.array([], dtype="S1")
        for layer, values in (("dense", {"kernel": kernel, "bias": bias}),
                              ("bn", {"gamma": gamma, "beta": beta, "moving_mean": mean, "moving_variance": variance})):
            group = weights.create_group(layer)
            group.attrs["weight_names"] = [f"{layer}/{k}:0".encode() for k in values]
            for k, v in values.items():
                group.create_dataset(f"{layer}/{k}:0", data=v)
        optimizer = f.create_group("optimizer_weights")
        optimizer.attrs["weight_names"] = [b"Adam/iter:0", b"Adam/dense/kernel/m:0"]
        optimizer.create_dataset("Adam/iter:0", data=np.int64(7))
        optimizer.create_dataset("Adam/dense/kernel/m:0", data=np.zeros_like(kernel))


def test_a_tf_keras2_h5_file_loads(tmp_path):
    rng = np.random.default_rng(5)
    kernel, bias = rng.normal(size=(3, 2)).astype("float32"), rng.normal(size=2).astype("float32")
    gamma, beta = rng.uniform(0.5, 2, size=2).astype("float32"), rng.normal(size=2).astype("float32")
    mean, variance = rng.normal(size=2).astype("float32"), rng.uniform(0.5, 2, size=2).astype("float32")
    write_tf_keras2_h5(tmp_path / "old.h5", kernel, bias, gamma, beta, mean, variance)
    with pytest.warns(UserWarning, match=r"tf.keras 2.x optimizer variables .* are not those of the Adam"):
        model = keras.models.load_model(tmp_path / "old.h5")
    x = rng.normal(size=(4, 3)).astype("float32")
    hidden = np.maximum(x @ kernel + bias, 0)
    reference = (hidden - mean) / np.sqrt(variance + 0.001) * gamma + beta  # BatchNormalization at inference
    np.testing.assert_allclose(model.predict(x, verbose=0), reference, rtol=1e-5, atol=1e-6)
    assert model.optimizer.learning_rate == pytest.approx(0.005) and model.optimizer.iterations == 0
    model.fit(x, reference, epochs=1, verbose=0)


# --- writing what Keras reads -----------------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
def test_written_archive_has_kerass_structure(name, tmp_path):
    model = keras.models.load_model(KERAS_DIR / f"{name}.keras")
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(KERAS_DIR / f"{name}.keras") as ref, zipfile.ZipFile(tmp_path / "m.keras") as ours:
        assert ours.namelist() == ref.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        assert all(info.compress_type == zipfile.ZIP_STORED for info in ours.infolist())
        ref_config, config = json.loads(ref.read("config.json")), json.loads(ours.read("config.json"))
        assert set(ref_config) <= set(config)
        assert (config["class_name"], config["module"]) == (ref_config["class_name"], ref_config["module"])
        assert [(e["class_name"], e["config"]["name"]) for e in config["config"]["layers"]] == \
               [(e["class_name"], e["config"]["name"]) for e in ref_config["config"]["layers"]]
        assert set(ref_config["compile_config"]) <= set(config["compile_config"])
        assert set(json.loads(ref.read("metadata.json"))) <= set(json.loads(ours.read("metadata.json")))
        assert h5_layout(ours.read("model.weights.h5")) == h5_layout(ref.read("model.weights.h5"))


@pytest.mark.parametrize("name", MODELS)
def test_written_weights_file_has_kerass_layout(name, tmp_path):
    model = keras.models.load_model(KERAS_DIR / f"{name}.keras")
    model.save_weights(tmp_path / "w.weights.h5")
    assert h5_layout((tmp_path / "w.weights.h5").read_bytes()) == \
           h5_layout((KERAS_DIR / f"{name}.weights.h5").read_bytes())


OPTIMIZERS = [
    lambda: optimizers.Adam(learning_rate=0.01, amsgrad=True),
    lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9),
    lambda: optimizers.RMSprop(learning_rate=0.01, momentum=0.5, centered=True),
    lambda: optimizers.Adadelta(learning_rate=1.0),
    lambda: optimizers.Adamax(learning_rate=0.01),
    lambda: optimizers.AdamW(learning_rate=0.01, use_ema=True),
    lambda: optimizers.Adagrad(learning_rate=0.1, gradient_accumulation_steps=2),
    lambda: optimizers.Ftrl(learning_rate=0.05, l1_regularization_strength=0.01, beta=0.1),
    lambda: optimizers.Lion(learning_rate=0.001, weight_decay=0.01),
    lambda: optimizers.Lamb(learning_rate=0.01, weight_decay=0.01),
]


def many_layers_model(optimizer, noise=0.1):
    """A functional model over most layer kinds densekit has, trained a few steps. (With
    ``noise=0`` its training steps are deterministic: a Keras file has no generator state.)"""
    keras.utils.set_random_seed(3)
    a, b = keras.Input((5,), name="a"), keras.Input((5,), name="b")
    x = layers.Add()([a, layers.GaussianNoise(noise)(b)])
    x = layers.Dense(6, activation="relu")(x)
    x = layers.LayerNormalization()(x)
    x = layers.PReLU()(x)
    x = layers.Reshape((2, 3))(x)
    x = layers.Flatten()(x)
    x = layers.Rescaling(0.5, offset=0.1)(x)
    x = layers.Concatenate()([layers.LeakyReLU()(x), layers.Dense(2, activation="elu")(a)])
    x = layers.BatchNormalization()(x)
    out = layers.Dense(3, activation="softmax")(layers.GaussianDropout(noise)(x))
    model = keras.Model([a, b], out)
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = [rng.normal(size=(24, 5)).astype("float32") for _ in range(2)]
    y = np.eye(3, dtype="float32")[np.arange(24) % 3]
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    return model, x, y


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS, ids=lambda f: type(f()).__name__)
def test_keras_archive_round_trip_keeps_weights_and_optimizer_state(make_optimizer, tmp_path):
    model, x, y = many_layers_model(make_optimizer(), noise=0.0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.optimizer.iterations == model.optimizer.iterations
    for m in (model, loaded):
        m.train_on_batch([a[:8] for a in x], y[:8])
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6, atol=1e-7)


def test_an_unbuilt_optimizer_is_written_as_keras_writes_it(tmp_path):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.02), loss="mse")
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        layout = h5_layout(archive.read("model.weights.h5"))
    assert {k: v for k, v in layout.items() if k.startswith("optimizer")} == {
        "optimizer/vars/0": ((), "i"), "optimizer/vars/1": ((), "f")}  # iteration, learning_rate
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.optimizer.learning_rate == pytest.approx(0.02) and loaded.optimizer.iterations == 0
    loaded.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)


def test_convert_writes_a_densekit_file_a_cpp_application_loads(expected, tmp_path, capsys):
    target = tmp_path / "two_inputs.dk"
    densekit_main(["convert", str(KERAS_DIR / "two_inputs.h5"), str(target)])
    assert "74 parameters" in capsys.readouterr().out
    assert target.read_bytes()[8:9] == b"{"  # densekit's format
    model = keras.models.load_model(target)
    np.testing.assert_allclose(model.predict(inputs(expected, "two_inputs"), verbose=0), expected["two_inputs/y"],
                               rtol=1e-5, atol=1e-6)
    assert model.optimizer.iterations == 4
    densekit_main(["convert", "--no-compile", str(KERAS_DIR / "mlp.keras"), str(tmp_path / "mlp.dk")])
    assert not keras.models.load_model(tmp_path / "mlp.dk").compiled
    with pytest.raises(SystemExit, match="not a valid densekit model file"):  # a text file: not Keras, not ours
        densekit_main(["convert", str(KERAS_DIR / "make_reference_files.py"), str(tmp_path / "x.dk")])
    assert not (tmp_path / "x.dk").exists()


# --- real Keras opens what densekit wrote -------------------------------------------------------------
def _keras_python():
    if importlib.util.find_spec("keras") is not None:
        return sys.executable
    return os.environ.get("DENSEKIT_KERAS_PYTHON")


KERAS_CHECK = textwrap.dedent("""
    import json, os, sys, warnings
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np, keras
    out = {}
    for path in sys.argv[1:]:
        data = np.load(path + ".npz")
        xs = [data[k] for k in sorted(data) if k.startswith("x")]
        ys = [data[k] for k in sorted(data) if k.startswith("y")]
        x, y = (xs if len(xs) > 1 else xs[0]), (ys if len(ys) > 1 else ys[0])
        with warnings.catch_warnings(record=True) as caught:  # "Skipping variable loading for optimizer", ...
            warnings.simplefilter("always")
            model = keras.saving.load_model(path)
            predicted = model.predict(x, verbose=0)
            predicted = predicted if isinstance(predicted, list) else [predicted]
            diff = max(np.abs(p - t).max() for p, t in zip(predicted, ys))
            model.load_weights(path + ".weights.h5")
        iterations = int(model.optimizer.iterations)
        model.fit(x, y, epochs=1, verbose=0)  # Keras trains on from the restored state
        out[path] = [float(diff), iterations, [str(w.message) for w in caught
                                            if "Skipping" in str(w.message) or "could not" in str(w.message)]]
    print(json.dumps(out))
""")


def outputs_reversed_model():
    """Two outputs listed in the reverse of their layers' creation order: Keras then lists the
    layers in another order than densekit's config (keras_graph.py), and names their weights'
    groups in its own; a writer that kept the config's order would swap the two heads' weights."""
    keras.utils.set_random_seed(4)
    x = keras.Input((3,))
    hidden = layers.Dense(4, activation="relu")(x)
    first = layers.Dense(2)(hidden)
    second = layers.Dense(2, activation="sigmoid")(layers.Dense(5)(hidden))
    model = keras.Model(x, [second, first])
    model.compile(optimizer="adam", loss=["mse", "mse"])
    data = np.random.default_rng(1).normal(size=(8, 3)).astype("float32")
    model.fit(data, [np.zeros((8, 2)), np.ones((8, 2))], epochs=2, batch_size=4, verbose=0)
    return model, data


def test_the_writer_lists_layers_in_kerass_order():
    """Keras's own files list a functional model's layers in its order, and so does densekit's
    config, whose graph lists a depth's nodes in the order of their layers (the writer's
    reordering, kept for configs from elsewhere, then changes nothing)."""
    from densekit.saving import keras_graph

    for name in ("two_inputs", "nested"):
        with zipfile.ZipFile(KERAS_DIR / f"{name}.keras") as archive:
            config = json.loads(archive.read("config.json"))["config"]
        assert keras_graph.keras_layer_order(config) == [e["config"]["name"] for e in config["layers"]]
    model, _ = outputs_reversed_model()
    own = json.loads(model.to_json())["config"]
    # dense: hidden; dense_1: the first head; dense_2: the second head, on dense_3 (Dense(5)).
    # Keras: by depth from the outputs (dense_3 is one deeper than the heads), then heads as
    # its walk from the outputs [dense_2, dense_1] first reaches them.
    keras_order = ["input_layer", "dense", "dense_3", "dense_2", "dense_1"]
    assert [e["config"]["name"] for e in own["layers"]] == keras_order == [layer.name for layer in model.layers]
    assert keras_graph.keras_layer_order(own) == keras_order


def test_weights_files_round_trip_in_kerass_order(tmp_path):
    """Written and read by Keras's layer order: a fresh copy of the reversed-outputs model takes
    the weights and the optimizer state to the right layers (its heads have other shapes than
    Dense(5), so a swap would be refused, and the step after loading must match)."""
    model, x = outputs_reversed_model()
    model.save_weights(tmp_path / "w.weights.h5")
    copy = keras.models.model_from_json(model.to_json())
    copy.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(copy.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_array_equal(a, b)
    for m in (model, copy):
        m.train_on_batch(x, [np.zeros((8, 2)), np.ones((8, 2))])
    for a, b in zip(copy.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_keras_opens_densekits_archives_with_the_same_predictions(expected, tmp_path):
    python = _keras_python()
    if python is None:
        pytest.skip("Keras is not importable here; set DENSEKIT_KERAS_PYTHON to a Python with Keras 3 to run this")
    paths, expect = [], {}
    cases = [(n, keras.models.load_model(KERAS_DIR / f"{n}.keras"), inputs(expected, n))
             for n in MODELS + ["nested", "seq_nested", "seq_in_seq", "nested_order"]]
    model, x, _ = many_layers_model(optimizers.RMSprop(momentum=0.5, centered=True))
    cases.append(("many_layers", model, x))
    cases.append(("outputs_reversed", *outputs_reversed_model()))
    for name, model, x in cases:
        path = str(tmp_path / f"{name}.keras")
        model.save(path)
        model.save_weights(path + ".weights.h5")
        xs = x if isinstance(x, list) else [x]
        y = model.predict(x, verbose=0)
        ys = y if isinstance(y, list) else [y]
        np.savez(path + ".npz", **{f"x{k}": a for k, a in enumerate(xs)}, **{f"y{k}": a for k, a in enumerate(ys)})
        paths.append(path)
        expect[path] = model.optimizer.iterations
    run = subprocess.run([python, "-c", KERAS_CHECK, *paths], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(run.stdout.strip().splitlines()[-1])
    for path in paths:
        diff, iterations, skipped = results[path]
        assert diff <= 1e-5, (path, diff)
        assert iterations == expect[path] and not skipped, (path, skipped)


def test_save_weights_refuses_a_keras_model_name(tmp_path):
    # Keras 3.15.1 raises too: a .keras file holds a whole model (densekit wrote its own weights file there).
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`.*model\.save\(\)"):
        model.save_weights(tmp_path / "w.keras")
    assert not (tmp_path / "w.keras").exists()


def test_load_weights_says_the_model_keeps_its_optimizer_when_the_files_does_not_fit(tmp_path):
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32)
    trained = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    trained.compile("adam", "mse")
    trained.fit(x, y, verbose=0)
    trained.save_weights(tmp_path / "w.weights.h5")
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    other.compile("rmsprop", "mse")
    other.fit(x, y, epochs=3, verbose=0)
    with pytest.warns(UserWarning, match="do not match the model's RMSprop optimizer .*the model keeps its "
                                         "optimizer's own state"):
        other.load_weights(tmp_path / "w.weights.h5")
    assert other.optimizer.iterations == 3
    np.testing.assert_array_equal(other.get_weights()[0], trained.get_weights()[0])
