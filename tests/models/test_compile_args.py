"""compile()'s per-output arguments are resolved once, in C++ (cpp/src/training/compile_args.cpp),
by Keras's rules (keras/src/trainers/compile_utils.py): compile() and a loaded compile config go
through the same code, with the same errors. class_weight is a fit option of the C++ loop."""

import json

import numpy as np
import pytest

import densekit as keras
from densekit import _core, layers

# frozen() trains nothing, so its weights stay put for the class-weight checks; Keras warns of that.
pytestmark = pytest.mark.filterwarnings("ignore:The model does not have any trainable weights")


def two_outputs():
    x = keras.Input((3,), name="x")
    h = layers.Dense(4, activation="relu", name="h")(x)
    return keras.Model(x, [layers.Dense(1, name="a")(h), layers.Dense(1, name="b")(h)])


def data(n=12, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)).astype("float32"), [rng.normal(size=(n, 1)), rng.normal(size=(n, 1))]


def test_dict_loss_weights_leave_missing_outputs_at_one():
    x, ys = data()
    model = two_outputs()
    model.compile("sgd", loss={"a": "mse", "b": "mae"}, loss_weights={"b": 3.0})
    logs = model.evaluate(x, ys, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(logs["a_loss"] + 3.0 * logs["b_loss"], rel=1e-5)
    pa, pb = model.predict(x, verbose=0)
    assert logs["b_loss"] == pytest.approx(np.mean(np.abs(pb - ys[1])), rel=1e-5)


@pytest.mark.parametrize("kwargs, message", [
    (dict(loss=["mse", "mse"], loss_weights=2.0), "got 2 losses and 1 weight"),
    (dict(loss=["mse"]), r"2 output\(s\) \(\['a', 'b'\]\) but 1 losses were given"),
    (dict(loss={"a": "mse", "c": "mse"}), "key 'c' does not correspond to any model output"),
    (dict(loss=["mse", None]), r"none was given for \['b'\]"),
    (dict(loss="mse", loss_weights=[1.0]), "got 2 losses and 1 weights"),
    (dict(loss="mse", loss_weights={"z": 1.0}), "key 'z' does not correspond"),
    (dict(loss="mse", metrics=["mae", "mse", "mae"]), "as many entries as the model has outputs"),
    (dict(loss="mse", weighted_metrics={"q": ["mae"]}), "key 'q' does not correspond"),
    (dict(loss="mse", loss_weights=[1.0, "x"]), "Every loss weight must be a number"),
])
def test_bad_per_output_arguments_name_the_problem(kwargs, message):
    with pytest.raises(ValueError, match=message):
        two_outputs().compile("sgd", **kwargs)


def test_a_loaded_compile_config_follows_the_same_rules():
    """A Keras-written compile config keyed by output names loads through the compile() rules."""
    x, ys = data()
    model = two_outputs()
    model.compile("sgd", loss={"a": "mse", "b": "mae"}, loss_weights={"b": 3.0}, metrics={"a": ["mae"]})
    expected = model.evaluate(x, ys, verbose=0, return_dict=True)
    config = json.loads(_core.model_config_json(model._core))
    config["compile_config"] = {"optimizer": "sgd", "loss": {"b": "mae", "a": "mse"}, "loss_weights": {"b": 3.0},
                                "metrics": {"a": ["mae"]}, "weighted_metrics": None}
    loaded = _core.model_from_config_json(json.dumps(config), True)
    options = loaded.compiled_metrics
    assert [[m.name for m in per] for per in options[0]] == [["mae"], []]
    config["compile_config"]["loss"] = {"a": "mse", "c": "mae"}
    with pytest.raises(ValueError, match="key 'c' does not correspond to any model output"):
        _core.model_from_config_json(json.dumps(config), True)
    config["compile_config"]["loss"] = ["mse"]
    with pytest.raises(ValueError, match="but 1 losses were given"):
        _core.model_from_config_json(json.dumps(config), True)
    assert sorted(expected) == ["a_loss", "a_mae", "b_loss", "loss"]


def test_a_metric_object_given_to_compile_is_the_one_updated():
    """keras/src/trainers/compile_utils.py uses the Metric instances it is given."""
    x, ys = data()
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    mae = keras.metrics.MeanAbsoluteError(name="my_mae")
    model.compile("sgd", "mse", metrics=[mae])
    logs = model.evaluate(x, ys[0], verbose=0, return_dict=True)
    assert float(mae.result()) == pytest.approx(logs["my_mae"], rel=1e-6)
    history = model.fit(x, ys[0], epochs=2, verbose=0).history
    assert float(mae.result()) == pytest.approx(history["my_mae"][-1], rel=1e-6)


def test_compile_without_a_loss_is_refused_at_fit():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile("sgd", metrics=["mae"])
    assert model.compiled
    with pytest.raises(ValueError, match="No loss to compute"):
        model.fit(*data()[:1], np.zeros((12, 1)), verbose=0)


def frozen(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1, trainable=False)])
    model.compile("sgd", "mse")
    return model


def test_class_weight_weighs_training_data_only():
    """Keras applies class_weight to the training batches, not to validation_split's part."""
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(20, 3)).astype("float32"), (rng.random(20) > 0.5).astype("float32")
    plain = frozen().fit(x, y, validation_split=0.25, batch_size=20, verbose=0).history
    weighted = frozen().fit(x, y, validation_split=0.25, class_weight={0: 1.0, 1: 5.0}, batch_size=20,
                            verbose=0).history
    assert weighted["val_loss"] == plain["val_loss"]
    assert weighted["loss"] != plain["loss"]
    model = frozen()
    p = model.predict(x[:15], verbose=0)[:, 0]
    cw = np.where(y[:15] == 1, 5.0, 1.0)
    np.testing.assert_allclose(weighted["loss"][0], np.sum(cw * (p - y[:15]) ** 2) / 15, rtol=1e-5)


def test_class_weight_on_a_batch_matches_the_sample_weights():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(8, 3)).astype("float32"), rng.integers(0, 2, 8).astype("float32")
    by_class = frozen().train_on_batch(x, y, class_weight={1: 4.0})
    by_sample = frozen().train_on_batch(x, y, sample_weight=np.where(y == 1, 4.0, 1.0))
    assert by_class == pytest.approx(by_sample, rel=1e-6)


@pytest.mark.parametrize("class_weight, message", [
    ({0: float("nan")}, "finite weights; class 0 has NaN"),
    ({1: float("inf")}, "class 1 has an infinite weight"),
    ({0: "heavy"}, "must map class indices to numbers"),
    ([1.0, 2.0], "must be a dict"),
])
def test_bad_class_weights_are_refused(class_weight, message):
    x, y = np.zeros((4, 3), "float32"), np.zeros(4, "float32")
    with pytest.raises(ValueError, match=message):
        frozen().fit(x, y, class_weight=class_weight, verbose=0)


def test_class_weight_with_sample_weight_is_refused():
    x, y = np.zeros((4, 3), "float32"), np.zeros(4, "float32")
    with pytest.raises(ValueError, match="class_weight` and `sample_weight` at the same time"):
        frozen().fit(x, y, class_weight={0: 1.0}, sample_weight=np.ones(4), verbose=0)
    with pytest.raises(ValueError, match="class_weight` and `sample_weight` at the same time"):
        frozen().train_on_batch(x, y, class_weight={0: 1.0}, sample_weight=np.ones(4))


def test_class_weight_looks_labels_up_as_keras_does():
    """keras/src/trainers/data_adapters/data_adapter_utils.py: each label rounded half to even
    (np.round), then class_weight.get(int(label), 1.0). So float keys (np.unique of float labels)
    name their classes, and a label of 0.5 is class 0 (it was class 1: rounded half away)."""
    x = np.zeros((4, 3), "float32")
    y = np.array([0.0, 1.0, 1.0, 0.5], "float32")
    float_keys = {np.float32(0.0): 2.0, np.float32(1.0): 3.0}
    by_class = frozen().train_on_batch(x, y, class_weight=float_keys)
    by_sample = frozen().train_on_batch(x, y, sample_weight=np.array([2.0, 3.0, 3.0, 2.0]))
    assert by_class == pytest.approx(by_sample, rel=1e-6)
    halves = frozen().train_on_batch(x, np.array([1.5, 2.5, -0.5, 0.5], "float32"), class_weight={2: 5.0, 0: 7.0})
    expected = frozen().train_on_batch(x, np.array([1.5, 2.5, -0.5, 0.5], "float32"),
                                       sample_weight=np.array([5.0, 5.0, 7.0, 7.0]))
    assert halves == pytest.approx(expected, rel=1e-6)


def _binary_model():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1, activation="sigmoid")])
    model.set_weights([np.full((3, 1), 0.1, np.float32), np.zeros(1, np.float32)])
    return model


def test_a_recompile_without_loss_or_metrics_keeps_the_last_ones_as_keras_does(tmp_path):
    """keras/src/trainers/trainer.py replaces the loss and metrics only when compile() is given
    them: the fine-tuning recompile for a smaller learning rate keeps `accuracy` (history,
    metrics_names and evaluate's list lost it here)."""
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = _binary_model()
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, verbose=0)
    model.compile(keras.optimizers.Adam(1e-4))
    history = model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y))
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert model.metrics_names == ["loss", "compile_metrics"] and len(model.evaluate(x, y, verbose=0)) == 2
    expected = keras.losses.binary_crossentropy(y, model.predict(x, verbose=0)).mean()
    assert model.evaluate(x, y, verbose=0)[0] == pytest.approx(expected, rel=1e-5)
    model.compile("sgd", "binary_crossentropy", weighted_metrics=["mse"])  # (given metrics replace them)
    assert sorted(model.evaluate(x, y, verbose=0, return_dict=True)) == ["loss", "mse"]
    model.save(tmp_path / "m.dk")
    loaded = keras.models.load_model(tmp_path / "m.dk")
    loaded.compile("adam")  # a loaded model keeps the compile settings its file records
    assert sorted(loaded.evaluate(x, y, verbose=0, return_dict=True)) == ["loss", "mse"]


def test_the_loop_options_read_back_as_keras_gives_them():
    """trainer_test.py reads them: Keras's defaults (jit_compile "auto" is False on a CPU), what
    compile() was given, and what is set later."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    assert (model.run_eagerly, model.jit_compile, model.steps_per_execution) == (False, False, 1)
    model.compile("adam", "mse", run_eagerly=True, steps_per_execution=4)
    assert (model.run_eagerly, model.jit_compile, model.steps_per_execution) == (True, False, 4)
    model.run_eagerly = False
    assert model.run_eagerly is False
    with pytest.warns(UserWarning, match="`jit_compile` cannot also be True"):
        model.compile("adam", "mse", run_eagerly=True, jit_compile=True)
    assert model.jit_compile is False


def test_one_outputs_loss_may_sit_in_a_list_of_its_own():
    """functional_test.py's nested loss structures: loss={"a": ["mse"]} and ["mse", ["bce"]] train
    as the plain forms (Keras 3.15's values); densekit said "Could not interpret loss identifier"."""
    inputs = keras.Input((3,))
    first = keras.layers.Dense(1, name="output_a", kernel_initializer="ones")(inputs)
    second = keras.layers.Dense(1, name="output_b", activation="sigmoid", kernel_initializer="ones")(inputs)
    x, targets = np.ones((4, 3)), [np.zeros((4, 1)), np.ones((4, 1))]
    by_name = keras.Model(inputs, {"output_a": first, "output_b": second})
    by_name.compile("sgd", {"output_a": ["mse"], "output_b": "binary_crossentropy"})
    listed = keras.Model(inputs, [first, second])
    listed.compile("sgd", ["mse", ["binary_crossentropy"]])
    for model, y in ((by_name, dict(zip(["output_a", "output_b"], targets))), (listed, targets)):
        np.testing.assert_allclose(model.evaluate(x, y, verbose=0), [9.0485874, 9.0, 0.0485874], rtol=1e-5)
