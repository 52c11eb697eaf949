"""AlphaDropout (keras/src/layers/regularization/alpha_dropout.py): identity outside training;
in training each value is a·x + b (kept, probability 1 − rate) or a·α′ + b (dropped), with
Keras's a and b computed here in float64; its gradient a where kept, 0 where dropped; configs,
files and bad input."""

import numpy as np
import pytest

import densekit as keras
from file_helpers import requires_h5py
from keras_live import run_keras

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def keras_affine(rate):
    alpha_p = -SELU_ALPHA * SELU_SCALE
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * rate
    return np.float32(a), np.float32(b), np.float32(np.float32(a) * np.float32(alpha_p) + np.float32(b))


def test_identity_outside_training():
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 8)).astype(np.float32)
    layer = keras.layers.AlphaDropout(0.4)
    np.testing.assert_array_equal(layer(x), x)
    model = keras.Sequential([keras.Input((8,)), layer])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.7])
def test_training_keeps_a_x_plus_b_or_the_dropped_value(rate):
    keras.utils.set_random_seed(1)
    x = np.random.default_rng(1).normal(size=(4000, 25)).astype(np.float32)
    y = keras.layers.AlphaDropout(rate)(x, training=True)
    a, b, dropped = keras_affine(rate)
    kept_value = a * x + b  # float32, as Keras computes a·x + b
    is_kept = y == kept_value
    assert np.all(is_kept | np.isclose(y, dropped, rtol=1e-6, atol=0))
    share = 1 - is_kept.mean()
    assert abs(share - rate) < 4 * np.sqrt(rate * (1 - rate) / x.size)
    # The correction keeps a standard normal's mean and variance about where they were.
    assert abs(y.mean()) < 0.1 and abs(y.std() - 1) < 0.15


def test_rate_zero_is_identity_in_training_too():
    x = np.random.default_rng(2).normal(size=(10, 3)).astype(np.float32)
    np.testing.assert_array_equal(keras.layers.AlphaDropout(0.0)(x, training=True), x)


def test_the_gradient_is_a_where_kept():
    # A nearly-zero rate keeps every value of this batch (seeded): the layer is then x ↦ a·x + b and
    # one SGD step of a linear model after it moves the weights by the gradient through a.
    rate = 1e-4
    a, b, _ = keras_affine(rate)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(16, 4)).astype(np.float32)
    y = rng.normal(size=(16, 1)).astype(np.float32)
    keras.utils.set_random_seed(4)
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(4, use_bias=False, name="before")(inputs)
    out = keras.layers.Dense(1, use_bias=False, name="after")(keras.layers.AlphaDropout(rate)(hidden))
    model = keras.Model(inputs, out)
    model.compile(keras.optimizers.SGD(0.1), "mse")
    w1, w2 = [w.astype(np.float64) for w in model.get_weights()]
    model.train_on_batch(x, y)
    h = a * (x.astype(np.float64) @ w1) + b
    err = 2 * (h @ w2 - y) / len(x)
    expected_w2 = w2 - 0.1 * h.T @ err
    expected_w1 = w1 - 0.1 * x.T @ (a * err @ w2.T)
    new_w1, new_w2 = model.get_weights()
    np.testing.assert_allclose(new_w2, expected_w2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new_w1, expected_w1, rtol=1e-5, atol=1e-6)


def test_a_seeded_fit_is_deterministic_and_trains():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(256, 6)).astype(np.float32)
    y = (x[:, :1] - x[:, 1:2]).astype(np.float32)

    def run():
        keras.utils.set_random_seed(7)
        model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="selu",
                                                                        kernel_initializer="lecun_normal"),
                                  keras.layers.AlphaDropout(0.1), keras.layers.Dense(1)])
        model.compile("adam", "mse")
        return model.fit(x, y, epochs=20, batch_size=32, verbose=0).history["loss"], model.get_weights()

    (loss1, w1), (loss2, w2) = run(), run()
    assert loss1 == loss2 and all(np.array_equal(a, b) for a, b in zip(w1, w2))
    assert loss1[-1] < 0.5 * loss1[0]


@requires_h5py
def test_config_file_and_bad_input(tmp_path):
    layer = keras.layers.AlphaDropout(0.2, seed=3, name="ad")
    config = layer.get_config()
    assert {k: config[k] for k in ("name", "rate", "seed", "noise_shape")} == \
        {"name": "ad", "rate": 0.2, "seed": 3, "noise_shape": None}
    assert keras.layers.AlphaDropout.from_config(config).get_config() == config
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), layer])
    path = str(tmp_path / "m.keras")
    model.save(path)
    assert type(keras.saving.load_model(path).layers[1]).__name__ == "AlphaDropout"
    for rate in (-0.1, 1.5, "0.2", True):
        with pytest.raises(ValueError, match="rate"):
            keras.layers.AlphaDropout(rate)
    with pytest.raises(ValueError, match="rate=1"):
        keras.Sequential([keras.Input((3,)), keras.layers.AlphaDropout(1.0)])
    with pytest.raises(ValueError, match="noise_shape"):
        keras.layers.AlphaDropout(0.2, noise_shape="(None, 1)")


KERAS_LOADS = """
import json, sys
import numpy as np, keras
model = keras.saving.load_model(sys.argv[1])
layer = model.layers[-1]
print(json.dumps([type(layer).__name__, layer.rate, float(np.abs(model.predict(np.ones((2, 3)), verbose=0)).max())]))
"""


@requires_h5py
def test_keras_opens_densekits_alpha_dropout(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.AlphaDropout(0.25)])
    path = str(tmp_path / "m.keras")
    model.save(path)
    name, rate, biggest = run_keras(KERAS_LOADS, path)
    assert (name, rate) == ("AlphaDropout", 0.25)
    assert biggest == pytest.approx(float(np.abs(model.predict(np.ones((2, 3)), verbose=0)).max()), rel=1e-6)
