"""A layer called with a training flag: in a functional model the flag is the call's default,
which fit, evaluate and predict replace with their own mode (Keras 3: keras/src/models/functional.py,
operation_fn); a subclassed model's call() that passes a flag keeps it in every call. The
behaviours asserted were measured in Keras 3.15.1 on TensorFlow 2.21."""

import numpy as np
import pytest

import densekit as keras
from densekit import layers


def _zero_share(values):
    return float(np.mean(np.asarray(values) == 0.0))


@pytest.fixture
def x():
    return np.random.default_rng(0).normal(3.0, 2.0, size=(400, 3)).astype(np.float32)


def _forced_dropout_model(flag=True):
    inputs = keras.Input((3,))
    return keras.Model(inputs, layers.Dropout(0.5)(inputs, training=flag))


def test_a_functional_flag_holds_only_in_a_call_without_a_mode(x):
    model = _forced_dropout_model()
    assert 0.4 < _zero_share(model(x)) < 0.6  # model(x): the layer's own flag
    assert _zero_share(model(x, training=False)) == 0.0
    assert _zero_share(model.predict(x, verbose=0)) == 0.0  # predict passes training=False
    assert _zero_share(model.predict_on_batch(x)) == 0.0
    inputs = keras.Input((400,))  # one row, wide enough to count its drops, takes the one-row path
    wide = keras.Model(inputs, layers.Dropout(0.5)(inputs, training=True))
    row = np.ones((1, 400), np.float32)
    assert 0.35 < _zero_share(wide(row)) < 0.65 and _zero_share(wide.predict(row, verbose=0)) == 0.0

    outer_inputs = keras.Input((3,))
    outer = keras.Model(outer_inputs, model(outer_inputs))  # nested, called without a mode
    assert 0.4 < _zero_share(outer(x)) < 0.6
    assert _zero_share(outer.predict(x, verbose=0)) == 0.0


def test_fit_trains_a_layer_flagged_for_inference(x):
    # Keras's transfer-learning call base(inputs, training=False): fit's training=True replaces it,
    # so BatchNormalization's moving statistics move (only trainable=False keeps them).
    base = keras.Sequential([keras.Input((3,)), layers.BatchNormalization()])
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dense(1)(base(inputs, training=False)))
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((400, 1), np.float32), batch_size=400, epochs=1, verbose=0)
    moving_mean = base.layers[0].get_weights()[2]
    np.testing.assert_allclose(moving_mean, 0.01 * x.astype(np.float64).mean(axis=0), rtol=1e-5)

    frozen = keras.Sequential([keras.Input((3,)), layers.BatchNormalization()])
    frozen.trainable = False
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dense(1)(frozen(inputs, training=False)))
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((400, 1), np.float32), batch_size=400, epochs=1, verbose=0)
    np.testing.assert_array_equal(frozen.layers[0].get_weights()[2], np.zeros(3, np.float32))


def test_fit_and_evaluate_replace_the_flag(x):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dense(1, kernel_initializer="ones")(layers.Dropout(0.9)(inputs, training=False)))
    model.compile(keras.optimizers.SGD(0.0), "mse")
    y = np.zeros((400, 1), np.float32)
    evaluated = model.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(evaluated, np.mean(x.astype(np.float64).sum(axis=1) ** 2), rtol=1e-5)
    trained = model.fit(x, y, batch_size=400, epochs=1, verbose=0).history["loss"][0]
    assert trained > 2 * evaluated  # dropout at 0.9 scales the kept inputs by 10


class ForcedDropout(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dropout = layers.Dropout(0.5)
        self.dense = layers.Dense(3, kernel_initializer="ones")

    def call(self, inputs, training=None):
        return self.dense(self.dropout(inputs, training=True))


def test_a_subclassed_models_flag_holds_in_every_call(x):
    model = ForcedDropout()
    model.compile("sgd", "mse")
    model.predict(x[:2], verbose=0)
    ones = np.ones_like(x)
    for out in (model.predict(ones, verbose=0), model(ones), model(ones, training=False)):
        assert np.unique(np.asarray(out)).size > 1  # rows keep a random subset of their inputs


def test_the_modes_survive_saving_and_cloning(x, tmp_path):
    model = _forced_dropout_model()
    for path in (tmp_path / "f.dk", tmp_path / "f.keras"):
        model.save(path)
        loaded = keras.models.load_model(path)
        assert 0.4 < _zero_share(loaded(x)) < 0.6 and _zero_share(loaded.predict(x, verbose=0)) == 0.0
    clone = keras.models.clone_model(model)
    assert 0.4 < _zero_share(clone(x)) < 0.6 and _zero_share(clone.predict(x, verbose=0)) == 0.0

    # A model that draws in predict saves and loads: the file's check pass has its own generator
    # (its recorded outputs differed from the loader's, so load_model refused the file).
    subclassed = ForcedDropout()
    ones = np.ones((400, 3), np.float32)
    subclassed.predict(ones, verbose=0)
    subclassed.save(tmp_path / "s.dk")
    loaded = keras.models.load_model(tmp_path / "s.dk")
    assert np.unique(loaded.predict(ones, verbose=0)).size > 1
    assert np.unique(keras.models.clone_model(loaded).predict(ones, verbose=0)).size > 1
