"""Subclassed models (keras/src/models/model.py): layers tracked as attributes, ``call`` traced
once into the C++ graph (no Python in the training loop), the ``training`` flag, and clear
errors for what cannot be traced."""

import json

import numpy as np
import pytest

import densekit as keras
from densekit import layers


class MLP(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(8, activation="relu")
        self.norm = layers.BatchNormalization()
        self.out = layers.Dense(3, activation="softmax")

    def call(self, inputs, training=False):
        x = self.hidden(inputs)
        x = self.norm(x, training=training)
        return self.out(x)


def functional_mlp():
    x = keras.Input((4,))
    h = layers.BatchNormalization()(layers.Dense(8, activation="relu")(x))
    return keras.Model(x, layers.Dense(3, activation="softmax")(h))


def data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 4)).astype("float32"), rng.integers(0, 3, n)


def test_subclassed_and_functional_models_compute_and_train_identically():
    x, y = data()
    functional = functional_mlp()
    subclassed = MLP()
    assert not subclassed.built
    subclassed.build((None, 4))
    subclassed.set_weights(functional.get_weights())
    np.testing.assert_array_equal(subclassed.predict(x, verbose=0), functional.predict(x, verbose=0))
    for model in (functional, subclassed):
        model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    h1 = functional.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history
    h2 = subclassed.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history
    assert h1 == h2
    for a, b in zip(functional.get_weights(), subclassed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_layers_are_tracked_in_assignment_order_and_summary_shows_the_build_batch(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    model = MLP()
    assert [layer.name for layer in model.layers] == ["dense", "batch_normalization", "dense_1"] and model.name == "mlp"
    x, y = data(20)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    text = []
    model.summary(print_fn=text.append)
    rows = [line for line in text[0].splitlines() if line.startswith("│")]
    assert rows[0] == "│ dense (Dense)                   │ (20, 8)                │            40 │"
    assert "Connected to" not in text[0] and "input_layer" not in text[0]
    assert " Non-trainable params: 16 (64.00 B)" in text[0].splitlines()


def test_the_training_flag_reaches_the_layers():
    class Noisy(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(64)
            self.dropout = layers.Dropout(0.5)

        def call(self, inputs, training=False):
            return self.dropout(self.dense(inputs), training=training)

    model = Noisy()
    x = np.ones((4, 3), "float32")
    inference = model(x)
    np.testing.assert_array_equal(model.predict(x, verbose=0), inference)
    training = model(x, training=True)
    assert np.mean(training == 0) > 0.2
    np.testing.assert_allclose(training[training != 0], 2 * inference[training != 0], rtol=1e-6)
    assert [n[4] for n in model._graph.nodes] == [None, None, None]  # both layers follow the model's mode


def test_if_training_guards_around_dropout_are_supported():
    class Guarded(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(64)
            self.dropout = layers.Dropout(0.5)
            self.head = layers.Dense(1)

        def call(self, inputs, training=False):
            x = self.dense(inputs)
            if training:
                x = self.dropout(x, training=training)
            return self.head(x)

    model = Guarded()
    x = np.ones((8, 3), "float32")
    np.testing.assert_array_equal(model(x), model(x))
    assert not np.array_equal(model(x, training=True), model(x))
    assert [layer.name for layer in model.layers] == ["dense", "dropout", "dense_1"]


def test_ops_in_a_call_with_training_are_the_same_in_both_traces():
    # Each trace records ops (ops.softmax, x * 2) as new layers: the same op with the same
    # arguments is the same call; another op, or another constant, still differs.
    class WithOps(keras.Model):
        def __init__(self, scale_when_training=2.0, head=keras.ops.softmax):
            super().__init__()
            self.dense, self.dropout = layers.Dense(3), layers.Dropout(0.5)
            self.scale_when_training, self.head = scale_when_training, head

        def call(self, inputs, training=False):
            x = keras.ops.relu(self.dense(inputs)) * (self.scale_when_training if training else 2.0) + 1.0
            if training:
                x = self.dropout(x)
            return keras.ops.softmax(x) if training else self.head(x)

    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    model = WithOps()
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, np.arange(16) % 3, epochs=1, verbose=0)
    h = np.maximum(x @ model.dense.get_weights()[0] + model.dense.get_weights()[1], 0) * 2.0 + 1.0
    expected = np.exp(h - h.max(-1, keepdims=True))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected / expected.sum(-1, keepdims=True), rtol=1e-5)
    for other in (WithOps(scale_when_training=3.0), WithOps(head=keras.ops.sigmoid)):
        with pytest.raises(ValueError, match="different network with training=True than with training=False"):
            other(x)


def test_a_call_that_builds_different_graphs_is_refused():
    class Branchy(keras.Model):
        def __init__(self):
            super().__init__()
            self.a = layers.Dense(2)
            self.b = layers.Dense(2)

        def call(self, inputs, training=False):
            return self.a(inputs) if training else self.b(inputs)

    with pytest.raises(ValueError, match=r"different network with training=True than with training=False.*__init__"):
        Branchy().predict(np.ones((2, 3)), verbose=0)

    class MakesLayers(keras.Model):
        def call(self, inputs, training=False):
            return layers.Dense(2)(inputs)

    with pytest.raises(ValueError, match="layers must be created in __init__"):
        MakesLayers().predict(np.ones((2, 3)), verbose=0)


def test_untraceable_calls_raise_clear_errors():
    class UsesNumpy(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs):
            return self.dense(np.tanh(inputs))

    with pytest.raises(TypeError, match="symbolic placeholder") as info:
        UsesNumpy().predict(np.ones((2, 3)), verbose=0)
    assert "traced UsesNumpy.call()" in "".join(getattr(info.value, "__notes__", [])) + str(info.value)

    class BranchesOnValues(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs) if inputs else inputs

    with pytest.raises(TypeError, match="no truth value"):
        BranchesOnValues().predict(np.ones((2, 3)), verbose=0)

    class ReturnsNothing(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs):
            self.dense(inputs)

    with pytest.raises(TypeError, match=r"returned None.*output tensor\(s\) of layer calls"):
        ReturnsNothing().predict(np.ones((2, 3)), verbose=0)

    class Forgot(keras.Model):
        def __init__(self):
            self.dense = layers.Dense(2)

    with pytest.raises(RuntimeError, match="forgot to call `super\\(\\).__init__\\(\\)`"):
        Forgot()
    with pytest.raises(NotImplementedError, match="has no call"):
        keras.Model().predict(np.ones((2, 3)), verbose=0)


def test_several_inputs_and_outputs_and_tensor_arithmetic():
    class TwoHeads(keras.Model):
        def __init__(self):
            super().__init__()
            self.left = layers.Dense(4, activation="tanh")
            self.right = layers.Dense(4, activation="tanh")
            self.price = layers.Dense(1, name="price")
            self.kind = layers.Dense(2, activation="softmax", name="kind")

        def call(self, inputs):
            merged = self.left(inputs["a"]) + self.right(inputs["b"]) * 0.5
            return [self.price(merged), self.kind(merged)]

    model = TwoHeads()
    rng = np.random.default_rng(1)
    x = {"a": rng.normal(size=(10, 3)), "b": rng.normal(size=(10, 2))}
    model.compile("adam", ["mse", "sparse_categorical_crossentropy"], loss_weights=[1.0, 0.5])
    history = model.fit(x, [rng.normal(size=(10, 1)), rng.integers(0, 2, 10)], epochs=2, verbose=0).history
    assert sorted(history) == ["kind_loss", "loss", "price_loss"]
    price, kind = model.predict(x, verbose=0)
    left, right = model.left(x["a"]), model.right(x["b"])
    np.testing.assert_allclose(price, (left + 0.5 * right) @ model.price.get_weights()[0] + model.price.get_weights()[1],
                               rtol=1e-5, atol=1e-6)


def test_subclassed_models_save_and_serialize_as_their_traced_graph(tmp_path):
    model = MLP(name="classifier")
    x, y = data()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.dk")
    loaded = keras.models.load_model(tmp_path / "m.dk")
    assert type(loaded).__name__ == "Functional" and loaded.name == "classifier"
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    config = json.loads(model.to_json())
    assert config["class_name"] == "Functional" and config["config"]["input_layers"] == ["input_layer", 0, 0]
    clone = keras.models.model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_subclassed_model_can_use_a_sequential_block_and_be_nested():
    class WithBlock(keras.Model):
        def __init__(self):
            super().__init__()
            self.block = keras.Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
            self.head = layers.Dense(1)

        def call(self, inputs):
            return self.head(self.block(inputs))

    model = WithBlock()
    x = np.random.default_rng(2).normal(size=(5, 3))
    out = model.predict(x, verbose=0)
    assert [layer.name for layer in model.layers] == ["sequential", "dense_2"]
    assert model.count_params() == 16 + 10 + 3
    np.testing.assert_allclose(out, model.head(model.block(x)), rtol=1e-5, atol=1e-6)
    outer_in = keras.Input((3,))
    outer = keras.Model(outer_in, model(outer_in))
    np.testing.assert_allclose(outer.predict(x, verbose=0), out, rtol=1e-6)


def test_summary_of_a_model_with_a_nested_block(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)

    class WithBlock(keras.Model):
        def __init__(self):
            super().__init__()
            self.block = keras.Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
            self.head = layers.Dense(1)

        def call(self, inputs):
            return self.head(self.block(inputs))

    model = WithBlock()
    model.build((None, 3))
    text = []
    model.summary(print_fn=text.append)
    rows = [line for line in text[0].splitlines() if line.startswith("│")]
    assert rows[0] == "│ sequential (Sequential)         │ (None, 2)              │            26 │"
    assert " Total params: 29 (116.00 B)" in text[0].splitlines()
    model.trainable = False
    assert model.trainable_weights == [] and all(not layer.trainable for layer in model.block.layers)


def test_a_model_with_its_own_training_steps_is_refused_at_compile():
    """Keras's "Customizing what happens in fit()" guide overrides train_step / test_step /
    compute_loss: densekit's loop runs in C++ and silently used the compiled loss instead (fit
    loss 243.6 where Keras's override gave 15.5)."""
    class OwnSteps(keras.Model):
        def train_step(self, data):
            return {}

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return 0.0

    inputs = keras.Input((3,))
    model = OwnSteps(inputs, keras.layers.Dense(1)(inputs))
    with pytest.raises(NotImplementedError, match=r"OwnSteps defines train_step, compute_loss: densekit runs fit"):
        model.compile("sgd", "mse")
    assert not model.compiled
