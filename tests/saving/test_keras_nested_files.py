"""Keras files of models with nested models (tests/data/keras/, made by make_reference_files.py):
a functional model nested in a Sequential (``seq_nested``), a Sequential in a Sequential
(``seq_in_seq``) and nested models in a functional model (``nested``; more in
test_keras_files.py). densekit inlines nested models (docs/keras-files.md); the files load with
Keras's predictions, the inner layers' names and parameter counts, and the optimizer's state."""

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

h5py = pytest.importorskip("h5py", reason="Keras files need h5py (pip install 'densekit[keras]')")

import densekit as keras  # noqa: E402
from file_helpers import edit_json, rewrite_archive  # noqa: E402

KERAS_DIR = Path(__file__).resolve().parent.parent / "data" / "keras"
# name: (the class densekit builds, the tolerance of the step after loading: BatchNormalization's
# training-mode statistics amplify float32 rounding through Adam's normalised step, as in
# test_keras_files.py; a fresh Adam misses seq_nested's step by 0.06)
NESTED = {"seq_nested": ("Functional", 1e-3), "seq_in_seq": ("Sequential", 1e-5), "nested": ("Functional", 1e-3),
          "nested_order": ("Functional", 1e-5)}


@pytest.fixture(scope="module")
def expected():
    with np.load(KERAS_DIR / "expected.npz") as f:
        return dict(f)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("name", NESTED)
def test_nested_models_load_inlined_with_kerass_predictions_names_counts_and_state(name, suffix, expected):
    model = keras.models.load_model(KERAS_DIR / f"{name}{suffix}")
    kind, tolerance = NESTED[name]
    assert type(model).__name__ == kind and model.name == name
    # The inner layers, named and counted as in Keras (listed in the flat graph's order, which
    # for nested_order is not Keras's depth-first order of the nesting).
    inner = {layer.name: layer.count_params() for layer in model.layers if type(layer).__name__ != "InputLayer"}
    assert inner == dict(zip(expected[f"{name}/leaf_names"], expected[f"{name}/leaf_params"].tolist()))
    assert model.count_params() == expected[f"{name}/params"][0]
    np.testing.assert_allclose(model.predict(expected[f"{name}/x0"], verbose=0), expected[f"{name}/y"],
                               rtol=1e-5, atol=1e-6)
    assert model.optimizer.iterations == 4
    model.train_on_batch(expected[f"{name}/train_x0"][:8], expected[f"{name}/train_y"][:8])
    np.testing.assert_allclose(model.predict(expected[f"{name}/x0"], verbose=0), expected[f"{name}/y_after_step"],
                               rtol=tolerance, atol=tolerance)


def test_a_functional_model_in_a_sequential_becomes_one_functional_graph():
    """The Sequential's chain is wired as Keras's Sequential builds it: its InputLayer, then each
    layer on the previous one; the functional model's branches keep their own wiring."""
    model = keras.models.load_model(KERAS_DIR / "seq_nested.keras")
    config = json.loads(model.to_json())["config"]
    inbound = {e["config"]["name"]: [t["config"]["keras_history"][0] for node in e["inbound_nodes"]
                                     for arg in node["args"] for t in (arg if isinstance(arg, list) else [arg])]
               for e in config["layers"]}
    assert inbound == {"input_layer": [], "p_dense": ["input_layer"], "g_left": ["p_dense"], "g_right": ["p_dense"],
                       "g_add": ["g_left", "g_right"], "s_bn": ["g_add"], "s_head": ["s_bn"]}


@pytest.mark.parametrize("name", NESTED)
def test_written_back_the_flat_model_loads_with_the_same_predictions(name, expected, tmp_path):
    model = keras.models.load_model(KERAS_DIR / f"{name}.keras")
    model.save(tmp_path / "flat.keras")
    with zipfile.ZipFile(tmp_path / "flat.keras") as archive:
        config = json.loads(archive.read("config.json"))
    assert not [e for e in config["config"]["layers"] if e["class_name"] in ("Sequential", "Functional")]
    again = keras.models.load_model(tmp_path / "flat.keras")
    np.testing.assert_array_equal(again.predict(expected[f"{name}/x0"], verbose=0),
                                  model.predict(expected[f"{name}/x0"], verbose=0))
    assert again.optimizer.iterations == 4


# --- Keras's weights-only files of nested models, in load_weights ------------------------------------
@pytest.mark.parametrize("suffix", [".weights.h5", ".keras"])
@pytest.mark.parametrize("name", NESTED)
def test_load_weights_reads_kerass_nested_layout_onto_the_inlined_model(name, suffix, expected):
    """Keras's file keeps each layer under its nested model's path (layers/sequential/layers/dense);
    each inlined layer takes the group Keras wrote under its name, and the optimizer's slots
    follow the nesting, so the step after loading is Keras's."""
    fresh = keras.models.model_from_json(keras.models.load_model(KERAS_DIR / f"{name}.keras").to_json())
    assert fresh.optimizer.iterations == 0
    fresh.load_weights(KERAS_DIR / f"{name}{suffix}")
    assert_predicts_and_steps_as_keras(fresh, name, expected)


def assert_predicts_and_steps_as_keras(model, name, expected):
    """Keras's predictions, its 4 iterations, and its next training step on the same batch."""
    np.testing.assert_allclose(model.predict(expected[f"{name}/x0"], verbose=0), expected[f"{name}/y"],
                               rtol=1e-5, atol=1e-6)
    assert model.optimizer.iterations == 4
    model.train_on_batch(expected[f"{name}/train_x0"][:8], expected[f"{name}/train_y"][:8])
    tolerance = NESTED[name][1]
    np.testing.assert_allclose(model.predict(expected[f"{name}/x0"], verbose=0), expected[f"{name}/y_after_step"],
                               rtol=tolerance, atol=tolerance)


def edited_model(name, change):
    config = json.loads(keras.models.load_model(KERAS_DIR / f"{name}.keras").to_json())
    change(config["config"]["layers"])
    return keras.models.model_from_json(json.dumps(config))


def test_a_nested_weights_file_needs_the_models_layer_names():
    def rename(layers):
        next(e for e in layers if e["config"]["name"] == "i_dense")["config"]["name"] = "renamed"
    model = edited_model("seq_in_seq", rename)
    with pytest.raises(ValueError, match=r"holds weights for layer 'i_dense' \(at 'layers/sequential/layers/dense'\), "
                                         r"which the model does not have"):
        model.load_weights(KERAS_DIR / "seq_in_seq.weights.h5")
    assert model.optimizer.iterations == 0


def test_layers_out_of_the_nested_order_load_but_leave_the_optimizer_state():
    """g_left and g_right have the same shapes: listed the other way round, the model would take
    each one's slots for the other's, so densekit checks the order against the file's keys
    (dense before dense_1 in the nested model) and keeps the optimizer as it was."""
    def swap(layers):
        names = [e["config"]["name"] for e in layers]
        i, j = names.index("g_left"), names.index("g_right")
        layers[i], layers[j] = layers[j], layers[i]
    model = edited_model("seq_nested", swap)
    assert [e["config"]["name"] for e in json.loads(model.to_json())["config"]["layers"]][2:4] == ["g_right", "g_left"]
    with pytest.warns(UserWarning, match="not in the order of the file's nested models"):
        model.load_weights(KERAS_DIR / "seq_nested.weights.h5")
    assert model.optimizer.iterations == 0
    with np.load(KERAS_DIR / "expected.npz") as f:
        np.testing.assert_allclose(model.predict(f["seq_nested/x0"], verbose=0), f["seq_nested/y"], rtol=1e-5,
                                   atol=1e-6)


def test_a_nested_weights_file_without_layer_names_is_refused(tmp_path):
    """Keras writes each layer's name on its vars group (keras/src/saving/saving_lib.py,
    ``_save_state``); without it the nested layers cannot be found in the inlined model."""
    path = tmp_path / "w.weights.h5"
    path.write_bytes((KERAS_DIR / "seq_in_seq.weights.h5").read_bytes())
    with h5py.File(path, "r+") as f:
        f.visititems(lambda name, obj: obj.attrs.__delitem__("name") if "name" in obj.attrs else None)
    model = keras.models.load_model(KERAS_DIR / "seq_in_seq.keras")
    with pytest.raises(ValueError, match="records no layer name at 'layers/"):
        model.load_weights(path)


# --- a whole legacy .h5 model file of nested models, in load_weights ---------------------------------
@pytest.mark.parametrize("name", NESTED)
def test_load_weights_of_a_legacy_h5_model_file_shares_nested_groups_out_by_name(name, expected):
    """Keras 3's ``model.save("m.h5")`` keeps one ``model_weights/<nested model>`` group per nested
    model (weights named ``seq_in_seq/inner/i_dense/kernel``); the model_config gives the nesting,
    so each inlined layer takes its weights, and the optimizer's slots come across."""
    fresh = keras.models.model_from_json(keras.models.load_model(KERAS_DIR / f"{name}.keras").to_json())
    fresh.load_weights(KERAS_DIR / f"{name}.h5")
    assert_predicts_and_steps_as_keras(fresh, name, expected)


def test_a_legacy_h5_pairs_optimizer_slots_by_name_whatever_the_models_order(expected):
    """g_left and g_right have the same shapes: listed the other way round in the model, each
    still takes its own weights and slots (the file's inlined model orders the slots), so the
    step after loading is Keras's."""
    def swap(layers):
        names = [e["config"]["name"] for e in layers]
        i, j = names.index("g_left"), names.index("g_right")
        layers[i], layers[j] = layers[j], layers[i]
    model = edited_model("seq_nested", swap)
    model.load_weights(KERAS_DIR / "seq_nested.h5")
    assert model.optimizer.iterations == 4
    model.train_on_batch(expected["seq_nested/train_x0"][:8], expected["seq_nested/train_y"][:8])
    np.testing.assert_allclose(model.predict(expected["seq_nested/x0"], verbose=0), expected["seq_nested/y_after_step"],
                               rtol=1e-3, atol=1e-3)


def test_a_legacy_h5_of_nested_models_needs_the_models_layer_names():
    def rename(layers):
        next(e for e in layers if e["config"]["name"] == "i_dense")["config"]["name"] = "renamed"
    model = edited_model("seq_in_seq", rename)
    with pytest.raises(ValueError, match=r"seq_in_seq\.h5' holds no weights for layer 'renamed'"):
        model.load_weights(KERAS_DIR / "seq_in_seq.h5")
    assert model.optimizer.iterations == 0


def test_a_legacy_h5_of_nested_models_loads_into_a_model_that_is_not_compiled(expected):
    model = keras.models.load_model(KERAS_DIR / "nested.keras", compile=False)
    fresh = keras.models.model_from_json(model.to_json())
    fresh.load_weights(KERAS_DIR / "nested.h5")
    np.testing.assert_allclose(fresh.predict(expected["nested/x0"], verbose=0), expected["nested/y"],
                               rtol=1e-5, atol=1e-6)


KERAS_WRITES_TWO_HEADED_SEQUENTIAL = r"""
import json, sys
import numpy as np
import keras
keras.utils.set_random_seed(0)
inner_in = keras.Input((2,))
heads = keras.Model(inner_in, [keras.layers.Dense(1, name="a")(inner_in), keras.layers.Dense(3, name="b")(inner_in)])
model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, name="d"), heads])
model.save(sys.argv[1])
x = np.arange(8, dtype="float32").reshape(4, 2)
print(json.dumps([p.tolist() for p in model.predict(x, verbose=0)]))
"""


def test_kerass_sequential_whose_last_layer_gives_two_outputs_loads_with_both(tmp_path):
    """Its outputs were cut to the first: the chain's end took only the nested model's output 0."""
    from keras_live import run_keras

    path = tmp_path / "two_heads.keras"
    theirs = run_keras(KERAS_WRITES_TWO_HEADED_SEQUENTIAL, path)
    model = keras.models.load_model(path)
    assert model.output_shape == [(None, 1), (None, 3)]
    ours = model.predict(np.arange(8, dtype="float32").reshape(4, 2), verbose=0)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, np.array(b), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("mask", [[None], [None, None], {"a": None}])
def test_a_nested_call_whose_masks_are_all_none_is_inlined(mask, expected, tmp_path):
    """Keras writes a multi-input nested model's call with ``{"mask": [None, None]}``; such a
    file was refused as a call with arguments other than tensors."""
    def absent_masks(config):
        for layer in config["config"]["layers"]:
            for node in layer.get("inbound_nodes", []):
                if "mask" in node.get("kwargs", {}):
                    node["kwargs"]["mask"] = mask

    path = rewrite_archive(KERAS_DIR / "nested.keras", tmp_path / "masks.keras", config=edit_json(absent_masks))
    model = keras.models.load_model(path)
    np.testing.assert_allclose(model.predict(expected["nested/x0"], verbose=0), expected["nested/y"],
                               rtol=1e-5, atol=1e-6)


def test_a_nested_call_with_a_mask_is_still_refused(tmp_path):
    def a_mask(config):
        config["config"]["layers"][2]["inbound_nodes"][0]["kwargs"]["mask"] = [None, [[1.0]]]

    path = rewrite_archive(KERAS_DIR / "nested.keras", tmp_path / "mask.keras", config=edit_json(a_mask))
    with pytest.raises(ValueError, match="nested model 'sub' is called with"):
        keras.models.load_model(path)
