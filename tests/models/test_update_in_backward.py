"""The optimizer step taken during backward (Dense layers hand each finished range of their
weight gradient to the optimizer while it is in cache) must be the same step as the plain one
(whole gradient first, then one pass over every weight), bit for bit; and the layers that
cannot take part (shared, regularized, frozen, not Dense) must fall back to the plain one.

The plain path is forced with loss_scale_factor=1: the loss is scaled by exactly 1, and the
gradients are unscaled before the plain update.
"""

import numpy as np
import pytest

import densekit as keras
from densekit import layers

OPTIMIZERS = {
    "sgd": lambda **k: keras.optimizers.SGD(learning_rate=0.05, **k),
    "sgd_nesterov": lambda **k: keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True, **k),
    "adam": lambda **k: keras.optimizers.Adam(learning_rate=0.01, **k),
    "adam_amsgrad": lambda **k: keras.optimizers.Adam(learning_rate=0.01, amsgrad=True, **k),
    "adamw": lambda **k: keras.optimizers.AdamW(learning_rate=0.01, weight_decay=0.1, **k),
    "rmsprop_centered_momentum": lambda **k: keras.optimizers.RMSprop(learning_rate=0.01, momentum=0.5,
                                                                      centered=True, **k),
    "adagrad": lambda **k: keras.optimizers.Adagrad(learning_rate=0.05, **k),
    "adadelta": lambda **k: keras.optimizers.Adadelta(learning_rate=1.0, **k),
    "adamax": lambda **k: keras.optimizers.Adamax(learning_rate=0.01, **k),
    "nadam": lambda **k: keras.optimizers.Nadam(learning_rate=0.01, **k),
    "ftrl": lambda **k: keras.optimizers.Ftrl(learning_rate=0.05, l2_shrinkage_regularization_strength=0.01, **k),
    "lion": lambda **k: keras.optimizers.Lion(learning_rate=0.001, **k),
    "adam_clipvalue": lambda **k: keras.optimizers.Adam(learning_rate=0.01, clipvalue=0.01, **k),
    "adam_ema": lambda **k: keras.optimizers.Adam(learning_rate=0.01, use_ema=True, ema_overwrite_frequency=3, **k),
}


def data(n=77, d=13, classes=11, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype(np.float32), rng.integers(0, classes, size=n)


def sequential():
    # widths that are not multiples of the kernels' 8-row and 16-column tiles
    return keras.Sequential([keras.Input((13,)), layers.Dense(37, activation="relu"),
                             layers.Dense(24, activation="tanh"), layers.Dense(11, activation="softmax")])


def train(build, optimizer, x, y, epochs=3, batch_size=19):
    keras.utils.set_random_seed(5)
    model = build()
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    return model.get_weights(), history.history["loss"]


def assert_bitwise_equal(a, b):
    assert len(a) == len(b)
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_update_in_backward_equals_the_plain_update_bitwise(name):
    x, y = data()
    in_backward, loss_a = train(sequential, OPTIMIZERS[name](), x, y)
    plain, loss_b = train(sequential, OPTIMIZERS[name](loss_scale_factor=1.0), x, y)
    assert_bitwise_equal(in_backward, plain)
    assert loss_a == loss_b


def mixed_graph():
    """Every reason a layer updates after backward instead: shared, regularized, frozen, not Dense."""
    inputs = keras.Input((13,))
    shared = layers.Dense(16, activation="relu", name="shared")
    h = shared(inputs)
    h = layers.Dense(16, activation="relu", name="regularized", kernel_regularizer=keras.regularizers.L2(1e-3))(h)
    h = layers.BatchNormalization(name="bn")(h)
    frozen = layers.Dense(16, activation="relu", name="frozen")
    frozen.trainable = False
    h = frozen(h)
    h = shared(layers.Dense(13, name="back_to_13")(h))
    h = layers.Dense(20, activation="relu", name="plain")(h)
    outputs = layers.Dense(11, activation="softmax", name="out")(h)
    return keras.Model(inputs, outputs)


def test_a_graph_mixing_both_kinds_of_layer_matches_the_plain_update():
    x, y = data(seed=1)
    in_backward, loss_a = train(mixed_graph, keras.optimizers.Adam(learning_rate=0.01), x, y)
    plain, loss_b = train(mixed_graph, keras.optimizers.Adam(learning_rate=0.01, loss_scale_factor=1.0), x, y)
    assert_bitwise_equal(in_backward, plain)
    assert loss_a == loss_b


def test_frozen_weights_stay_frozen():
    x, y = data(seed=2)
    keras.utils.set_random_seed(5)
    model = mixed_graph()
    before = model.get_layer("frozen").get_weights()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=19, epochs=2, verbose=0)
    assert_bitwise_equal(model.get_layer("frozen").get_weights(), before)


@pytest.mark.parametrize("rows,inputs,hidden,outputs", [(19, 13, 37, 11), (100, 29, 49, 17), (7, 120, 300, 8)])
def test_one_sgd_step_matches_a_float64_reference(rows, inputs, hidden, outputs):
    """Dense layers wide enough for densekit's own matrix kernels (the in-backward update, the
    blocked transpose of the kernel for d(input)), with edges in every dimension."""
    rng = np.random.default_rng(rows)
    x = rng.normal(size=(rows, inputs)).astype(np.float32)
    y = rng.normal(size=(rows, outputs)).astype(np.float32)
    model = keras.Sequential([keras.Input((inputs,)), layers.Dense(hidden, activation="relu"), layers.Dense(outputs)])
    w1, b1, w2, b2 = [w.astype(np.float64) for w in model.get_weights()]
    b1 = rng.normal(size=b1.shape) * 0.1
    b2 = rng.normal(size=b2.shape) * 0.1
    model.set_weights([w.astype(np.float32) for w in (w1, b1, w2, b2)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.train_on_batch(x, y)

    xd, yd = x.astype(np.float64), y.astype(np.float64)
    z1 = xd @ w1 + b1
    h = np.maximum(z1, 0.0)
    p = h @ w2 + b2
    dp = 2.0 * (p - yd) / p.size
    dh = dp @ w2.T
    dz1 = dh * (z1 > 0)
    expected = [w1 - 0.1 * xd.T @ dz1, b1 - 0.1 * dz1.sum(0), w2 - 0.1 * h.T @ dp, b2 - 0.1 * dp.sum(0)]
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


TINY = np.finfo(np.float32).tiny  # the smallest normal float32


def denormal_model():
    """A Dense layer whose exact output is denormal: 1e-20 · 1e-20 = 1e-40."""
    model = keras.Sequential([keras.Input((1,)), layers.Dense(1, use_bias=False, kernel_initializer="ones")])
    model.set_weights([np.array([[1e-20]], np.float32)])
    return model


def test_denormal_results_are_flushed_to_zero_like_tensorflow():
    model = denormal_model()
    x = np.array([[1e-20]], np.float32)
    assert float(np.float32(1e-20) * np.float32(1e-20)) != 0.0  # numpy keeps the denormal
    assert model.predict(x, verbose=0)[0, 0] == 0.0
    assert model.predict_on_batch(x)[0, 0] == 0.0
    assert np.asarray(model(x))[0, 0] == 0.0


def test_the_callers_floating_point_mode_is_restored():
    """Flushing is confined to densekit's own computation: numpy, here, in callbacks and in a
    Python learning-rate schedule, still produces denormals."""
    seen = []

    class Probe(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(np.float32(1e-20) * np.float32(1e-20))

        def on_epoch_end(self, epoch, logs=None):
            seen.append(np.float32(1e-20) * np.float32(1e-20))

    class Schedule(keras.optimizers.schedules.LearningRateSchedule):
        """A schedule written in Python: called from inside the C++ train step."""

        def __call__(self, step):
            seen.append(np.float32(1e-20) * np.float32(1e-20))
            return 0.01

    model = denormal_model()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=Schedule()), loss="mse")
    x = np.full((8, 1), 1e-20, np.float32)
    model.fit(x, np.zeros((8, 1), np.float32), batch_size=4, epochs=2, verbose=0, callbacks=[Probe()])
    model.predict(x, verbose=0)
    model.evaluate(x, np.zeros((8, 1), np.float32), verbose=0)
    assert len(seen) == 10 and all(0.0 < v < TINY for v in seen)  # 4 batches, 4 schedule calls, 2 epochs
    assert 0.0 < np.float32(1e-20) * np.float32(1e-20) < TINY
