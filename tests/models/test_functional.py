"""Functional models: building from symbolic calls, several inputs and outputs, shared layers,
data as lists and dicts, losses per output, summary, configs, JSON and model files. Keras
counterparts: keras/src/models/functional.py, keras/src/trainers/compile_utils.py,
keras/src/trainers/trainer.py, keras/src/utils/summary_utils.py and keras/src/saving/."""

import json
import warnings

import numpy as np
import pytest

import densekit as keras
from densekit import layers


def wide_and_deep():
    inputs = keras.Input(shape=(8,))
    hidden1 = layers.Dense(30, activation="relu")(inputs)
    hidden2 = layers.Dense(30, activation="relu")(hidden1)
    concat = layers.concatenate([inputs, hidden2])
    output = layers.Dense(1)(concat)
    return keras.Model(inputs=[inputs], outputs=[output])


def two_inputs_two_outputs():
    input_wide = keras.Input(shape=(5,), name="wide_input")
    input_deep = keras.Input(shape=(6,), name="deep_input")
    hidden1 = layers.Dense(30, activation="relu")(input_deep)
    hidden2 = layers.Dense(30, activation="relu")(hidden1)
    concat = layers.concatenate([input_wide, hidden2])
    output = layers.Dense(1, name="main_output")(concat)
    aux_output = layers.Dense(1, name="aux_output")(hidden2)
    return keras.Model(inputs=[input_wide, input_deep], outputs=[output, aux_output])


def housing(n=300, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype("float32")
    y = (x[:, :1] * 2 - x[:, 1:2] + 0.5 * x[:, 2:3] ** 2).astype("float32")
    return x, y


# --------------------------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------------------------
def test_wide_and_deep_has_1239_parameters_and_trains():
    model = wide_and_deep()
    assert type(model).__name__ == "Functional" and isinstance(model, keras.Model) and model.name == "functional"
    assert model.count_params() == 1239
    assert [layer.name for layer in model.layers] == ["input_layer", "dense", "dense_1", "concatenate", "dense_2"]
    assert model.get_layer(index=0).name == "input_layer" and model.output_names == ["dense_2"]
    assert model.input_shape == (None, 8) and model.output_shape == (None, 1)
    x, y = housing()
    model.compile(loss="mse", optimizer=keras.optimizers.Adam(learning_rate=0.01))
    history = model.fit(x, y, epochs=20, verbose=0)
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
    assert model.predict(x[:3], verbose=0).shape == (3, 1)


def test_keras_model_is_also_models_model_and_accepts_keywords():
    x = keras.Input((3,))
    model = keras.models.Model(inputs=x, outputs=layers.Dense(2)(x), name="net")
    assert model.name == "net" and model.inputs[0] is x and model.input is x


def test_layer_and_model_called_on_arrays_run_eagerly():
    model = wide_and_deep()
    x, _ = housing(5)
    out = model(x)
    assert isinstance(out, np.ndarray) and out.shape == (5, 1)
    np.testing.assert_array_equal(out, model.predict(x, verbose=0))
    hidden = model.layers[1](x)
    np.testing.assert_allclose(hidden, np.maximum(x @ model.layers[1].get_weights()[0] + model.layers[1].get_weights()[1],
                                                  0), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(model.predict(x, verbose=0), out)  # the model still holds the same weights


def test_two_input_two_output_model_with_loss_weights():
    """loss = 0.9·main + 0.1·aux, with every tracker batch-size weighted (a densekit choice:
    Keras's per-output loss trackers are not weighted by batch size)."""
    model = two_inputs_two_outputs()
    model.compile(loss="mse", loss_weights=[0.9, 0.1], optimizer="sgd")
    rng = np.random.default_rng(1)
    xw, xd = rng.normal(size=(70, 5)), rng.normal(size=(70, 6))
    ym, ya = rng.normal(size=(70, 1)), rng.normal(size=(70, 1))
    history = model.fit((xw, xd), (ym, ya), epochs=2, batch_size=32, verbose=0).history
    assert sorted(history) == ["aux_output_loss", "loss", "main_output_loss"]
    for main, aux, total in zip(history["main_output_loss"], history["aux_output_loss"], history["loss"]):
        assert total == pytest.approx(0.9 * main + 0.1 * aux, rel=1e-6)  # logs are float32
    result = model.evaluate((xw, xd), (ym, ya), batch_size=32, verbose=0, return_dict=True)
    assert result["loss"] == pytest.approx(0.9 * result["main_output_loss"] + 0.1 * result["aux_output_loss"], rel=1e-6)
    pred_main, pred_aux = model.predict((xw, xd), verbose=0)
    assert result["main_output_loss"] == pytest.approx(np.mean((pred_main - ym) ** 2), rel=1e-5)
    assert result["aux_output_loss"] == pytest.approx(np.mean((pred_aux - ya) ** 2), rel=1e-5)


def test_dict_and_list_inputs_and_targets_are_interchangeable():
    model = two_inputs_two_outputs()
    model.compile(loss={"main_output": "mse", "aux_output": "mae"}, loss_weights={"main_output": 0.9, "aux_output": 0.1},
                  optimizer="sgd", metrics={"main_output": ["mae"], "aux_output": ["mse"]})
    rng = np.random.default_rng(2)
    xw, xd = rng.normal(size=(20, 5)), rng.normal(size=(20, 6))
    ym, ya = rng.normal(size=(20, 1)), rng.normal(size=(20, 1))
    as_list = model.predict([xw, xd], verbose=0)
    as_dict = model.predict({"deep_input": xd, "wide_input": xw}, verbose=0)
    assert isinstance(as_list, list) and len(as_list) == 2
    for a, b in zip(as_list, as_dict):
        np.testing.assert_array_equal(a, b)
    by_list = model.evaluate([xw, xd], [ym, ya], verbose=0)
    by_dict = model.evaluate({"wide_input": xw, "deep_input": xd}, {"aux_output": ya, "main_output": ym}, verbose=0)
    assert by_list == by_dict
    # Keras's order (_flatten_metrics_in_order in keras/src/trainers/trainer.py): loss, the
    # per-output losses in output order, then the rest sorted.
    logs = model.evaluate([xw, xd], [ym, ya], verbose=0, return_dict=True)
    assert by_list == [logs[k] for k in ["loss", "main_output_loss", "aux_output_loss", "aux_output_mse",
                                         "main_output_mae"]]
    assert logs["aux_output_loss"] == pytest.approx(np.mean(np.abs(as_list[1] - ya)), rel=1e-5)  # mae
    assert logs["aux_output_mse"] == pytest.approx(np.mean((as_list[1] - ya) ** 2), rel=1e-5)


def test_dict_outputs_predict_a_dict():
    x = keras.Input((3,), name="x")
    h = layers.Dense(4)(x)
    model = keras.Model({"x": x}, {"price": layers.Dense(1, name="p")(h), "kind": layers.Dense(2, name="k")(h)})
    model.compile("sgd", loss={"price": "mse", "kind": "sparse_categorical_crossentropy"})
    data = np.random.default_rng(3).normal(size=(6, 3))
    out = model.predict({"x": data}, verbose=0)
    assert isinstance(out, dict) and sorted(out) == ["kind", "price"] and out["kind"].shape == (6, 2)
    logs = model.fit({"x": data}, {"price": np.zeros((6, 1)), "kind": np.zeros(6)}, verbose=0).history
    assert sorted(logs) == ["kind_loss", "loss", "price_loss"]  # by the keys, as Keras (not "k_loss")


def test_metrics_per_output_follow_keras_rules():
    model = two_inputs_two_outputs()
    with pytest.raises(ValueError, match="as many entries as the model has outputs"):
        model.compile("sgd", "mse", metrics=["mae"])
    model.compile("sgd", "mse", metrics=["mae", ["mse", "mae"]])
    data = [np.zeros((4, 5)), np.zeros((4, 6))], [np.zeros((4, 1)), np.zeros((4, 1))]
    assert sorted(model.evaluate(*data, verbose=0, return_dict=True)) == [
        "aux_output_loss", "aux_output_mae", "aux_output_mse", "loss", "main_output_loss", "main_output_mae"]
    with pytest.raises(ValueError, match="key 'nope' does not correspond to any model output"):
        model.compile("sgd", loss={"nope": "mse"})
    with pytest.raises(ValueError, match="a loss for every output"):
        model.compile("sgd", loss={"main_output": "mse"})
    with pytest.raises(ValueError, match="2 losses and 3 weights"):
        model.compile("sgd", "mse", loss_weights=[1, 2, 3])


def test_data_errors_name_the_inputs_and_outputs():
    model = two_inputs_two_outputs()
    model.compile("sgd", "mse")
    xw, xd, y = np.zeros((4, 5)), np.zeros((4, 6)), np.zeros((4, 1))
    with pytest.raises(ValueError, match=r"without the model input\(s\) \['wide_input'\]; the model's inputs are "
                                         r"\['wide_input', 'deep_input'\] \(the dict's key\(s\) \['wide'\] match no input\)"):
        model.predict({"wide": xw, "deep_input": xd}, verbose=0)
    # A key that names no input is left unused when every input is there, as in Keras.
    np.testing.assert_array_equal(model.predict({"wide_input": xw, "deep_input": xd, "id": np.arange(4)}, verbose=0)[0],
                                  model.predict([xw, xd], verbose=0)[0])
    with pytest.raises(ValueError, match=r"without the model input\(s\) \['wide_input'\]"):
        model.predict({"deep_input": xd}, verbose=0)
    with pytest.raises(ValueError, match="2 inputs"):
        model.predict(xw, verbose=0)
    with pytest.raises(ValueError, match=r"key\(s\) \['main'\] that match no model output"):
        model.fit([xw, xd], {"main": y, "aux_output": y}, verbose=0)
    with pytest.raises(ValueError, match=r"Input 1 'deep_input'.*expected shape=\(None, 6\)"):
        model.predict([xw, xw], verbose=0)
    with pytest.raises(ValueError, match="one `sample_weight` array"):
        model.fit([xw, xd], [y, y], sample_weight=[np.ones(4), np.ones(4)], verbose=0)
    with pytest.raises(ValueError, match="single output"):
        model.fit([xw, xd], [y, y], class_weight={0: 1.0}, verbose=0)


def test_one_sample_weight_array_applies_to_every_output():
    model = two_inputs_two_outputs()
    model.compile("sgd", "mse")
    rng = np.random.default_rng(4)
    x = [rng.normal(size=(10, 5)), rng.normal(size=(10, 6))]
    y = [rng.normal(size=(10, 1)), rng.normal(size=(10, 1))]
    w = np.linspace(0, 1, 10)
    logs = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    main, aux = model.predict(x, verbose=0)
    assert logs["main_output_loss"] == pytest.approx(np.sum(w * ((main - y[0]) ** 2)[:, 0]) / 10, rel=1e-5)
    assert logs["aux_output_loss"] == pytest.approx(np.sum(w * ((aux - y[1]) ** 2)[:, 0]) / 10, rel=1e-5)


# --------------------------------------------------------------------------------------------
# shared layers, nesting, training flags, freezing
# --------------------------------------------------------------------------------------------
def test_a_shared_layer_has_one_set_of_weights_and_sums_its_gradients(gradcheck):
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    shared = layers.Dense(2, activation="tanh", name="shared")
    merged = layers.concatenate([shared(a), shared(b)])
    model = keras.Model([a, b], layers.Dense(1, name="head")(merged))
    model.compile("sgd", "mse")
    assert model.count_params() == 8 + 5 and len(model.weights) == 4
    rng = np.random.default_rng(5)

    def forward(w, inputs):
        left, right = (np.tanh(x @ w["shared"][0] + w["shared"][1]) for x in inputs)
        return [np.concatenate([left, right], axis=-1) @ w["head"][0] + w["head"][1]]

    gradcheck(model, [rng.normal(size=(5, 3)), rng.normal(size=(5, 3))], [rng.normal(size=(5, 1))], forward)
    config = json.loads(model.to_json())["config"]
    entry = next(e for e in config["layers"] if e["name"] == "shared")
    assert [n["args"][0]["config"]["keras_history"] for n in entry["inbound_nodes"]] == [["a", 0, 0], ["b", 0, 0]]
    head = next(e for e in config["layers"] if e["name"] == "concatenate")
    assert [t["config"]["keras_history"] for t in head["inbound_nodes"][0]["args"][0]] == [["shared", 0, 0],
                                                                                            ["shared", 1, 0]]


def test_layers_shared_by_two_models_stay_shared():
    """The autoencoder pattern: training the whole model trains the encoder's layers too."""
    x = keras.Input((6,))
    code = layers.Dense(2, name="code")(x)
    decoded = layers.Dense(6, name="decoded")(code)
    autoencoder, encoder = keras.Model(x, decoded), keras.Model(x, code)
    data = np.random.default_rng(6).normal(size=(64, 6)).astype("float32")  # predict's fast path too
    before = encoder.predict(data, verbose=0)
    autoencoder.compile("adam", "mse")
    autoencoder.fit(data, data, epochs=3, verbose=0)
    after = encoder.predict(data, verbose=0)
    assert not np.allclose(before, after)
    kernel, bias = autoencoder.get_layer("code").get_weights()
    np.testing.assert_allclose(after, data @ kernel + bias, rtol=1e-4, atol=1e-5)
    del autoencoder
    np.testing.assert_array_equal(encoder.predict(data, verbose=0), after)


def test_models_and_sequentials_called_on_symbolic_tensors():
    block = keras.Sequential([layers.Dense(4, activation="relu"), layers.Dense(3)])
    inner_in = keras.Input((3,))
    inner = keras.Model(inner_in, layers.Dense(2, name="inner_out")(inner_in))
    x = keras.Input((5,))
    model = keras.Model(x, inner(block(x)))
    data = np.random.default_rng(7).normal(size=(4, 5))
    expected = inner.predict(block.predict(data, verbose=0), verbose=0)
    np.testing.assert_allclose(model.predict(data, verbose=0), expected, rtol=1e-5, atol=1e-6)
    assert [layer.name for layer in model.layers] == ["input_layer_1", "dense", "dense_1", "inner_out"]


def test_explicit_training_argument_is_the_calls_default():
    # Keras 3: model(x) runs the layer in its flag's mode; predict, which passes training=False,
    # does not (tests/models/test_training_flags.py).
    x = keras.Input((200,))
    model = keras.Model(x, layers.Dropout(0.5)(x, training=True))
    data = np.ones((3, 200), "float32")
    assert set(np.unique(model(data))) == {0.0, 2.0}
    np.testing.assert_array_equal(model.predict(data, verbose=0), data)
    entry = json.loads(model.to_json())["config"]["layers"][1]
    assert entry["inbound_nodes"][0] == {"args": entry["inbound_nodes"][0]["args"], "kwargs": {"training": True}}
    clone = keras.models.model_from_json(model.to_json())
    assert set(np.unique(clone(data))) == {0.0, 2.0}


def test_trainable_false_freezes_a_layer_until_recompiled():
    model = wide_and_deep()
    x, y = housing(64)
    frozen = model.get_layer("dense")
    frozen.trainable = False
    model.compile("adam", "mse")
    before = frozen.get_weights()
    model.fit(x, y, epochs=2, verbose=0)
    for a, b in zip(before, frozen.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert sum(np.prod(w.shape) for w in model.non_trainable_weights) == 270
    frozen.trainable = True
    with pytest.warns(UserWarning, match="trainable` state has changed since the model was compiled"):
        model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(before[0], frozen.get_weights()[0])  # still frozen until compile()
    model.compile("adam", "mse")
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(before[0], frozen.get_weights()[0])


def test_freezing_after_compile_but_before_the_first_step_applies():
    # Keras builds its train function at the first step after compile(), with the trainable
    # state of that moment (keras/src/trainers/trainer.py, make_train_function)
    x, y = housing(64)
    for first_step in (lambda m: m.fit(x, y, epochs=1, verbose=0), lambda m: m.train_on_batch(x, y)):
        model = wide_and_deep()
        model.compile("adam", "mse")
        frozen = model.layers[1]  # the first Dense
        frozen.trainable = False
        before = frozen.get_weights()
        first_step(model)
        for a, b in zip(before, frozen.get_weights()):
            np.testing.assert_array_equal(a, b)


def test_a_tensor_listed_as_two_outputs_gets_both_losses_gradients():
    """Keras 3 (TensorFlow, checked): Model(x, [out, out]) sums both losses, so one SGD step moves
    the weights twice as far; the history has the one key both outputs share."""
    inputs = keras.Input((3,))
    dense = layers.Dense(2, name="d", kernel_initializer="ones")
    out = dense(inputs)
    model = keras.Model(inputs, [out, out])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=["mse", "mse"])
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32)
    history = model.fit(x, [y, y], epochs=1, verbose=0, shuffle=False)
    assert history.history == {"d_loss": [9.0], "loss": [18.0]}
    np.testing.assert_allclose(dense.get_weights()[0], np.full((3, 2), 0.4), rtol=1e-6)


def test_batch_normalization_in_a_functional_model_trains_and_infers():
    x = keras.Input((4,))
    h = layers.BatchNormalization()(layers.Dense(8)(x))
    model = keras.Model(x, layers.Dense(1)(layers.Activation("relu")(h)))
    model.compile("adam", "mse")
    data = np.random.default_rng(8).normal(size=(64, 4))
    model.fit(data, data.sum(1), epochs=2, verbose=0)
    bn = model.layers[2]
    assert not np.array_equal(bn.moving_mean.numpy(), np.zeros(8))
    np.testing.assert_array_equal(model.predict(data, verbose=0), model.predict(data, verbose=0))


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------
def test_graph_errors_are_clear():
    a, b = keras.Input((3,), name="a"), keras.Input((4,), name="b")
    with pytest.raises(ValueError, match="Graph disconnected.*Input 'b'"):
        keras.Model(a, layers.Dense(1)(b))
    with pytest.raises(ValueError, match="must be a tensor returned by densekit.Input"):
        hidden = layers.Dense(2)(a)
        keras.Model(hidden, layers.Dense(1)(hidden))
    with pytest.raises(ValueError, match='The name "same" is used 2 times'):
        keras.Model(a, layers.Dense(1, name="same")(layers.Dense(2, name="same")(a)))
    with pytest.raises(ValueError, match=r"Layer 'dense_\d+' \(Dense\) cannot be applied to its input 'b' \(None, 4\): "
                                         r"Input 0 .* expected axis -1 of input shape to have value 3"):
        shared = layers.Dense(2)
        shared(a)
        shared(b)
    with pytest.raises(ValueError, match="All `outputs` values must be KerasTensors"):
        keras.Model(a, np.ones(3))
    with pytest.raises(ValueError, match="is its input 'a'.*Pass the output through keras.layers.Identity"):
        keras.Model(a, a)


def test_symbolic_tensors_have_no_values():
    x = keras.Input((3,))
    with pytest.raises(TypeError, match="symbolic placeholder"):
        np.asarray(x)
    with pytest.raises(TypeError, match="no truth value"):
        bool(x)
    y = x * 2.0 + 1.0
    model = keras.Model(x, y - x)
    np.testing.assert_allclose(model.predict(np.ones((2, 3)), verbose=0), np.full((2, 3), 2.0))


# --------------------------------------------------------------------------------------------
# summary
# --------------------------------------------------------------------------------------------
TWO_INPUT_SUMMARY = """\
Model: "functional"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ a (InputLayer)      │ (None, 3)         │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ b (InputLayer)      │ (None, 4)         │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ concatenate         │ (None, 7)         │          0 │ a[0][0], b[0][0]  │
│ (Concatenate)       │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dense (Dense)       │ (None, 1)         │          8 │ concatenate[0][0] │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 8 (32.00 B)
 Trainable params: 8 (32.00 B)
 Non-trainable params: 0 (0.00 B)"""


def test_summary_of_a_graph_shows_connected_to(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    a, b = keras.Input((3,), name="a"), keras.Input((4,), name="b")
    model = keras.Model([a, b], layers.Dense(1)(layers.concatenate([a, b])))
    calls = []
    model.summary(print_fn=calls.append)
    assert calls == [TWO_INPUT_SUMMARY + "\n"]  # (ending with a line break, as Keras's captured text)


def test_summary_of_a_functional_chain_has_three_columns_and_the_input_row(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    x = keras.Input((8,))
    model = keras.Model(x, layers.Dense(1)(layers.Dense(4)(x)))
    calls = []
    model.summary(print_fn=calls.append)
    lines = calls[0].splitlines()
    assert lines[2] == "┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃"
    assert lines[4] == "│ input_layer (InputLayer)        │ (None, 8)              │             0 │"
    assert " Total params: 41 (164.00 B)" in lines


# --------------------------------------------------------------------------------------------
# configs, JSON, files
# --------------------------------------------------------------------------------------------
def test_config_follows_the_keras_schema():
    model = two_inputs_two_outputs()
    config = model.get_config()
    assert list(config) == ["name", "trainable", "layers", "input_layers", "output_layers"]
    assert config["input_layers"] == [["wide_input", 0, 0], ["deep_input", 0, 0]]
    assert config["output_layers"] == [["main_output", 0, 0], ["aux_output", 0, 0]]
    entries = {e["name"]: e for e in config["layers"]}
    assert list(entries["concatenate"]) == ["module", "class_name", "config", "registered_name", "build_config", "name",
                                            "inbound_nodes"]
    assert entries["concatenate"]["build_config"] == {"input_shape": [[None, 5], [None, 30]]}
    assert entries["wide_input"]["inbound_nodes"] == [] and "build_config" not in entries["wide_input"]
    tensor = entries["concatenate"]["inbound_nodes"][0]["args"][0][1]
    assert tensor == {"class_name": "__keras_tensor__", "config": {"shape": [None, 30], "dtype": "float32",
                                                                   "keras_history": ["dense_1", 0, 0]}}
    single = wide_and_deep().get_config()
    assert single["input_layers"] == [["input_layer", 0, 0]]  # built from lists: lists of triples
    x = keras.Input((2,), name="only")
    assert keras.Model(x, layers.Dense(1, name="out")(x)).get_config()["output_layers"] == ["out", 0, 0]


def test_config_and_json_round_trips_rebuild_identical_predictions():
    model = two_inputs_two_outputs()
    model.compile("adam", "mse", loss_weights=[0.9, 0.1], metrics=[["mae"], []])
    rng = np.random.default_rng(9)
    x = [rng.normal(size=(7, 5)), rng.normal(size=(7, 6))]
    expected = model.predict(x, verbose=0)
    from_config = keras.Model.from_config(model.get_config())
    from_json = keras.models.model_from_json(model.to_json())
    for clone in (from_config, from_json):
        assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
        clone.set_weights(model.get_weights())
        for a, b in zip(clone.predict(x, verbose=0), expected):
            np.testing.assert_array_equal(a, b)
    assert from_json.compiled and not from_config.compiled
    assert from_json.evaluate(x, [np.zeros((7, 1))] * 2, verbose=0, return_dict=True).keys() == {
        "loss", "main_output_loss", "aux_output_loss", "main_output_mae"}
    assert json.loads(from_json.to_json())["config"] == json.loads(model.to_json())["config"]


def test_a_keras_functional_config_rebuilds():
    """A config as Keras 3 writes it (dtype policies, inbound_nodes, nested input lists)."""
    policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}

    def tensor(name, shape):
        return {"class_name": "__keras_tensor__", "config": {"shape": shape, "dtype": "float32",
                                                             "keras_history": [name, 0, 0]}}

    def layer(cls, name, inputs, **config):
        return {"module": "keras.layers", "class_name": cls, "config": {"name": name, "trainable": True, "dtype": policy,
                                                                        **config},
                "registered_name": None, "name": name, "inbound_nodes": [{"args": [inputs], "kwargs": {}}]}

    config = {"module": "keras", "class_name": "Functional", "registered_name": "Functional", "config": {
        "name": "functional", "trainable": True,
        "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, 3], "dtype": "float32",
                                                                              "sparse": False, "ragged": False,
                                                                              "name": "a", "optional": False},
             "registered_name": None, "name": "a", "inbound_nodes": []},
            layer("Dense", "dense", tensor("a", [None, 3]), units=4, activation="relu", use_bias=True),
            layer("BatchNormalization", "bn", tensor("dense", [None, 4]), axis=-1, momentum=0.99, epsilon=0.001),
            layer("Add", "add", [tensor("dense", [None, 4]), tensor("bn", [None, 4])]),
            layer("Dense", "out", tensor("add", [None, 4]), units=1)],
        "input_layers": [["a", 0, 0]], "output_layers": [["out", 0, 0]]}}
    model = keras.models.model_from_json(json.dumps(config))
    assert [layer.name for layer in model.layers] == ["a", "dense", "bn", "add", "out"]
    assert model.count_params() == 16 + 16 + 5
    assert model.predict(np.ones((2, 3)), verbose=0).shape == (2, 1)


def test_functional_models_save_and_load(tmp_path):
    model = two_inputs_two_outputs()
    model.compile("adam", {"main_output": "mse", "aux_output": "mae"}, loss_weights=[0.9, 0.1], metrics=[["mae"], []])
    rng = np.random.default_rng(10)
    x = [rng.normal(size=(20, 5)), rng.normal(size=(20, 6))]
    y = [rng.normal(size=(20, 1)), rng.normal(size=(20, 1))]
    model.fit(x, y, epochs=2, verbose=0)
    path = tmp_path / "model.dk"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded).__name__ == "Functional" and loaded.output_names == ["main_output", "aux_output"]
    for a, b in zip(loaded.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_array_equal(a, b)
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    # Training resumes identically (optimizer state restored).
    h1 = model.fit(x, y, epochs=1, shuffle=False, verbose=0).history
    h2 = loaded.fit(x, y, epochs=1, shuffle=False, verbose=0).history
    assert h1 == h2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = []
        loaded.summary(print_fn=text.append)
    assert "Connected to" in text[0]


def test_dict_structures_survive_a_file(tmp_path):
    x = keras.Input((3,), name="x")
    model = keras.Model({"x": x}, {"b": layers.Dense(1, name="lb")(x), "a": layers.Dense(2, name="la")(x)})
    assert model.get_config()["output_layers"] == {"a": ["la", 0, 0], "b": ["lb", 0, 0]}
    model.save(tmp_path / "m.dk")
    loaded = keras.models.load_model(tmp_path / "m.dk")
    data = np.ones((2, 3))
    out, expected = loaded.predict({"x": data}, verbose=0), model.predict({"x": data}, verbose=0)
    assert sorted(out) == ["a", "b"]
    np.testing.assert_array_equal(out["a"], expected["a"])


def test_sequentials_use_up_functional_names_as_in_keras():
    """Every (re)build of a Sequential creates a Functional in Keras (keras/src/models/sequential.py)."""
    keras.Sequential([keras.Input((3,)), layers.Dense(2)])  # built once: functional
    grown = keras.Sequential([keras.Input((3,))])
    grown.add(layers.Dense(2))  # functional_1
    grown.add(layers.Dense(1))  # functional_2
    keras.Sequential([layers.Dense(2)])  # deferred: not built, no name used
    x = keras.Input((3,))
    assert keras.Model(x, layers.Dense(1)(x)).name == "functional_3"


def test_sequential_configs_with_the_new_layers_round_trip():
    norm = layers.Normalization()
    norm.adapt(np.random.default_rng(11).normal(size=(50, 4)) * 3 + 1)
    model = keras.Sequential([keras.Input((4,)), norm, layers.Dense(8), layers.BatchNormalization(), layers.LeakyReLU(),
                              layers.GaussianNoise(0.1), layers.Dense(3), layers.Softmax()])
    clone = keras.Sequential.from_config(model.get_config())
    assert [type(layer).__name__ for layer in clone.layers] == [type(layer).__name__ for layer in model.layers]
    clone.set_weights(model.get_weights())
    data = np.random.default_rng(12).normal(size=(5, 4))
    np.testing.assert_array_equal(clone.predict(data, verbose=0), model.predict(data, verbose=0))


def test_weighted_metrics_per_output():
    model = two_inputs_two_outputs()
    model.compile("sgd", "mse", metrics={"main_output": "mae"}, weighted_metrics={"main_output": ["mae"],
                                                                                  "aux_output": ["mse"]})
    rng = np.random.default_rng(13)
    x = [rng.normal(size=(8, 5)), rng.normal(size=(8, 6))]
    y = [rng.normal(size=(8, 1)), rng.normal(size=(8, 1))]
    w = np.arange(8.0)
    logs = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    assert sorted(logs) == ["aux_output_loss", "aux_output_mse", "loss", "main_output_loss", "main_output_mae",
                            "main_output_weighted_mae"]
    main, aux = model.predict(x, verbose=0)
    assert logs["main_output_mae"] == pytest.approx(np.mean(np.abs(main - y[0])), rel=1e-5)
    assert logs["main_output_weighted_mae"] == pytest.approx(np.sum(w * np.abs(main - y[0])[:, 0]) / w.sum(), rel=1e-5)
    assert model._metric_directions == {"mae": "down", "mse": "down"}


def test_a_model_subclass_built_from_inputs_and_outputs():
    class Wrapped(keras.Model):
        def __init__(self, units):
            x = keras.Input((3,))
            super().__init__(x, layers.Dense(units)(x), name="wrapped")

    model = Wrapped(2)
    assert model.name == "wrapped" and model.count_params() == 8
    assert model.predict(np.ones((1, 3)), verbose=0).shape == (1, 2)
    x = keras.Input((3,))
    frozen = keras.Model(x, layers.Dense(2)(x), trainable=False)
    assert frozen.trainable_weights == [] and len(frozen.non_trainable_weights) == 2


def test_two_inputs_with_one_name_are_refused():
    """A saved model finds its inputs by name (Keras refuses repeated names too)."""
    a, b = keras.Input((2,), name="same"), keras.Input((2,), name="same")
    with pytest.raises(ValueError, match='"same" is used 2 times'):
        keras.Model([a, b], layers.concatenate([a, b]))


def test_outputs_given_as_a_dict_name_the_logs_by_their_keys():
    """Keras 3.15.1 (measured): a model whose outputs are a dict logs "<key>_loss" and
    "<key>_<metric>", while output_names stay the layers' names (the logs used those)."""
    a = keras.Input((3,), name="a")
    h = keras.layers.Dense(4, name="h")(a)
    model = keras.Model(a, {"price": keras.layers.Dense(1, name="dense_p")(h),
                            "kind": keras.layers.Dense(2, activation="softmax", name="dense_k")(h)})
    model.compile("adam", loss={"price": "mse", "kind": "categorical_crossentropy"}, metrics={"price": ["mae"]})
    x = np.ones((8, 3), "float32")
    y = {"price": np.ones((8, 1)), "kind": np.eye(2)[np.arange(8) % 2]}
    assert model.output_names == ["dense_k", "dense_p"]
    history = model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y),
                        callbacks=[keras.callbacks.EarlyStopping(monitor="val_price_loss", mode="min", patience=5)])
    assert sorted(history.history) == ["kind_loss", "loss", "price_loss", "price_mae", "val_kind_loss", "val_loss",
                                       "val_price_loss", "val_price_mae"]
    assert sorted(model.evaluate(x, y, verbose=0, return_dict=True)) == ["kind_loss", "loss", "price_loss",
                                                                          "price_mae"]
    assert model.metrics_names == ["loss", "compile_metrics", "price_loss", "kind_loss"]
