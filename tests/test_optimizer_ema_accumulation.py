"""Optimizer EMA, gradient accumulation and loss scaling (keras/src/optimizers/base_optimizer.py),
against a NumPy re-implementation of Keras's BaseOptimizer.apply."""

import numpy as np
import pytest

import densekit as keras
from densekit import layers

N, IN, OUT = 12, 3, 2


def make_data(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(N, IN)).astype(np.float32), rng.normal(size=(N, OUT)).astype(np.float32),
            [rng.normal(size=(IN, OUT)).astype(np.float32) * 0.5, rng.normal(size=(OUT,)).astype(np.float32) * 0.1])


def make_model(optimizer, w0):
    model = keras.Sequential([keras.Input((IN,)), layers.Dense(OUT)])
    model.compile(optimizer=optimizer, loss="mse")
    model.set_weights(w0)
    return model


def grads(params, x, y):
    k, b = params
    err = x @ k + b - y
    d = 2 * err / err.size
    return [x.T @ d, d.sum(axis=0)]


def batches(x, y, batch_size):
    return [(x[s:s + batch_size].astype(np.float64), y[s:s + batch_size].astype(np.float64))
            for s in range(0, len(x), batch_size)]


class RefSGD:
    """Keras's apply for SGD (momentum 0): unscale, accumulate, update, EMA, count."""

    def __init__(self, lr, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, accumulation=None,
                 loss_scale=None):
        self.lr, self.use_ema, self.m, self.freq = lr, use_ema, ema_momentum, ema_overwrite_frequency
        self.n, self.scale = accumulation, loss_scale
        self.raw = 0
        self.acc = self.avg = None

    @property
    def iterations(self):
        return self.raw // self.n if self.n else self.raw

    def step(self, params, g):
        if self.acc is None:
            self.acc = [np.zeros_like(p) for p in params]
            self.avg = [np.zeros_like(p) for p in params]
        if self.n:
            if (self.raw + 1) % self.n == 0:
                g = [(gi + ai) / self.n for gi, ai in zip(g, self.acc)]
                self.acc = [np.zeros_like(p) for p in params]
                params = [p - self.lr * gi for p, gi in zip(params, g)]
            else:
                self.acc = [ai + gi for ai, gi in zip(self.acc, g)]
        else:
            params = [p - self.lr * gi for p, gi in zip(params, g)]
        if self.use_ema:
            m = 0.0 if self.iterations == 0 else self.m
            self.avg = [m * a + (1 - m) * p for a, p in zip(self.avg, params)]
            if self.freq and (self.iterations + 1) % self.freq == 0:
                params = [a.copy() for a in self.avg]
        self.raw += 1
        return params


def run_reference(ref, w0, x, y, batch_size, epochs, finalize=True):
    params = [w.astype(np.float64) for w in w0]
    for _ in range(epochs):
        for xb, yb in batches(x, y, batch_size):
            params = ref.step(params, grads(params, xb, yb))
    if finalize and ref.use_ema:
        params = [a.copy() for a in ref.avg]
    return params


def assert_close(actual, expected, rtol=2e-5, atol=1e-6):
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=rtol, atol=atol)


# --------------------------------------------------------------------------------------------
# EMA
# --------------------------------------------------------------------------------------------

def test_ema_replaces_the_weights_at_the_end_of_fit():
    x, y, w0 = make_data(1)
    model = make_model(keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.9), w0)
    model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    expected = run_reference(RefSGD(0.1, use_ema=True, ema_momentum=0.9), w0, x, y, 4, 2)
    raw = run_reference(RefSGD(0.1), w0, x, y, 4, 2)
    assert max(np.abs(e - r).max() for e, r in zip(expected, raw)) > 1e-3  # the swap is visible
    assert_close(model.get_weights(), expected)
    assert model.optimizer.iterations == 6


def test_ema_is_not_applied_when_the_fit_raises():
    x, y, w0 = make_data(2)
    model = make_model(keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.9), w0)

    def boom(epoch, logs):
        raise KeyError("stop here")

    with pytest.raises(KeyError):
        model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0,
                  callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=boom)])
    assert_close(model.get_weights(), run_reference(RefSGD(0.1, use_ema=True, ema_momentum=0.9), w0, x, y, 4, 1,
                                                    finalize=False))


def test_ema_overwrite_frequency():
    x, y, w0 = make_data(3)
    opt = keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)
    model = make_model(opt, w0)
    seen = []
    model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0,
              callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(
                  model.get_weights()))])
    ref = RefSGD(0.1, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)
    params = [w.astype(np.float64) for w in w0]
    for step, (xb, yb) in enumerate(batches(x, y, 4) * 2):
        params = ref.step(params, grads(params, xb, yb))
        assert_close(seen[step], params)  # after steps 1, 3, 5 the weights are the averages
    assert_close(model.get_weights(), ref.avg)


def test_ema_with_adam_slots_and_counts():
    x, y, w0 = make_data(4)
    opt = keras.optimizers.Adam(0.01, use_ema=True)
    model = make_model(opt, w0)
    model.fit(x, y, batch_size=6, epochs=1, verbose=0)
    p = IN * OUT + OUT
    assert opt.count_params() == 3 * p + 2  # iteration, learning_rate, m, v, average
    config = opt.get_config()
    assert config["use_ema"] is True and config["ema_momentum"] == 0.99 and config["ema_overwrite_frequency"] is None


# --------------------------------------------------------------------------------------------
# gradient accumulation
# --------------------------------------------------------------------------------------------

def test_gradient_accumulation_updates_every_n_steps_with_the_mean_gradient():
    x, y, w0 = make_data(5)
    opt = keras.optimizers.SGD(0.2, gradient_accumulation_steps=3)
    model = make_model(opt, w0)
    weights = []
    model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0,
              callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: weights.append(
                  model.get_weights()))])
    ref = RefSGD(0.2, accumulation=3)
    params = [w.astype(np.float64) for w in w0]
    for step, (xb, yb) in enumerate(batches(x, y, 2)):
        params = ref.step(params, grads(params, xb, yb))
        assert_close(weights[step], params)
        if step % 3 != 2:  # no update on accumulation steps
            assert_close(weights[step], weights[step - 1] if step else w0, rtol=0, atol=0)
    assert opt.iterations == 2  # 6 steps / 3
    assert opt._core.raw_iterations == 6
    assert opt.count_params() == (IN * OUT + OUT) + 2


def test_gradient_accumulation_with_adam_counts_updates_for_bias_correction():
    x, y, w0 = make_data(6)
    accumulated = make_model(keras.optimizers.Adam(0.05, gradient_accumulation_steps=2), w0)
    accumulated.fit(x, y, batch_size=6, epochs=2, shuffle=False, verbose=0)  # 4 steps, 2 updates
    # the same two updates from the mean of each pair of half-batch gradients: full batches of 12
    full = make_model(keras.optimizers.Adam(0.05), w0)
    full.fit(np.concatenate([x, x]), np.concatenate([y, y]), batch_size=12, epochs=1, shuffle=False, verbose=0)
    # (half-batch MSE gradients averaged = full-batch gradient)
    assert_close(accumulated.get_weights(), full.get_weights(), rtol=1e-5)
    assert accumulated.optimizer.iterations == 2


def test_schedules_see_raw_steps_and_ema_sees_updates():
    x, y, w0 = make_data(7)
    lrs = []
    opt = keras.optimizers.SGD(keras.optimizers.schedules.PiecewiseConstantDecay([1, 3], [0.3, 0.2, 0.1]),
                               gradient_accumulation_steps=2, use_ema=True, ema_momentum=0.5)
    model = make_model(opt, w0)
    model.fit(x, y, batch_size=3, epochs=2, shuffle=False, verbose=0,
              callbacks=[keras.callbacks.LambdaCallback(on_train_batch_begin=lambda b, logs: lrs.append(
                  model.optimizer.learning_rate))])
    assert lrs == pytest.approx([0.3, 0.3, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1])  # at raw steps 0..7
    params = [w.astype(np.float64) for w in w0]
    ref = RefSGD(None, use_ema=True, ema_momentum=0.5, accumulation=2)
    for step, (xb, yb) in enumerate(batches(x, y, 3) * 2):
        ref.lr = [0.3, 0.3, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1][step]
        params = ref.step(params, grads(params, xb, yb))
    assert_close(model.get_weights(), ref.avg)


# --------------------------------------------------------------------------------------------
# loss scaling
# --------------------------------------------------------------------------------------------

def test_loss_scale_factor_scales_then_unscales_the_gradients():
    x, y, w0 = make_data(8)
    plain = make_model(keras.optimizers.Adam(0.01), w0)
    scaled = make_model(keras.optimizers.Adam(0.01, loss_scale_factor=1024.0), w0)
    plain.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    history = scaled.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(scaled.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(a, b)  # a power of two: exact
    assert history.history["loss"] == plain.history.history["loss"]  # the reported loss is unscaled
    # the scaled gradients really exist: a huge factor overflows float32
    huge = make_model(keras.optimizers.SGD(0.01, loss_scale_factor=1e38), w0)
    huge.fit(x, y * 100, batch_size=12, epochs=1, verbose=0)
    assert not np.all(np.isfinite(huge.get_weights()[0]))
    assert keras.optimizers.SGD(0.1, loss_scale_factor=8.0).get_config()["loss_scale_factor"] == 8.0


# --------------------------------------------------------------------------------------------
# arguments and saving
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,message", [
    ({"gradient_accumulation_steps": 1}, "`gradient_accumulation_steps` must be an integer >= 2. Received: "
                                         "gradient_accumulation_steps=1"),
    ({"gradient_accumulation_steps": 2.5}, "`gradient_accumulation_steps` must be an integer >= 2"),
    ({"use_ema": True, "ema_momentum": 1.5}, r"`ema_momentum` must be in the range \[0, 1\]. Received: ema_momentum=1.5"),
    ({"use_ema": True, "ema_overwrite_frequency": 0.5}, "`ema_overwrite_frequency` must be an integer >= 1 or None. "
                                                         "Received: ema_overwrite_frequency=0.5"),
    ({"loss_scale_factor": -1.0}, "Argument `loss_scale_factor` must be a positive finite float"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras.optimizers.Adam(**kwargs)


def test_save_and_resume_mid_accumulation_with_ema(tmp_path):
    x, y, w0 = make_data(9)

    def fresh():
        return make_model(keras.optimizers.Adam(0.02, use_ema=True, ema_overwrite_frequency=3,
                                                gradient_accumulation_steps=4), w0)

    straight = fresh()
    straight.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)  # 6 steps: 2 waiting in the accumulator
    path = tmp_path / "mid.dk"
    straight.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.optimizer.use_ema and loaded.optimizer.gradient_accumulation_steps == 4
    assert loaded.optimizer.iterations == 1 and loaded.optimizer._core.raw_iterations == 6
    straight.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    loaded.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(loaded.get_weights(), straight.get_weights()):
        np.testing.assert_array_equal(a, b)
