"""Dropout's and AlphaDropout's noise_shape (keras/src/layers/regularization/dropout.py): the
factors are drawn for the noise shape, a None taking the input's size on the same axis counted
from the left, and broadcast to the input from the right, so values share a factor along the
axes where it is 1; in training only; in the gradient; in configs and files; Keras's messages."""

import json

import numpy as np
import pytest

import densekit as keras
from file_helpers import requires_h5py
from keras_live import run_keras


def ones(*shape):
    return np.ones(shape, np.float32)


def shared_along(values, axis):
    return np.array_equal(values, np.broadcast_to(np.take(values, [0], axis=axis), values.shape))


@pytest.mark.parametrize("noise_shape, shared_axes", [
    ((None, 1, 6), (1,)),       # one mask per sample, the same at every step
    ((1, 5, 6), (0,)),          # the same mask for every sample of the batch
    ((5, 1), (0, 2)),           # shorter: broadcast from the right, one factor per step
    ((None, 5, 1), (2,)),       # one factor per step of each sample
    ((1, 1, 1), (0, 1, 2)),     # one factor for the whole batch
])
def test_values_share_a_factor_where_the_noise_shape_is_one(noise_shape, shared_axes):
    keras.utils.set_random_seed(3)
    y = np.asarray(keras.layers.Dropout(0.5, noise_shape=noise_shape)(ones(40, 5, 6), training=True))
    assert set(np.unique(y)) <= {0.0, 2.0}
    for axis in shared_axes:
        assert shared_along(y, axis)
    for axis in set(range(3)) - set(shared_axes):
        assert not shared_along(y, axis)


def test_the_drop_rate_holds_and_inference_is_the_identity():
    keras.utils.set_random_seed(4)
    layer = keras.layers.Dropout(0.3, noise_shape=(None, 1, 50))
    x = np.random.default_rng(0).normal(size=(400, 4, 50)).astype(np.float32)
    y = np.asarray(layer(x, training=True))
    dropped = (y[:, 0, :] == 0).mean()
    assert abs(dropped - 0.3) < 0.02  # 20,000 draws: 7 standard deviations
    np.testing.assert_array_equal(y[y != 0], (x * np.float32(1 / 0.7))[y != 0])
    np.testing.assert_array_equal(layer(x), x)
    model = keras.Sequential([keras.Input((4, 50)), layer])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


def test_alpha_dropout_drops_whole_shared_runs():
    keras.utils.set_random_seed(5)
    y = np.asarray(keras.layers.AlphaDropout(0.4, noise_shape=(None, 1, 8))(ones(300, 3, 8), training=True))
    dropped = y != y.max()  # a kept 1 becomes a + b, a dropped one a·α′ + b, which is smaller
    assert shared_along(dropped, 1)
    assert 0.3 < dropped.mean() < 0.5


def test_the_gradient_flows_through_the_shared_factors_only():
    # The second layer's output is dropped by one mask for the whole batch: the first kernel's
    # columns of the dropped units get no gradient, the others all do.
    keras.utils.set_random_seed(6)
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(64, 5)).astype(np.float32), rng.normal(size=(64, 1)).astype(np.float32)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(40), keras.layers.Dropout(0.5, noise_shape=(1, 40)),
                              keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    before = model.get_weights()[0]
    model.fit(x, y, batch_size=64, epochs=1, verbose=0, shuffle=False)
    moved = np.any(model.get_weights()[0] != before, axis=0)
    assert 5 < moved.sum() < 35  # about half the units, all or nothing each
    # Without a noise shape, each sample draws its own mask: every unit is kept by some sample.
    keras.utils.set_random_seed(6)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(40), keras.layers.Dropout(0.5),
                              keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    before = model.get_weights()[0]
    model.fit(x, y, batch_size=64, epochs=1, verbose=0, shuffle=False)
    assert np.all(np.any(model.get_weights()[0] != before, axis=0))


def test_the_gradient_uses_the_factors_of_the_forward_pass():
    # One sample, y = f·(x K) with f ∈ {0, 2} shared along the steps, loss mean(y²): column j of
    # the SGD step is 0 where f_j = 0, else 8/n · Σ_t x_t h_tj (float64 reference). A factor
    # drawn per step would give neither.
    rng = np.random.default_rng(3)
    seen = set()
    for seed in range(6):
        keras.utils.set_random_seed(seed)
        x = rng.normal(size=(1, 3, 4)).astype(np.float32)
        inputs = keras.Input((3, 4))
        outputs = keras.layers.Dropout(0.5, noise_shape=(None, 1, 4))(keras.layers.Dense(4, use_bias=False)(inputs))
        model = keras.Model(inputs, outputs)
        model.compile(keras.optimizers.SGD(1.0), "mse")
        kernel = model.get_weights()[0].astype(np.float64)
        model.fit(x, np.zeros((1, 3, 4), np.float32), batch_size=1, epochs=1, verbose=0)
        step = kernel - model.get_weights()[0]
        h = x[0].astype(np.float64) @ kernel
        kept_step = 8.0 / h.size * x[0].astype(np.float64).T @ h
        for j in range(4):
            kept = not np.all(step[:, j] == 0)
            seen.add(kept)
            if kept:
                np.testing.assert_allclose(step[:, j], kept_step[:, j], rtol=1e-4, atol=1e-6)
    assert seen == {True, False}


def test_a_seed_repeats_the_training():
    def run():
        keras.utils.set_random_seed(8)
        rng = np.random.default_rng(4)
        x, y = rng.normal(size=(96, 2, 6)).astype(np.float32), rng.normal(size=(96, 2, 1)).astype(np.float32)
        model = keras.Sequential([keras.Input((2, 6)), keras.layers.Dense(8, activation="selu"),
                                  keras.layers.AlphaDropout(0.2, noise_shape=(None, 1, 8)), keras.layers.Dense(1)])
        model.compile("adam", "mse")
        return model.fit(x, y, epochs=3, batch_size=32, verbose=0).history["loss"], model.get_weights()

    (loss1, w1), (loss2, w2) = run(), run()
    assert loss1 == loss2 and all(np.array_equal(a, b) for a, b in zip(w1, w2))


@pytest.mark.parametrize("noise_shape, message", [
    ("ab", "Expected a tuple or list of integers. Received: noise_shape=ab"),
    (5, r"Expected an iterable of integers \(e.g., a tuple or list\). Received: noise_shape=5"),
    (object(), "Expected an iterable of integers"),
    ((None, 1.5), r"Expected all elements to be integers or None. Received element at index 1: 1.5 \(type: float\)"),
    ((0, 4), "Expected all dimensions to be positive integers or None. Received negative or zero value at index 0: 0"),
    ((None, -1), "Expected all dimensions to be positive integers or None. "
                 "Received negative or zero value at index 1: -1"),
])
def test_kerass_messages_for_a_bad_noise_shape(noise_shape, message):
    for layer in (keras.layers.Dropout, keras.layers.AlphaDropout):
        with pytest.raises(ValueError, match="Invalid value received for argument `noise_shape`. " + message):
            layer(0.5, noise_shape=noise_shape)


@pytest.mark.parametrize("noise_shape", [(None, 2, 4), (None, 1, 4, 1), (None, None)])
def test_a_noise_shape_that_does_not_broadcast_is_refused_when_built(noise_shape):
    with pytest.raises(ValueError, match=r"noise_shape .* does not broadcast to its input's shape \(None, 3, 4\)"):
        keras.Sequential([keras.Input((3, 4)), keras.layers.Dropout(0.5, noise_shape=noise_shape)])


def test_a_fixed_batch_size_must_match_the_batch():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dropout(0.5, noise_shape=(32, 4)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(ones(64, 4), ones(64, 1), batch_size=32, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="draws factors for batches of 32 samples; this batch has 8"):
        model.fit(ones(40, 4), ones(40, 1), batch_size=32, epochs=1, verbose=0)


def test_config_and_native_file_keep_the_noise_shape(tmp_path):
    layer = keras.layers.Dropout(0.25, noise_shape=(None, 1, 4), seed=2, name="d")
    assert layer.noise_shape == (None, 1, 4)
    config = layer.get_config()
    assert config["noise_shape"] == [None, 1, 4]
    assert keras.layers.Dropout.from_config(config).get_config() == config
    model = keras.Sequential([keras.Input((3, 4)), layer, keras.layers.AlphaDropout(0.1, noise_shape=[1, 4])])
    path = str(tmp_path / "m.dk")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert [json.loads(loaded.to_json())["config"]["layers"][i]["config"]["noise_shape"] for i in (1, 2)] == \
        [[None, 1, 4], [1, 4]]


KERAS_ROUND_TRIP = """
import json, sys
import numpy as np, keras
model = keras.saving.load_model(sys.argv[1])
keras.utils.set_random_seed(0)
y = np.asarray(model.layers[0](np.ones((30, 3, 4), "float32"), training=True))
shared = bool(np.array_equal(y, np.broadcast_to(y[:, :1], y.shape)))
model.save(sys.argv[2])
print(json.dumps([list(model.layers[0].noise_shape), shared]))
"""


@requires_h5py
def test_keras_reads_and_writes_the_noise_shape(tmp_path):
    model = keras.Sequential([keras.Input((3, 4)), keras.layers.Dropout(0.5, noise_shape=(None, 1, 4))])
    model.save(str(tmp_path / "m.keras"))
    noise_shape, shared = run_keras(KERAS_ROUND_TRIP, tmp_path / "m.keras", tmp_path / "back.keras")
    assert noise_shape == [None, 1, 4] and shared
    loaded = keras.saving.load_model(str(tmp_path / "back.keras"))
    assert loaded.layers[0].noise_shape == (None, 1, 4)
    keras.utils.set_random_seed(0)
    assert shared_along(np.asarray(loaded.layers[0](ones(30, 3, 4), training=True)), 1)
