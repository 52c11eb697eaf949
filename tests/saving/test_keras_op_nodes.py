"""Keras files and configs whose functional graph calls ops on its tensors (``x * 2.0``,
``x + y``, ``keras.ops.relu(x)``): Keras saves each call as an op node outside ``model.layers``,
and densekit replays them through densekit.ops (saving/keras_op_nodes.py). The reference file
was written by Keras (tests/data/keras/make_op_nodes.py)."""

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("h5py", reason="Keras files need h5py (pip install 'densekit[keras]')")

import densekit as keras  # noqa: E402
from densekit import ops  # noqa: E402
from densekit.saving import keras_layout  # noqa: E402
from densekit.saving.keras_layout import KerasFileError  # noqa: E402
from keras_live import run_keras  # noqa: E402

KERAS_DIR = Path(__file__).resolve().parent.parent / "data" / "keras"
ARCHIVE = KERAS_DIR / "op_nodes.keras"


@pytest.fixture(scope="module")
def expected():
    with np.load(KERAS_DIR / "op_nodes.npz") as f:
        return dict(f)


@pytest.fixture(scope="module")
def keras_config():
    return json.loads((KERAS_DIR / "op_nodes_config.json").read_text())


def edited_archive(tmp_path, edit):
    """A copy of the reference archive whose config.json went through ``edit``."""
    out = tmp_path / "edited.keras"
    with zipfile.ZipFile(ARCHIVE) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "config.json":
                serialized = json.loads(data)
                edit(serialized["config"])
                data = json.dumps(serialized).encode()
            target.writestr(item, data)
    return out


def op_entry(config, name):
    return next(entry for entry in config["layers"] if entry["name"] == name)


def test_the_file_has_op_nodes_of_many_kinds(keras_config):
    modules = {entry["module"] for entry in keras_config["layers"]}
    assert {"keras.src.ops.numpy", "keras.src.ops.nn"} <= modules
    assert len([e for e in keras_config["layers"] if keras_layout.is_op_entry(e)]) == 16


def test_a_keras_file_with_op_nodes_loads_with_kerass_predictions(expected):
    model = keras.models.load_model(ARCHIVE)
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected["y"], rtol=1e-5, atol=1e-6)
    assert model.count_params() == int(expected["params"])
    # The file's layers keep their names and classes; densekit's records of the ops come beside them.
    names = [layer.name for layer in model.layers]
    assert set(expected["layer_names"]) <= set(names) and len(set(names)) == len(names)
    assert model.get_layer("activation").get_config()["activation"] == "tanh"
    assert model.get_layer("rescaling").get_config()["scale"] == 3.0
    assert model.get_layer("out").get_weights()[0].shape == (6, 3)


def test_the_loaded_model_keeps_its_optimizer_state_and_trains_on(expected):
    model = keras.models.load_model(ARCHIVE)
    assert int(model.optimizer.iterations.numpy()) == 8  # two epochs of 4 steps in Keras
    before = model.predict(expected["x"], verbose=0)
    history = model.fit(expected["x"], np.arange(10) % 3, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert not np.allclose(model.predict(expected["x"], verbose=0), before)


def test_kerass_layer_list_leaves_the_op_nodes_out(keras_config, expected):
    # The weights file's groups are numbered along Keras's model.layers, which holds no op.
    listed = [name for name, _ in keras_layout.config_layers({"config": keras_config})]
    assert listed == list(expected["layer_names"])
    paths = [path for _, path in keras_layout.store_paths("Functional", keras_config["layers"])]
    assert paths == ["layers/input_layer", "layers/dense", "layers/activation", "layers/dense_1",
                     "layers/rescaling", "layers/dense_2"]


@pytest.mark.parametrize("how", ["from_config", "model_from_json"])
def test_a_keras_config_with_op_nodes_rebuilds(how, keras_config, expected):
    if how == "from_config":
        model = keras.Model.from_config(keras_config)
    else:
        model = keras.models.model_from_json(json.dumps({"class_name": "Functional", "config": keras_config}))
    loaded = keras.models.load_model(ARCHIVE)
    for name in ("hidden", "skip", "out"):
        model.get_layer(name).set_weights(loaded.get_layer(name).get_weights())
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected["y"], rtol=1e-5, atol=1e-6)


def test_an_op_densekit_does_not_have_is_refused_naming_it(tmp_path, keras_config):
    def rename(config):
        op_entry(config, "exp")["class_name"] = "Erfinv"

    with pytest.raises(KerasFileError, match=r"op 'exp' \(Erfinv\) is one densekit.ops does not have"):
        keras.models.load_model(edited_archive(tmp_path, rename))
    config = json.loads(json.dumps(keras_config))
    rename(config)
    with pytest.raises(KerasFileError, match=r"op 'exp' \(Erfinv\)"):
        keras.Model.from_config(config)


def test_an_op_densekit_cannot_record_is_refused_naming_it(tmp_path):
    def slice_the_batch(config):  # u[:3, :5]: rows of the batch, which a per-sample graph cannot take
        op_entry(config, "get_item")["inbound_nodes"][0]["args"][1][0]["config"]["stop"] = 3

    with pytest.raises(KerasFileError, match=r"op 'get_item' \(GetItem\) cannot be recorded.*batch axis"):
        keras.models.load_model(edited_archive(tmp_path, slice_the_batch))


@pytest.mark.parametrize("name", ["nested", "in_sequential", "inner_is_output"])
def test_ops_inside_a_nested_model_load_with_kerass_predictions(name, expected):
    # Ops in a nested functional model and around it; in a functional model a Sequential holds;
    # and in a nested model whose output is the model's, which Keras names ["inner_out", 1, 0].
    path, want = KERAS_DIR / f"op_nodes_{name}.keras", expected[f"{name}_y"]
    model = keras.models.load_model(path)
    np.testing.assert_allclose(model.predict(expected["nested_x"], verbose=0), want, rtol=1e-5, atol=1e-6)
    with zipfile.ZipFile(path) as archive:
        serialized = json.loads(archive.read("config.json"))
    for rebuilt in (keras.models.model_from_json(json.dumps(serialized)),
                    keras.Model.from_config(serialized["config"]) if name != "in_sequential" else None):
        if rebuilt is not None:
            rebuilt.set_weights(model.get_weights())
            np.testing.assert_allclose(rebuilt.predict(expected["nested_x"], verbose=0), want, rtol=1e-5, atol=1e-6)


def test_a_legacy_h5_whose_op_nodes_lost_their_module_is_refused():
    # Keras 3's legacy writer saves `Dense(2)(x) * 2.0 + 1.0` as "Multiply" and "Add" entries with
    # no module, which read as the merge layers would drop the constants; Keras refuses the file.
    with pytest.raises(KerasFileError, match=r"layer 'multiply(_\d+)?' \(Multiply\) is called as an op is"):
        keras.models.load_model(KERAS_DIR / "op_nodes_legacy.h5")


def test_an_ellipsis_in_a_key_is_read(tmp_path):
    def ellipsis_first(config):  # u[..., :5]
        op_entry(config, "get_item")["inbound_nodes"][0]["args"][1] = [
            {"class_name": "__ellipsis__", "config": {}},
            {"class_name": "__slice__", "config": {"start": None, "stop": 5, "step": None}}]

    model = keras.models.load_model(edited_archive(tmp_path, ellipsis_first))
    original = keras.models.load_model(ARCHIVE)
    x = np.random.default_rng(2).normal(size=(4, 6)).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), original.predict(x, verbose=0))


def test_two_entries_of_one_name_are_refused(tmp_path):
    def rename(config):
        entry = op_entry(config, "square")
        entry["name"] = entry["config"]["name"] = "absolute"

    with pytest.raises(KerasFileError, match="the name 'absolute' is given to two entries"):
        keras.models.load_model(edited_archive(tmp_path, rename))


def test_recorded_ops_keep_their_names_through_files(tmp_path):
    # Each record takes its Keras op's name when read back: the names do not drift save after save.
    x = keras.Input((3,))
    model = keras.Model(x, ops.mean(ops.exp(x) ** 2.0, axis=-1))
    names = [layer.name for layer in model.layers]
    for i in range(2):
        model.save(tmp_path / f"m{i}.keras")
        model = keras.models.load_model(tmp_path / f"m{i}.keras")
        assert [layer.name for layer in model.layers] == names


def test_a_record_called_twice_reloads(tmp_path):
    # Each call of an op replays as a record of its own; only the first takes the op's name.
    model = twice_called_model()
    model.save(tmp_path / "m.keras")
    back = keras.models.load_model(tmp_path / "m.keras")
    x = np.random.default_rng(3).normal(size=(4, 3)).astype("float32")
    for got, want in zip(back.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_array_equal(got, want)


def test_a_layer_made_in_another_thread_during_a_replay_is_named_as_usual():
    import threading

    from densekit.utils import naming

    made = {}
    with naming.first_layer_named("reserved_for_the_op"):
        thread = threading.Thread(target=lambda: made.setdefault("layer", keras.layers.Dense(2)))
        thread.start()
        thread.join()
        assert naming.layer_name("dense") == "reserved_for_the_op"
    assert made["layer"].name != "reserved_for_the_op"


def test_calls_by_keyword_and_on_dicts_are_not_taken_for_ops(tmp_path):
    # Only two positional arguments, or a constant one, mark an op's node without its module.
    entry = {"class_name": "Dense", "config": {"name": "d"}, "name": "d", "inbound_nodes": [
        {"args": [], "kwargs": {"inputs": {"class_name": "__keras_tensor__", "config": {}}}},
        {"args": [{"a": {"class_name": "__keras_tensor__", "config": {}}}], "kwargs": {}},
        {"args": [[{"class_name": "__keras_tensor__", "config": {}}]], "kwargs": {}}]}
    keras_layout._check_called_as_a_layer(entry, "f")
    entry["inbound_nodes"] = [{"args": [{"class_name": "__keras_tensor__", "config": {}}, 2.0], "kwargs": {}}]
    with pytest.raises(KerasFileError, match="called as an op is"):
        keras_layout._check_called_as_a_layer(entry, "f")


def test_names_made_while_avoiding_pass_over_them():
    from densekit.utils import naming

    first = naming.auto_name("avoided_thing")
    taken = {f"{first}_{i}" for i in range(1, 4)}
    with naming.avoiding(taken):
        made = naming.auto_name("avoided_thing")
    assert made not in taken and made.startswith(first)


@pytest.mark.parametrize("damage", [
    lambda c: c["layers"].append("relu"),
    lambda c: op_entry(c, "relu").pop("class_name"),
    lambda c: op_entry(c, "relu").update(config=[1]),
    lambda c: op_entry(c, "relu").update(inbound_nodes={"a": 1}),
    lambda c: op_entry(c, "maximum")["inbound_nodes"][0]["args"].__setitem__(
        1, {"class_name": "__numpy__", "config": {"value": [1.0], "dtype": "nope"}}),
    lambda c: op_entry(c, "get_item")["inbound_nodes"][0]["args"].__setitem__(
        1, {"class_name": "__tuple__", "config": {"value": 3}}),
    lambda c: op_entry(c, "get_item")["inbound_nodes"][0]["args"].__setitem__(
        1, {"class_name": "__slice__", "config": "x"}),
    lambda c: op_entry(c, "relu")["inbound_nodes"][0].update(args={"x": 1}),
    lambda c: op_entry(c, "relu")["inbound_nodes"][0].update(kwargs=[1]),
    lambda c: op_entry(c, "relu")["inbound_nodes"][0]["args"][0]["config"].update(keras_history=[["hidden"], 0, 0]),
    lambda c: op_entry(c, "relu")["inbound_nodes"][0]["args"][0]["config"].update(keras_history=["nowhere", 0, 0]),
    lambda c: op_entry(c, "relu")["inbound_nodes"].append(7),
    lambda c: c.update(output_layers=["nowhere", 0, 0]),
    lambda c: c.update(input_layers=3),
], ids=["entry", "class", "op_config", "nodes", "numpy", "tuple", "slice", "args", "kwargs", "history", "unmade",
        "node", "outputs", "inputs"])
def test_a_damaged_config_with_op_nodes_is_refused_naming_the_problem(damage, keras_config):
    config = json.loads(json.dumps(keras_config))
    damage(config)
    with pytest.raises(KerasFileError, match="'The model config'|The model config"):
        keras.Model.from_config(config)


def test_get_item_reads_a_list_key_as_a_tuple():
    # keras/src/ops/numpy.py (GetItem.call): a list key is a tuple, not a fancy index.
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    np.testing.assert_array_equal(ops.get_item(x, [slice(None), 1]), x[:, 1])
    inputs = keras.Input((3, 4))
    model = keras.Model(inputs, ops.get_item(inputs, [slice(None), slice(1, 3), 2]))
    np.testing.assert_array_equal(model.predict(x, verbose=0), x[:, 1:3, 2])


def test_the_archive_is_kerass_own():
    with zipfile.ZipFile(ARCHIVE) as archive:
        metadata = json.load(io.BytesIO(archive.read("metadata.json")))
    assert metadata["keras_version"].startswith("3.")


# --- writing: densekit's records of ops as Keras's op nodes ------------------------------------
def ops_model():
    """A model whose ops densekit records and Keras has: (outputs, the (module, class) of each
    op node written, in the config's order)."""
    x = keras.Input((3, 4))
    h = keras.layers.Dense(4, name="hidden")(x)
    a = ops.exp(-ops.abs(h))
    outs = [ops.mean(a ** 2.5, axis=-1, keepdims=True), ops.clip(2.0 ** h, 0.0, 3.0), h[:, 1:3, ::2],
            ops.transpose(h, (0, 2, 1)), h / (a + 1.0), ops.take(h, [0, 2], axis=2), ops.sum(h, axis=(1, 2)),
            ops.maximum(h, 0.5), ops.logsumexp(h, axis=-1), ops.rsqrt(ops.square(h) + 1.0), ops.mod(h, 0.7),
            2.0 / (ops.square(h) + 1.0), ops.hypot(h, 2.0), ops.isnan(h)]
    return keras.Model(x, outs)


def twice_called_model():
    """A model whose records of exp and `+ 1.0` are each called twice (a nested model used twice,
    inlined): their entries have two nodes each."""
    i = keras.Input((3,))
    inner = keras.Model(i, ops.exp(i) + 1.0, name="inner")
    j = keras.Input((3,))
    return keras.Model(j, [inner(j), inner(ops.tanh(j))])


def written_config(model, path):
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))["config"]


def test_densekits_records_are_written_as_kerass_op_nodes(tmp_path):
    model = ops_model()
    config = written_config(model, tmp_path / "m.keras")
    by_name = {entry["name"]: entry for entry in config["layers"]}
    kinds = {(e["module"], e["class_name"]) for e in config["layers"] if keras_layout.is_op_entry(e)}
    assert kinds == {("keras.src.ops.numpy", c) for c in (
        "Absolute", "Exp", "Power", "Mean", "Clip", "GetItem", "Transpose", "TrueDivide", "Take", "Sum", "Maximum",
        "Square", "Mod")} | {("keras.src.ops.math", "Logsumexp"), ("keras.src.ops.math", "Rsqrt")}
    # Keras's own node forms: the number where the op puts it, the reduction's options, the key.
    assert by_name["rpower"]["inbound_nodes"][0]["args"][0] == 2.0
    assert by_name["power"]["inbound_nodes"][0]["args"][1] == 2.5
    assert by_name["rdivide"]["inbound_nodes"][0]["args"][0] == 2.0
    assert by_name["mean"]["config"] == {"name": "mean", "axis": [2], "keepdims": True}
    assert by_name["clip"]["config"] == {"name": "clip", "x_min": 0.0, "x_max": 3.0}
    key = by_name["get_item"]["inbound_nodes"][0]["args"][1]
    assert [k["config"] for k in key] == [{"start": None, "stop": None, "step": None},
                                         {"start": 1, "stop": 3, "step": 1}, {"start": None, "stop": None, "step": 2}]
    divide = by_name["divide"]["inbound_nodes"][0]["args"]
    assert len(divide) == 2 and all(a["class_name"] == "__keras_tensor__" for a in divide)
    # Keras computes isnan in booleans, and its hypot refuses a number: densekit's records stay its own.
    assert by_name["isnan"]["module"] == by_name["hypot"]["module"] == "densekit.ops"
    twice = written_config(twice_called_model(), tmp_path / "twice.keras")
    exp = next(entry for entry in twice["layers"] if entry["class_name"] == "Exp")
    assert len(exp["inbound_nodes"]) == 2


def test_a_written_model_with_op_nodes_loads_back_the_same(tmp_path):
    model = ops_model()
    model.compile(optimizer="adam", loss=["mse"] * len(model.outputs))
    x = np.random.default_rng(0).normal(size=(5, 3, 4)).astype("float32")
    y = [np.zeros((5,) + tuple(t.shape[1:]), "float32") for t in model.outputs]
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    back = keras.models.load_model(tmp_path / "m.keras")
    for got, want in zip(back.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_array_equal(got, want)
    assert int(back.optimizer.iterations.numpy()) == 1
    model.save_weights(tmp_path / "m.weights.h5")
    back.load_weights(tmp_path / "m.weights.h5")


KERAS_PREDICTS = """
import json, sys
import numpy as np
import keras
model = keras.models.load_model(sys.argv[1])
with np.load(sys.argv[2]) as f:
    expected = [f[f"y{i}"] for i in range(len(f.files) - 1)]
    predicted = model.predict(f["x"], verbose=0)
print(json.dumps([float(np.abs(np.asarray(p, "float32") - e).max()) for p, e in zip(predicted, expected)]))
"""


@pytest.mark.parametrize("make", ["ops", "twice_called"])
def test_keras_loads_densekits_op_nodes_with_the_same_predictions(make, tmp_path):
    if make == "ops":
        model = ops_model()
        model = keras.Model(model.inputs, model.outputs[:-2])  # hypot with a number and isnan stay densekit's own
        x = np.random.default_rng(1).normal(size=(6, 3, 4)).astype("float32")
    else:
        model = twice_called_model()
        x = np.random.default_rng(1).normal(size=(6, 3)).astype("float32")
    model.save(tmp_path / "m.keras")
    np.savez(tmp_path / "m.npz", x=x, **{f"y{i}": y for i, y in enumerate(model.predict(x, verbose=0))})
    differences = run_keras(KERAS_PREDICTS, tmp_path / "m.keras", tmp_path / "m.npz")
    assert len(differences) == len(model.outputs) and max(differences) <= 1e-5, differences
