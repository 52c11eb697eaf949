"""Legacy ``.h5`` model files written by tf.keras 2.x (Keras 2.15, both optimizer generations:
tests/data/keras/make_tf_keras2_reference_files.py) load with Keras's predictions and with the
optimizer's state, so one more training step lands where tf.keras 2.x's did (docs/keras-files.md)."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

h5py = pytest.importorskip("h5py", reason="Keras files need h5py (pip install 'densekit[keras]')")

import densekit as keras  # noqa: E402
from densekit import _core  # noqa: E402
from densekit.saving import native_bytes  # noqa: E402

KERAS_DIR = Path(__file__).resolve().parent.parent / "data" / "keras"

# Per reference file: the optimizer class, its learning rate, and where each tf.keras 2.x slot
# goes among densekit's (Keras 3's) slots, written out here from the Keras 2.15 sources
# (keras/src/optimizers/{adam,sgd,rmsprop}.py and keras/src/optimizers/legacy/ beside them).
FILES = {
    "adam": ("Adam", 0.01, {"m": "momentum", "v": "velocity"}),
    "sgd": ("SGD", 0.05, {"m": "momentum"}),
    "rmsprop": ("RMSprop", 0.01, {"velocity": "velocity", "momentum": "momentum",
                                  "average_gradient": "average_gradient"}),
    "legacy_adam": ("Adam", 0.01, {"m": "momentum", "v": "velocity"}),
    "legacy_sgd": ("SGD", 0.05, {"momentum": "momentum"}),
    "legacy_rmsprop": ("RMSprop", 0.01, {"rms": "velocity", "momentum": "momentum", "mg": "average_gradient"}),
}


@pytest.fixture(scope="module")
def expected():
    with np.load(KERAS_DIR / "expected_tf_keras2.npz") as f:
        return dict(f)


def file_slots(name):
    """{densekit tensor name: value} of the file's optimizer slots, from tf.keras 2.x's names:
    ``<opt>/<slot>/<layer>/<weight>:0``, or ``<opt>/<layer>/<weight>/<slot>:0`` (legacy)."""
    slots, out = FILES[name][2], {}
    with h5py.File(KERAS_DIR / f"tf2_{name}.h5", "r") as f:
        group = f["optimizer_weights"]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        iterations = int(group[names[0]][()])
        for weight_name in names[1:]:
            parts = weight_name.removesuffix(":0").split("/")
            slot, path = (parts[-1], parts[1:-1]) if name.startswith("legacy_") else (parts[1], parts[2:])
            out[f"optimizer/{slots[slot]}/{'/'.join(path)}"] = np.asarray(group[weight_name][()])
    return iterations, out


def without_dropout(name, tmp_path):
    """A copy of the file whose Dropout rate is 0, as tf.keras 2.x's step after saving was taken
    (two frameworks cannot draw the same dropout mask); everything else as Keras wrote it."""
    path = tmp_path / f"{name}.h5"
    shutil.copy(KERAS_DIR / f"tf2_{name}.h5", path)
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        for entry in config["config"]["layers"]:
            if entry["class_name"] == "Dropout":
                entry["config"]["rate"] = 0.0
        f.attrs["model_config"] = json.dumps(config)
    return path


@pytest.mark.parametrize("name", FILES)
def test_tf_keras2_files_load_with_their_predictions_and_optimizer_state(name, expected, recwarn):
    model = keras.models.load_model(KERAS_DIR / f"tf2_{name}.h5")
    assert not [w for w in recwarn if "optimizer" in str(w.message)]  # no fresh optimizer
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected[f"{name}/y"], rtol=1e-5, atol=1e-6)
    assert [layer.name for layer in model.layers] == ["hidden", "dropout", "hidden_2", "out"]
    class_name, learning_rate, _ = FILES[name]
    assert type(model.optimizer).__name__ == class_name
    assert model.optimizer.learning_rate == pytest.approx(learning_rate)
    iterations, slots = file_slots(name)
    assert model.optimizer.iterations == iterations == 4  # 2 epochs of 2 steps in tf.keras
    _, tensors = native_bytes.unpack(_core.save_model_to_bytes(model._core))
    ours = {k: v for k, v in tensors.items() if k.startswith("optimizer/") and k != "optimizer/iterations"}
    assert sorted(ours) == sorted(slots)
    for key, value in slots.items():
        np.testing.assert_array_equal(ours[key], value, err_msg=key)
    assert any(np.abs(v).max() > 0 for v in slots.values())


@pytest.mark.parametrize("name", FILES)
def test_one_more_step_matches_tf_keras2(name, expected, tmp_path):
    """Only the restored state lands where tf.keras 2.x did: a fresh optimizer misses by 1e-2."""
    model = keras.models.load_model(without_dropout(name, tmp_path))
    model.train_on_batch(expected["train_x"][:8], expected["train_y"][:8])
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected[f"{name}/y_after_step"],
                               rtol=1e-5, atol=1e-6)
    history = model.fit(expected["train_x"], expected["train_y"], batch_size=8, epochs=2, verbose=0)
    assert model.optimizer.iterations == 4 + 1 + 4 and "mae" in history.history  # the metric came across


def test_load_weights_maps_tf_keras2_optimizer_state_onto_a_compiled_model(expected, tmp_path):
    """load_weights of a whole tf.keras 2.x model file into a compiled model of the same
    architecture: the weights and the optimizer's state, as load_model would."""
    path = without_dropout("legacy_adam", tmp_path)
    fresh = keras.models.model_from_json(keras.models.load_model(path).to_json())
    assert fresh.optimizer.iterations == 0
    fresh.load_weights(path)
    assert fresh.optimizer.iterations == 4
    fresh.train_on_batch(expected["train_x"][:8], expected["train_y"][:8])
    np.testing.assert_allclose(fresh.predict(expected["x"], verbose=0), expected["legacy_adam/y_after_step"],
                               rtol=1e-5, atol=1e-6)


def test_another_optimizers_state_gives_a_fresh_optimizer_with_a_warning(expected, tmp_path):
    """A file whose optimizer config says SGD but whose variables are Adam's (m and v): the slots
    do not fit, so the model gets a fresh SGD and a warning, never Adam's moments as momentum."""
    path = tmp_path / "m.h5"
    shutil.copy(KERAS_DIR / "tf2_legacy_adam.h5", path)
    with h5py.File(path, "r+") as f:
        training = json.loads(f.attrs["training_config"])
        training["optimizer_config"] = {"class_name": "SGD", "config": {"name": "SGD", "learning_rate": 0.05,
                                                                        "decay": 0.0, "momentum": 0.9}}
        f.attrs["training_config"] = json.dumps(training)
    with pytest.warns(UserWarning, match=r"tf.keras 2.x optimizer variables .* are not those of the SGD optimizer"):
        model = keras.models.load_model(path)
    assert type(model.optimizer).__name__ == "SGD" and model.optimizer.iterations == 0
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected["legacy_adam/y"], rtol=1e-5)


def test_a_legacy_learning_rate_decay_is_named_in_a_warning(tmp_path):
    path = tmp_path / "m.h5"
    shutil.copy(KERAS_DIR / "tf2_legacy_sgd.h5", path)
    with h5py.File(path, "r+") as f:
        training = json.loads(f.attrs["training_config"])
        training["optimizer_config"]["config"]["decay"] = 0.01
        f.attrs["training_config"] = json.dumps(training)
    with pytest.warns(UserWarning, match=r"decays the learning rate as lr / \(1 \+ 0.01 \* iterations\)"):
        model = keras.models.load_model(path)
    assert model.optimizer.iterations == 4


# Ftrl and Lion as tf.keras 2.x named their slots (Keras 2.15: keras/src/optimizers/ftrl.py and
# lion.py add "accumulator", "linear" and "m"; legacy/ftrl.py adds the slots "accumulator" and
# "linear"), written into a copy of an Adam file: its m (and v) values become theirs.
RENAMED = {
    "ftrl": ("adam", {"class_name": "Custom>Ftrl", "config": {
        "name": "Ftrl", "learning_rate": 0.05, "learning_rate_power": -0.5, "initial_accumulator_value": 0.1,
        "l1_regularization_strength": 0.0, "l2_regularization_strength": 0.0,
        "l2_shrinkage_regularization_strength": 0.0, "beta": 0.0, "is_legacy_optimizer": False}},
             {"m": "accumulator", "v": "linear"}),
    "legacy_ftrl": ("legacy_adam", {"class_name": "Ftrl", "config": {
        "name": "Ftrl", "learning_rate": 0.05, "decay": 0.0, "learning_rate_power": -0.5,
        "initial_accumulator_value": 0.1, "l1_regularization_strength": 0.0, "l2_regularization_strength": 0.0,
        "l2_shrinkage_regularization_strength": 0.0, "beta": 0.0}}, {"m": "accumulator", "v": "linear"}),
    "lion": ("adam", {"class_name": "Custom>Lion", "config": {
        "name": "Lion", "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.99, "is_legacy_optimizer": False}},
             {"m": "m"}),
}


@pytest.mark.parametrize("name", RENAMED)
def test_ftrl_and_lion_state_of_tf_keras2_files_comes_across(name, tmp_path):
    source, optimizer_config, renames = RENAMED[name]
    legacy = source.startswith("legacy_")
    path = tmp_path / f"{name}.h5"
    shutil.copy(KERAS_DIR / f"tf2_{source}.h5", path)
    expected = {}
    with h5py.File(path, "r+") as f:
        training = json.loads(f.attrs["training_config"])
        training["optimizer_config"] = optimizer_config
        f.attrs["training_config"] = json.dumps(training)
        group = f["optimizer_weights"]
        names = []
        for old in (n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]):
            parts = old.removesuffix(":0").split("/")
            if old == names_first(old, legacy):
                names.append(old)
                continue
            slot, path_parts = (parts[-1], parts[1:-1]) if legacy else (parts[1], parts[2:])
            if slot not in renames:
                del group[old]
                continue
            new_slot = renames[slot]
            new = "/".join(["Ftrl" if "ftrl" in name else "Lion"] +
                           (path_parts + [new_slot] if legacy else [new_slot] + path_parts)) + ":0"
            group.move(old, new)
            names.append(new)
            native_slot = {"m": "momentum"}.get(new_slot, new_slot)
            expected[f"optimizer/{native_slot}/{'/'.join(path_parts)}"] = np.asarray(group[new][()])
        group.attrs["weight_names"] = [n.encode() for n in names]
    model = keras.models.load_model(path)
    assert type(model.optimizer).__name__ == optimizer_config["config"]["name"]
    _, tensors = native_bytes.unpack(_core.save_model_to_bytes(model._core))
    ours = {k: v for k, v in tensors.items() if k.startswith("optimizer/") and k != "optimizer/iterations"}
    assert sorted(ours) == sorted(expected) and model.optimizer.iterations == 4
    for key, value in expected.items():
        np.testing.assert_array_equal(ours[key], value, err_msg=key)


def names_first(name, legacy):
    """The iteration count's name, which stays as it is."""
    return name if (name.endswith("/iter:0") if legacy else name == "iteration:0") else None
