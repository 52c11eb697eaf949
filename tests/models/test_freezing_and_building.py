"""Freezing and unfreezing layers, and building subclassed and Sequential models, as Keras 3 does
(each case was measured against Keras 3.15.1 by a side-by-side run)."""

import numpy as np
import pytest

import densekit as keras
from densekit import layers


def _changed(before, after):
    return [not np.array_equal(a, b) for a, b in zip(before, after)]


@pytest.mark.parametrize("frozen", [
    lambda: layers.Dense(4, name="frozen", trainable=False),
    lambda: layers.Embedding(5, 4, name="frozen", trainable=False),
])
def test_a_layer_frozen_when_its_model_was_built_can_be_unfrozen(frozen):
    """The transfer-learning guide's fine-tuning step. Dense and Embedding wrote the layer's flag
    into their weights' own specs when the graph was built, so unfreezing never trained them."""
    first = frozen()
    model = keras.Sequential([keras.Input((3,)), first, layers.Flatten(), layers.Dense(1, name="head")])
    model.compile("sgd", "mse")
    x, y = np.random.default_rng(0).integers(0, 5, (16, 3)).astype("float32"), np.ones((16, 1), "float32")
    before = first.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    assert _changed(before, first.get_weights()) == [False] * len(before)
    first.trainable = True
    assert [w.path for w in model.trainable_weights][:len(before)] == [w.path for w in first.weights]
    model.compile("sgd", "mse")
    model.fit(x, y, epochs=1, verbose=0)
    assert all(_changed(before, first.get_weights()))


class TwoLayers(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.d1 = layers.Dense(4, name="d1")
        self.d2 = layers.Dense(1, name="d2")

    def call(self, x):
        return self.d2(self.d1(x))


def test_a_subclassed_model_made_with_trainable_false_is_frozen():
    model = TwoLayers(name="frozen", trainable=False)  # (it trained: the flag was not applied when traced)
    model(np.ones((2, 3), "float32"))
    assert (len(model.trainable_weights), len(model.non_trainable_weights)) == (0, 4)
    before = model.get_weights()
    model.compile("sgd", "mse")
    with pytest.warns(UserWarning, match="does not have any trainable weights"):
        model.fit(np.ones((16, 3)), np.ones((16, 1)), epochs=1, verbose=0)
    assert _changed(before, model.get_weights()) == [False] * 4


class BuiltLater(keras.Model):
    """Makes its layers and a weight of its own in build(), as Keras's guides allow."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")
        self.hidden = layers.Dense(input_shape[-1] * 2, name="hidden")
        self.out = layers.Dense(1, name="out")

    def call(self, x):
        return self.out(self.hidden(x * self.scale))


def test_a_subclassed_models_own_build_runs_before_its_first_call():
    model = BuiltLater(name="later")
    assert model(np.ones((2, 3), "float32")).shape == (2, 1)
    assert sorted(w.path for w in model.weights) == ["later/hidden/bias", "later/hidden/kernel", "later/out/bias",
                                                     "later/out/kernel", "later/scale"]
    assert model.get_layer("hidden").get_weights()[0].shape == (3, 6)
    model.compile("sgd", "mse")
    before = model.get_weights()
    model.fit(np.ones((8, 3)), np.zeros((8, 1)), epochs=1, verbose=0)
    assert all(_changed(before, model.get_weights()))  # the model's own weight trains too


def test_a_sequential_built_from_a_shape_or_data_has_inputs_and_layer_outputs():
    """Keras's Sequential.build adds an input, so feature extraction works without an Input."""
    model = keras.Sequential([layers.Dense(4, name="a"), layers.Dense(2, name="b")])
    model.build((None, 3))
    assert [tuple(t.shape) for t in model.inputs] == [(None, 3)]
    features = keras.Model(model.inputs, model.get_layer("a").output)
    assert features.output_shape == (None, 4)
    fitted = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    fitted.compile("adam", "mse")
    fitted.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    x = np.random.default_rng(1).normal(size=(2, 3)).astype("float32")
    extracted = keras.Model(fitted.inputs, fitted.layers[0].output).predict(x, verbose=0)
    np.testing.assert_allclose(extracted, x @ fitted.layers[0].get_weights()[0] + fitted.layers[0].get_weights()[1],
                               rtol=1e-5, atol=1e-6)


class SuperBuildFirst(keras.Model):
    """Calls super().build() first, then adds the weight call() uses (keras/src/layers/layer.py's
    base build only marks the model built)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(2, name="dense")

    def build(self, input_shape):
        super().build(input_shape)
        self.scale = self.add_weight(shape=(2,), initializer="ones", name="scale")

    def call(self, x):
        return self.dense(x) * self.scale


@pytest.mark.parametrize("model_class", [SuperBuildFirst, BuiltLater])
def test_a_subclassed_models_own_build_runs_once_whether_built_by_hand_or_by_data(model_class):
    by_hand, by_data = model_class(name="m"), model_class(name="m")
    by_hand.build((None, 3))
    by_hand.build((None, 3))  # (a second build would make its weights twice)
    assert by_hand.built
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    by_data.predict(x, verbose=0)
    for model in (by_hand, by_data):
        paths = [w.path for w in model.weights]
        assert paths[0] == "m/scale" and len(paths) == len(set(paths)) == (3 if model_class is SuperBuildFirst else 5)
        model.compile("sgd", "mse")
        before = model.get_weights()
        model.fit(x, np.zeros((8, model.output_shape[-1])), epochs=1, verbose=0)
        assert all(_changed(before, model.get_weights()))


class _BuildsInItsConstructor:
    """A mixin whose constructor builds the model, then sets an attribute call() uses (fine in
    Keras)."""

    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(2)
        self.build((None, 3))
        self.scale = 2.0

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, x):
        return self.dense(x) * self.scale


class BuildsInItsConstructor(_BuildsInItsConstructor, keras.Model):
    def __init__(self):  # (a constructor of its own, around the mixin's)
        super().__init__()


def test_a_build_in_the_constructor_is_traced_once_the_constructor_has_returned():
    model = BuildsInItsConstructor()
    assert model.built and model.output_shape == (None, 2)
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), 2.0 * model.dense(x), rtol=1e-6)


class _MixedIn(_BuildsInItsConstructor, keras.Model):
    pass


def test_a_constructor_inherited_from_a_mixin_is_waited_for_too():
    assert _MixedIn()(np.ones((2, 3), "float32")).shape == (2, 2)


def test_a_frozen_models_config_and_file_say_so(tmp_path):
    """functional_test.py's test_serialization: Keras writes the model's own trainable flag
    (densekit wrote True), and a functional model's from_config and load_model restore it
    (Keras's Sequential.from_config does not read it: its layers' flags keep it frozen)."""
    inputs = keras.Input((2,))
    outputs = keras.layers.Dense(1)(inputs)
    for model in (keras.Model(inputs, outputs, trainable=False), keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])):
        model.trainable = False
        restored = not isinstance(model, keras.Sequential)
        assert model.get_config()["trainable"] is False
        assert type(model).from_config(model.get_config()).trainable is not restored
        for path in (str(tmp_path / "m.keras"), str(tmp_path / "m.dk")):
            model.save(path)
            loaded = keras.models.load_model(path)
            assert loaded.trainable is not restored and not loaded.layers[-1].trainable
        model.trainable = True
        assert model.get_config()["trainable"] is True
