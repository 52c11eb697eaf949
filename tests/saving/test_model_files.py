"""Saving and loading whole models and weights in densekit's native format (docs/format.md):
round trips for every optimizer, exact resumption of training, the safetensors view of the
file, its metadata, paths, weights-only files, pickling, configs and the reference files."""

import json
import os
import pickle
import zlib
from pathlib import Path

import numpy as np
import pytest
import safetensors
import safetensors.numpy

import densekit as keras
from densekit import layers, optimizers

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

OPTIMIZERS = {
    "sgd": (lambda: optimizers.SGD(learning_rate=0.05), []),
    "sgd_momentum": (lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9), ["momentum"]),
    "sgd_nesterov": (lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True), ["momentum"]),
    "adam": (lambda: optimizers.Adam(learning_rate=0.01), ["momentum", "velocity"]),
    "adam_amsgrad": (lambda: optimizers.Adam(learning_rate=0.01, amsgrad=True), ["momentum", "velocity", "velocity_hat"]),
    "adamw": (lambda: optimizers.AdamW(learning_rate=0.01), ["momentum", "velocity"]),
    "rmsprop": (lambda: optimizers.RMSprop(learning_rate=0.01), ["velocity"]),
    "rmsprop_centered_momentum": (lambda: optimizers.RMSprop(learning_rate=0.01, momentum=0.5, centered=True),
                                  ["velocity", "momentum", "average_gradient"]),
    "adagrad": (lambda: optimizers.Adagrad(learning_rate=0.1), ["accumulator"]),
    "adadelta": (lambda: optimizers.Adadelta(learning_rate=1.0), ["accumulated_grad", "accumulated_delta_var"]),
    "adamax": (lambda: optimizers.Adamax(learning_rate=0.01), ["momentum", "norm"]),
    "nadam": (lambda: optimizers.Nadam(learning_rate=0.01), ["momentum", "velocity"]),
    "ftrl": (lambda: optimizers.Ftrl(learning_rate=0.05), ["accumulator", "linear"]),
    "lion": (lambda: optimizers.Lion(learning_rate=0.001), ["momentum"]),
    "lamb": (lambda: optimizers.Lamb(learning_rate=0.01), ["momentum", "velocity"]),
}


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0.5).astype("int64")
    return x, y


def make_model(optimizer="adam", seed=1):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dropout(0.25),
                              layers.Dense(3, activation="softmax")])
    if optimizer is not None:
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def trained_model(data, optimizer="adam"):
    x, y = data
    model = make_model(optimizer)
    model.fit(x, y, batch_size=16, epochs=2, shuffle=True, verbose=0)
    return model


def weight_names(model):
    return [f"{layer.name}/{name}" for layer in model.layers if layer.weights for name in ("kernel", "bias")]


def assert_same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for u, v in zip(wa, wb):
        assert u.dtype == v.dtype and u.shape == v.shape
        np.testing.assert_array_equal(u, v)


def summary_text(model):
    lines = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


def data_region(path):
    raw = Path(path).read_bytes()
    n = int.from_bytes(raw[:8], "little")
    return raw[8 + n:]


# --- every optimizer: save, load, predict, resume --------------------------------------------------

@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_round_trip_and_exact_resumption(name, data, tmp_path):
    x, y = data
    factory, slots = OPTIMIZERS[name]
    model = trained_model(data, factory())
    path = tmp_path / "model.dk"
    model.save(path)
    loaded = keras.models.load_model(path)

    assert type(loaded.optimizer).__name__ == type(model.optimizer).__name__
    assert loaded.optimizer.iterations == model.optimizer.iterations == 6
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert_same_weights(loaded, model)

    # The file is a safetensors file: its tensors are the weights, the optimizer state, the
    # generator state and the probe.
    tensors = safetensors.numpy.load_file(str(path))
    names = weight_names(model)
    expected = set(names) | {"optimizer/iterations", "rng/state", "probe/input_0", "probe/output_0"}
    expected |= {f"optimizer/{slot}/{w}" for slot in slots for w in names}
    if name == "nadam":
        expected.add("optimizer/u_product")
    assert set(tensors) == expected
    for key, value in zip(names, model.get_weights()):
        assert tensors[key].dtype == np.float32
        np.testing.assert_array_equal(tensors[key], value)
    for slot in slots:
        for key, value in zip(names, model.get_weights()):
            assert tensors[f"optimizer/{slot}/{key}"].shape == value.shape
            assert tensors[f"optimizer/{slot}/{key}"].dtype == np.float32
    assert tensors["optimizer/iterations"].dtype == np.int64 and tensors["optimizer/iterations"].shape == ()
    assert int(tensors["optimizer/iterations"]) == model.optimizer.iterations
    assert tensors["rng/state"].dtype == np.uint64 and tensors["rng/state"].shape == (4,)
    if name == "nadam":
        assert tensors["optimizer/u_product"].dtype == np.float64 and tensors["optimizer/u_product"].shape == ()
    np.testing.assert_allclose(model.predict(tensors["probe/input_0"], verbose=0), tensors["probe/output_0"],
                               rtol=1e-6, atol=1e-7)

    # N more steps (shuffled, with dropout) after loading == N more steps of the never-saved model.
    before = model.get_weights()
    h_original = model.fit(x, y, batch_size=16, epochs=3, shuffle=True, verbose=0).history
    h_loaded = loaded.fit(x, y, batch_size=16, epochs=3, shuffle=True, verbose=0).history
    assert h_loaded == h_original
    assert_same_weights(loaded, model)
    assert loaded.optimizer.iterations == model.optimizer.iterations == 15
    assert not all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))

    # Control: the same weights without the optimizer and generator state train differently,
    # so the comparison above does test that the state was restored.
    fresh = keras.models.model_from_json(model.to_json())
    fresh.set_weights(before)
    fresh.fit(x, y, batch_size=16, epochs=3, shuffle=True, verbose=0)
    assert not all(np.array_equal(a, b) for a, b in zip(fresh.get_weights(), model.get_weights()))


def test_metadata(data, tmp_path):
    model = trained_model(data)
    path = tmp_path / "model.dk"
    model.save(path)
    with safetensors.safe_open(str(path), framework="numpy") as f:
        meta = f.metadata()
    assert meta["format"] == "densekit"
    assert meta["format_version"] == "1"
    assert meta["densekit_version"] == keras.__version__
    assert meta["content"] == "model"
    assert all(isinstance(v, str) for v in meta.values())
    assert meta["checksum"] == f"crc32:{zlib.crc32(data_region(path)):08x}"
    serialized = json.loads(keras._core.model_config_json(model._core))  # with the seeds densekit drew
    compile_config = serialized.pop("compile_config")
    assert json.loads(meta["model_config"]) == serialized
    assert json.loads(meta["compile_config"]) == compile_config
    assert compile_config["loss"] == "sparse_categorical_crossentropy"
    assert compile_config["optimizer"]["class_name"] == "Adam"
    # The header is padded to 8 bytes (as safetensors does).
    assert int.from_bytes(path.read_bytes()[:8], "little") % 8 == 0

    uncompiled = make_model(None)
    uncompiled.save(tmp_path / "plain.dk")
    with safetensors.safe_open(str(tmp_path / "plain.dk"), framework="numpy") as f:
        meta = f.metadata()
        assert "compile_config" not in meta
        assert not any(k.startswith("optimizer/") for k in f.keys())


def test_loaded_model_keeps_names_summary_and_compile_settings(data, tmp_path):
    model = trained_model(data, optimizers.RMSprop(learning_rate=0.02))
    model.save(tmp_path / "model.dk")
    loaded = keras.models.load_model(tmp_path / "model.dk")
    assert loaded.name == model.name
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers] \
        == ["dense", "dropout", "dense_1"]
    assert [type(layer).__name__ for layer in loaded.layers] == ["Dense", "Dropout", "Dense"]
    assert summary_text(loaded) == summary_text(model)
    assert "Optimizer params: 69 " in summary_text(loaded)  # 67 slot values + iterations + learning rate
    assert loaded.compiled
    assert loaded.loss == "sparse_categorical_crossentropy"
    assert loaded.metrics_names == model.metrics_names
    assert loaded._metric_names == model._metric_names == ["accuracy"]
    assert isinstance(loaded.optimizer, optimizers.RMSprop)
    assert loaded.optimizer.learning_rate == pytest.approx(0.02)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    x, y = data
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)


def test_compile_false_loads_an_uncompiled_model(data, tmp_path):
    x, y = data
    model = trained_model(data)
    model.save(tmp_path / "model.dk")
    loaded = keras.models.load_model(tmp_path / "model.dk", compile=False)
    assert not loaded.compiled
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert "Optimizer params" not in summary_text(loaded)
    with pytest.raises(ValueError, match="compile"):
        loaded.fit(x, y, verbose=0)
    loaded.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    loaded.fit(x, y, epochs=1, verbose=0)


def test_h5_suffix_warns_and_round_trips(data, tmp_path):
    """A ``.h5`` path still gets densekit's format (Keras's legacy HDF5 layout is read, not
    written), with a warning that points to ``.keras``; ``.keras`` paths get Keras's archive
    (tests/saving/test_keras_files.py)."""
    x, _ = data
    model = trained_model(data)
    path = tmp_path / "model.h5"
    with pytest.warns(UserWarning, match="model.keras"):
        model.save(path)
    assert path.read_bytes()[8:9] == b"{"  # densekit's format, not a zip or HDF5 archive
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_paths(data, tmp_path):
    x, _ = data
    model = trained_model(data)
    model.save(tmp_path / "model")  # no extension: a file, not a directory
    assert (tmp_path / "model").is_file()
    np.testing.assert_array_equal(keras.models.load_model(str(tmp_path / "model")).predict(x, verbose=0),
                                  model.predict(x, verbose=0))
    assert sorted(os.listdir(tmp_path)) == ["model"]  # no temporary file left behind

    model.save(tmp_path / "model")  # overwriting is allowed by default
    with pytest.raises(FileExistsError):
        model.save(tmp_path / "model", overwrite=False)

    (tmp_path / "folder").mkdir()
    with pytest.raises(OSError):
        model.save(tmp_path / "folder")
    assert os.listdir(tmp_path / "folder") == []


def test_saving_an_unbuilt_model_raises(tmp_path):
    model = keras.Sequential([layers.Dense(3)])
    with pytest.raises(ValueError, match="built"):
        model.save(tmp_path / "model.dk")
    with pytest.raises(ValueError, match="built"):
        model.save_weights(tmp_path / "w.dk")
    assert not (tmp_path / "model.dk").exists() and not (tmp_path / "w.dk").exists()


def test_save_weights_load_weights_into_a_fresh_model(data, tmp_path):
    x, _ = data
    model = trained_model(data)
    path = tmp_path / "model.weights.dk"  # densekit's format (a .weights.h5 path gets Keras's layout)
    model.save_weights(path)
    with safetensors.safe_open(str(path), framework="numpy") as f:
        assert f.metadata()["content"] == "weights"
        assert not {"rng/state", "probe/input_0"} & set(f.keys())
    other = make_model("adam", seed=5)  # same architecture, other names and other initial weights
    assert [layer.name for layer in other.layers] != [layer.name for layer in model.layers]
    assert not np.array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))
    other.load_weights(path)
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))
    assert_same_weights(other, model)

    uncompiled = make_model(None, seed=6)
    uncompiled.load_weights(path)
    np.testing.assert_array_equal(uncompiled.predict(x, verbose=0), model.predict(x, verbose=0))

    # A whole-model file also serves load_weights.
    model.save(tmp_path / "model.dk")
    third = make_model(None, seed=7)
    third.load_weights(tmp_path / "model.dk")
    np.testing.assert_array_equal(third.predict(x, verbose=0), model.predict(x, verbose=0))


def test_load_weights_into_another_architecture_raises(data, tmp_path):
    model = trained_model(data)
    model.save_weights(tmp_path / "w.dk")
    wider = keras.Sequential([keras.Input((4,)), layers.Dense(9, activation="relu"), layers.Dense(3)])
    with pytest.raises(OSError, match="shape"):
        wider.load_weights(tmp_path / "w.dk")
    deeper = keras.Sequential([keras.Input((4,)), layers.Dense(8), layers.Dense(8), layers.Dense(3)])
    with pytest.raises(OSError, match="6"):
        deeper.load_weights(tmp_path / "w.dk")
    other_input = keras.Sequential([keras.Input((5,)), layers.Dense(8), layers.Dense(3)])
    with pytest.raises(OSError, match="shape"):
        other_input.load_weights(tmp_path / "w.dk")
    with pytest.raises(OSError, match="weights only.*load_weights"):
        keras.models.load_model(tmp_path / "w.dk")


def test_load_weights_skip_mismatch_in_densekits_format(data, tmp_path):
    """densekit's files pair weights in order, so skip_mismatch skips weight by weight, as Keras
    does for the legacy .h5 layout: the fitting ones load, the others keep their values, with a
    warning; a different weight count still raises."""
    x, _ = data
    model = trained_model(data)
    model.save_weights(tmp_path / "w.dk")
    wider_head = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(5)])
    wider_head.compile(optimizer="adam", loss="mse")
    before = wider_head.get_weights()
    with pytest.warns(UserWarning, match="skip_mismatch=True.*kernel' \\(file: \\(8, 3\\), model: \\(8, 5\\)\\)"):
        wider_head.load_weights(tmp_path / "w.dk", skip_mismatch=True)
    weights = wider_head.get_weights()
    for loaded, saved in zip(weights[:2], model.get_weights()[:2]):
        np.testing.assert_array_equal(loaded, saved)
    for kept, now in zip(before[2:], weights[2:]):
        np.testing.assert_array_equal(now, kept)
    deeper = keras.Sequential([keras.Input((4,)), layers.Dense(8), layers.Dense(8), layers.Dense(3)])
    with pytest.raises(OSError, match="holds 4 weights but the model has 6"):
        deeper.load_weights(tmp_path / "w.dk", skip_mismatch=True)
    same = make_model("adam", seed=5)
    same.load_weights(tmp_path / "w.dk", skip_mismatch=True)  # nothing to skip: no warning
    np.testing.assert_array_equal(same.predict(x, verbose=0), model.predict(x, verbose=0))
    assert same.optimizer.iterations == model.optimizer.iterations


def test_a_refused_load_weights_leaves_the_model_as_it_was(data, tmp_path):
    """Every tensor is checked before any is copied: a file whose second layer does not fit, or
    whose optimizer state lacks a slot the model's optimizer needs, changes nothing (it had
    replaced the weights read before the mismatch)."""
    x, y = data
    model = trained_model(data)
    model.save_weights(tmp_path / "w.dk")
    wider_head = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(5)])
    wider_head.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    wider_head.fit(x, y, epochs=1, verbose=0)
    centered = make_model(optimizers.RMSprop(centered=True), seed=9)
    centered.fit(x, y, epochs=1, verbose=0)
    for target, reason in [(wider_head, "dense_.*kernel' has shape \\[8,3\\]"), (centered, "average_gradient")]:
        target.save_weights(tmp_path / "before.dk")  # weights, optimizer state and generator state
        with pytest.raises(OSError, match=reason):
            target.load_weights(tmp_path / "w.dk")
        target.save_weights(tmp_path / "after.dk")
        before, after = (safetensors.numpy.load_file(tmp_path / f"{n}.dk") for n in ("before", "after"))
        assert before.keys() == after.keys() and any(n.startswith("optimizer/") for n in before)
        for name in before:
            np.testing.assert_array_equal(after[name], before[name], err_msg=name)


def test_save_and_load_weights_refuse_unknown_arguments(data, tmp_path):
    """Keras's Model.save takes include_optimizer and save_format through **kwargs, and
    load_weights objects_to_skip and by_name; anything else is refused, not dropped."""
    model = trained_model(data)
    with pytest.raises(ValueError, match="The following argument\\(s\\) are not supported: \\['bogus'\\]"):
        model.save(tmp_path / "m.keras", bogus=1)
    with pytest.raises(ValueError, match="not supported: \\['bogus'\\]"):
        model.save(tmp_path / "m.dk", bogus=1)
    assert not (tmp_path / "m.keras").exists() and not (tmp_path / "m.dk").exists()
    model.save(tmp_path / "m.dk", include_optimizer=True)
    with pytest.raises(ValueError, match="include_optimizer=False"):
        model.save(tmp_path / "other.dk", include_optimizer=False)
    with pytest.raises(ValueError, match="save_format"):
        model.save(tmp_path / "other.dk", save_format="tf")
    with pytest.raises(ValueError, match="Invalid keyword arguments: \\{'bogus': 1\\}"):
        model.load_weights(tmp_path / "m.dk", bogus=1)
    with pytest.raises(NotImplementedError, match="by_name"):
        model.load_weights(tmp_path / "m.dk", by_name=True)
    with pytest.raises(NotImplementedError, match="objects_to_skip"):
        model.load_weights(tmp_path / "m.dk", objects_to_skip=[model.layers[0]])
    model.load_weights(tmp_path / "m.dk", objects_to_skip=None, by_name=False)  # Keras's defaults


def test_load_weights_into_an_unbuilt_model_says_load(tmp_path):
    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    built = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    built.save_weights(tmp_path / "w.dk")
    with pytest.raises(ValueError, match="not been built yet, so there are no weights to load into") as error:
        Sub().load_weights(tmp_path / "w.dk")
    assert "save" not in str(error.value)


def test_pickle_round_trip(data):
    x, y = data
    model = trained_model(data, optimizers.Adam(learning_rate=0.01))
    clone = pickle.loads(pickle.dumps(model))
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    assert clone.compiled and clone.optimizer.iterations == model.optimizer.iterations
    assert summary_text(clone) == summary_text(model)
    h1 = model.fit(x, y, batch_size=16, epochs=2, verbose=0).history
    h2 = clone.fit(x, y, batch_size=16, epochs=2, verbose=0).history
    assert h1 == h2
    assert_same_weights(clone, model)

    uncompiled = make_model(None)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(uncompiled)).predict(x, verbose=0),
                                  uncompiled.predict(x, verbose=0))


def test_json_and_config_round_trips(data):
    x, y = data
    model = trained_model(data)
    from_json = keras.models.model_from_json(model.to_json())
    assert from_json.compiled
    assert isinstance(from_json.optimizer, optimizers.Adam)
    assert from_json.loss == "sparse_categorical_crossentropy"
    assert [layer.name for layer in from_json.layers] == [layer.name for layer in model.layers]
    from_json.set_weights(model.get_weights())
    np.testing.assert_array_equal(from_json.predict(x, verbose=0), model.predict(x, verbose=0))
    from_json.fit(x, y, epochs=1, verbose=0)

    from_config = keras.Sequential.from_config(model.get_config())
    assert [layer.name for layer in from_config.layers] == [layer.name for layer in model.layers]
    from_config.set_weights(model.get_weights())
    np.testing.assert_array_equal(from_config.predict(x, verbose=0), model.predict(x, verbose=0))
    assert from_config.get_config() == model.get_config()

    uncompiled = make_model(None)
    assert not keras.models.model_from_json(uncompiled.to_json()).compiled


# --- reference files: every released format version stays loadable --------------------------------

def _reference(version):
    """The reference file of ``version``, loaded, with what it predicted when it was written."""
    path = DATA_DIR / f"model_v{version}.dk"
    with safetensors.safe_open(str(path), framework="numpy") as f:
        assert f.metadata()["format_version"] == str(version)
    expected = np.load(DATA_DIR / f"model_v{version}_expected.npz")
    model = keras.models.load_model(path)
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected["predictions"], rtol=1e-5, atol=1e-6)
    assert isinstance(model.optimizer, optimizers.Adam) and model.optimizer.iterations == 3
    return model, expected


def _takes_the_recorded_step(model, expected):
    """One more full-batch step gives the weights the model had when the file was written."""
    before = model.get_weights()
    model.fit(expected["x"], expected["y"], batch_size=len(expected["x"]), epochs=1, verbose=0)
    assert model.optimizer.iterations == 4
    assert not all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    after = model.get_weights()
    assert len(after) == 4
    for i, w in enumerate(after):
        np.testing.assert_allclose(w, expected[f"weights_after_step_{i}"], rtol=1e-5, atol=1e-6)


def test_reference_file_v1_loads_and_predicts():
    model, expected = _reference(1)
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]
    _takes_the_recorded_step(model, expected)


def test_reference_file_v2_with_recorded_ops_loads_predicts_and_trains_on():
    model, expected = _reference(2)
    assert {"ElementwiseOp", "BinaryOp", "IndexMapOp", "Reduce"} <= {type(layer).__name__ for layer in model.layers}
    _takes_the_recorded_step(model, expected)


def test_a_file_takes_the_oldest_format_version_that_holds_its_model(tmp_path):
    """Version 2 only for models with recorded ops: a plain model stays readable by version-1 readers."""
    x = keras.Input((3,))
    plain, with_ops = keras.Model(x, layers.Dense(2)(x)), keras.Model(x, keras.ops.square(layers.Dense(2)(x)))
    for model, version in [(plain, "1"), (with_ops, "2")]:
        model.save(tmp_path / "m.dk")
        with safetensors.safe_open(str(tmp_path / "m.dk"), framework="numpy") as f:
            assert f.metadata()["format_version"] == version
