"""What Keras writes and reads beyond the layers themselves: to_json() that Keras's
model_from_json reads, a densekit Sequential holding a functional model written as the functional
model its graph is, nested models in model_from_json, and compile configs without an optimizer."""

import json
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("h5py", reason="Keras files need h5py (pip install 'densekit[keras]')")

import densekit as keras  # noqa: E402
from densekit import layers  # noqa: E402
from file_helpers import edit_json, rewrite_archive  # noqa: E402

KERAS_DIR = Path(__file__).resolve().parent.parent / "data" / "keras"


def sequential_holding_a_functional_block():
    keras.utils.set_random_seed(2)
    x = keras.Input((4,))
    h = layers.Dense(5, name="f_d1")(x)
    block = keras.Model(x, layers.Add(name="f_add")([layers.Dense(5, name="f_d2")(h), h]), name="fblock")
    return keras.Sequential([keras.Input((4,)), block, layers.Dense(1, name="top")])


def test_a_sequential_whose_graph_is_no_chain_is_written_as_a_functional_model(tmp_path):
    model = sequential_holding_a_functional_block()
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    config = json.loads(model.to_json())
    assert (config["module"], config["class_name"]) == ("keras.src.models.functional", "Functional")
    add = next(e for e in config["config"]["layers"] if e["class_name"] == "Add")
    assert len(add["inbound_nodes"][0]["args"][0]) == 2  # both inputs of the skip connection
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        assert json.loads(archive.read("config.json"))["class_name"] == "Functional"
    for path in (tmp_path / "m.keras", tmp_path / "m.dk"):
        if path.suffix == ".dk":
            model.save(path)
        np.testing.assert_array_equal(keras.models.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_chain_stays_a_sequential():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dropout(0.5), layers.Dense(1)])
    config = json.loads(model.to_json())
    assert (config["module"], config["class_name"]) == ("keras", "Sequential")


def test_to_json_has_seeds_kerass_tensorflow_backend_takes():
    keras.utils.set_random_seed(11)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dropout(0.5), layers.Dense(1)])
    seeds = []

    def collect(value):
        if isinstance(value, dict):
            for k, v in value.items():
                if k == "seed" and isinstance(v, int):
                    seeds.append(v)
                collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)

    collect(json.loads(model.to_json()))
    assert seeds and all(0 <= s < 2 ** 31 for s in seeds)


def test_model_from_json_inlines_nested_models_as_load_model_does():
    with zipfile.ZipFile(KERAS_DIR / "nested.keras") as archive:
        config = json.loads(archive.read("config.json"))
    assert any(e["class_name"] in ("Sequential", "Functional") for e in config["config"]["layers"])
    from_json = keras.models.model_from_json(json.dumps(config))
    loaded = keras.models.load_model(KERAS_DIR / "nested.keras")
    assert [layer.name for layer in from_json.layers] == [layer.name for layer in loaded.layers]
    assert from_json.count_params() == loaded.count_params()


def compiled_model():
    keras.utils.set_random_seed(4)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((8, 4), "float32"), np.ones((8, 1), "float32"), verbose=0)
    return model


def test_a_compile_config_without_an_optimizer_compiles_with_rmsprop_as_keras_does(tmp_path):
    """Keras's .h5 writer takes the optimizer out of the model's compile config; a to_json() or a
    .keras archive written after that has none, and Keras compiles with compile()'s default."""
    model = compiled_model()
    config = json.loads(model.to_json())
    del config["compile_config"]["optimizer"]
    assert type(keras.models.model_from_json(json.dumps(config)).optimizer).__name__ == "RMSprop"

    model.save(tmp_path / "written.keras")
    rewrite_archive(tmp_path / "written.keras", tmp_path / "m.keras",
                    config=edit_json(lambda archived: archived["compile_config"].pop("optimizer")))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = keras.models.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer).__name__ == "RMSprop"
    # Adam's saved variables do not fit RMSprop: a fresh optimizer, with Keras's kind of warning
    assert any("optimizer variables do not match the model's RMSprop optimizer" in str(w.message) for w in caught)
    x = np.ones((2, 4), "float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_sequential_from_config_rebuilds_a_sequential_written_as_functional():
    model = sequential_holding_a_functional_block()
    again = keras.Sequential.from_config(model.get_config())
    again.set_weights(model.get_weights())
    x = np.random.default_rng(1).normal(size=(3, 4)).astype("float32")
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_wrappers_copy_starts_from_the_models_own_weights():
    """to_json() reduces the seeds to what Keras reads; the wrappers' copy uses densekit's own
    config, whose seeds reproduce the model's initial weights (docs/sklearn.md)."""
    from densekit.wrappers.model_building import compiled_copy

    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    copy = compiled_copy(model, "SKLearnRegressor")
    for a, b in zip(copy.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_outputs_taken_straight_from_a_nested_functional_model_resolve():
    """Keras names such an output by the nested model, counting its calls from 1 there (its
    built-in node is 0, which functional_from_config's get_tensor undoes) though from 0 in
    inbound nodes: the loader looked for call 1 and refused the file."""
    with zipfile.ZipFile(KERAS_DIR / "nested.keras") as archive:
        config = json.loads(archive.read("config.json"))
    config["config"]["layers"] = [e for e in config["config"]["layers"] if e["config"]["name"] not in ("cat", "head")]
    config["config"]["output_layers"] = [["sub", 1, 0], ["sub", 1, 1]]
    del config["compile_config"]
    model = keras.models.model_from_json(json.dumps(config))
    full = keras.models.load_model(KERAS_DIR / "nested.keras")
    assert model.output_shape == [(None, 3), (None, 3)]
    inner_heads = keras.Model(full.inputs, [full.get_layer(name).output for name in model.output_names])
    for w in model.weights:  # the full model's weights of the layers of those names
        w.assign({v.name: v for v in full.get_layer(w.path.split("/")[-2]).weights}[w.name].numpy())
    x = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4)
    for a, b in zip(model.predict(x, verbose=0), inner_heads.predict(x, verbose=0)):
        np.testing.assert_allclose(a, b, rtol=1e-6)
