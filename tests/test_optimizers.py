"""Optimizer behaviour against Keras: keras/src/optimizers/ (update rules, pipeline, arguments,
state counts), keras/src/trainers/trainer.py (continuing fits, train_on_batch),
keras/src/utils/summary_utils.py (summary "Optimizer params") and values measured with
Keras 3.15.1.

Every update rule is checked against an independent float64 NumPy implementation of the
update_step formulas of keras/src/optimizers/, driven by the analytic gradient of the MSE loss
of a linear Dense layer.
"""

import math

import numpy as np
import pytest

import densekit as keras

N, D, U = 12, 4, 3
RTOL, ATOL = 1e-5, 1e-6


# --------------------------------------------------------------------------------------------
# data, model and the float64 reference
# --------------------------------------------------------------------------------------------

def make_data(seed=0, n=N, d=D, u=U):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    y = rng.normal(size=(n, u)).astype(np.float32)
    w0 = (rng.normal(size=(d, u)) * 0.5).astype(np.float32)
    b0 = (rng.normal(size=(u,)) * 0.5).astype(np.float32)
    return x, y, [w0, b0]


def make_model(optimizer, weights, metrics=None):
    d, u = weights[0].shape
    model = keras.Sequential([keras.Input((d,)), keras.layers.Dense(u)])
    model.set_weights([w.copy() for w in weights])
    model.compile(optimizer=optimizer, loss="mse", metrics=metrics)
    return model


def mse_grads(params, x, y):
    """Gradients of mean over samples and outputs of (xW+b-y)² (float64)."""
    w, b = params
    p = x @ w + b
    dp = 2.0 * (p - y) / (x.shape[0] * w.shape[1])
    return [x.T @ dp, dp.sum(axis=0)]


def mse_loss(params, x, y):
    w, b = params
    return float(np.mean((x @ w + b - y) ** 2))


class RefOptimizer:
    """BaseOptimizer.apply pipeline + update_step rules (keras/src/optimizers/), in float64."""

    def __init__(self, kind, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, **hp):
        self.kind, self.lr, self.wd = kind, float(learning_rate), weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        defaults = {
            "sgd": dict(momentum=0.0, nesterov=False),
            "adam": dict(beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False),
            "adamw": dict(beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False),
            "rmsprop": dict(rho=0.9, momentum=0.0, epsilon=1e-7, centered=False),
            "adagrad": dict(initial_accumulator_value=0.1, epsilon=1e-7),
            "adadelta": dict(rho=0.95, epsilon=1e-7),
            "adamax": dict(beta_1=0.9, beta_2=0.999, epsilon=1e-7),
            "nadam": dict(beta_1=0.9, beta_2=0.999, epsilon=1e-7),
        }[kind]
        defaults.update(hp)
        self.hp = defaults
        if kind == "adamw" and self.wd is None:
            self.wd = 0.004
        self.iterations = 0
        self.state = None
        self.u_product = 1.0  # Nadam Π

    def _init_state(self, params):
        z = lambda: [np.zeros_like(p) for p in params]  # noqa: E731
        k, hp = self.kind, self.hp
        if k == "sgd":
            self.state = {"v": z()}
        elif k in ("adam", "adamw", "nadam"):
            self.state = {"m": z(), "v": z(), "vhat": z()}
        elif k == "rmsprop":
            self.state = {"s": z(), "gbar": z(), "mom": z()}
        elif k == "adagrad":
            self.state = {"a": [np.full_like(p, hp["initial_accumulator_value"]) for p in params]}
        elif k == "adadelta":
            self.state = {"eg": z(), "edx": z()}
        elif k == "adamax":
            self.state = {"m": z(), "u": z()}

    def step(self, params, grads):
        if self.state is None:
            self._init_state(params)
        grads = [np.array(g, dtype=np.float64) for g in grads]
        # 4. clipping
        if self.clipnorm is not None:
            c = self.clipnorm
            grads = [g * c / max(np.linalg.norm(g), c) for g in grads]
        if self.global_clipnorm is not None:
            c = self.global_clipnorm
            gn = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
            grads = [g * min(1.0, c / gn) for g in grads]
        if self.clipvalue is not None:
            grads = [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        lr = self.lr
        # 5. decoupled weight decay
        if self.wd is not None:
            params = [w - w * self.wd * lr for w in params]
        # 6. update_step with t = iterations + 1
        t = self.iterations + 1
        hp, st, k = self.hp, self.state, self.kind
        if k == "nadam":
            b1 = hp["beta_1"]
            mu_t = b1 * (1 - 0.5 * 0.96 ** t)
            mu_t1 = b1 * (1 - 0.5 * 0.96 ** (t + 1))
            self.u_product *= mu_t
        out = []
        for i, (w, g) in enumerate(zip(params, grads)):
            if k == "sgd":
                mu = hp["momentum"]
                if mu == 0:
                    w = w - lr * g
                else:
                    st["v"][i] = mu * st["v"][i] - lr * g
                    if hp["nesterov"]:
                        w = w + mu * st["v"][i] - lr * g
                    else:
                        w = w + st["v"][i]
            elif k in ("adam", "adamw"):
                b1, b2, eps = hp["beta_1"], hp["beta_2"], hp["epsilon"]
                st["m"][i] = st["m"][i] + (g - st["m"][i]) * (1 - b1)
                st["v"][i] = st["v"][i] + (g * g - st["v"][i]) * (1 - b2)
                alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                v = st["v"][i]
                if hp["amsgrad"]:
                    st["vhat"][i] = np.maximum(st["vhat"][i], v)
                    v = st["vhat"][i]
                w = w - alpha * st["m"][i] / (np.sqrt(v) + eps)
            elif k == "rmsprop":
                rho, eps, mu = hp["rho"], hp["epsilon"], hp["momentum"]
                st["s"][i] = rho * st["s"][i] + (1 - rho) * g * g
                if hp["centered"]:
                    st["gbar"][i] = rho * st["gbar"][i] + (1 - rho) * g
                    den = st["s"][i] - st["gbar"][i] ** 2 + eps
                else:
                    den = st["s"][i] + eps
                inc = lr * g / np.sqrt(den)
                if mu > 0:
                    st["mom"][i] = mu * st["mom"][i] + inc
                    w = w - st["mom"][i]
                else:
                    w = w - inc
            elif k == "adagrad":
                st["a"][i] = st["a"][i] + g * g
                w = w - lr * g / np.sqrt(st["a"][i] + hp["epsilon"])
            elif k == "adadelta":
                rho, eps = hp["rho"], hp["epsilon"]
                st["eg"][i] = rho * st["eg"][i] + (1 - rho) * g * g
                delta = -np.sqrt(st["edx"][i] + eps) * g / np.sqrt(st["eg"][i] + eps)
                st["edx"][i] = rho * st["edx"][i] + (1 - rho) * delta * delta
                w = w + lr * delta
            elif k == "adamax":
                b1, b2, eps = hp["beta_1"], hp["beta_2"], hp["epsilon"]
                st["m"][i] = st["m"][i] + (g - st["m"][i]) * (1 - b1)
                st["u"][i] = np.maximum(b2 * st["u"][i], np.abs(g))
                w = w - lr * st["m"][i] / ((1 - b1 ** t) * (st["u"][i] + eps))
            elif k == "nadam":
                b2, eps = hp["beta_2"], hp["epsilon"]
                st["m"][i] = st["m"][i] + (g - st["m"][i]) * (1 - hp["beta_1"])
                st["v"][i] = st["v"][i] + (g * g - st["v"][i]) * (1 - b2)
                m_hat = (mu_t1 * st["m"][i] / (1 - self.u_product * mu_t1)
                         + (1 - mu_t) * g / (1 - self.u_product))
                v_hat = st["v"][i] / (1 - b2 ** t)
                w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
            out.append(w)
        self.iterations += 1
        return out


def ref_train(ref, weights, x, y, steps):
    """Full-batch steps of the reference; returns final params and the pre-update losses."""
    params = [np.array(w, dtype=np.float64) for w in weights]
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    losses = []
    for _ in range(steps):
        losses.append(mse_loss(params, x64, y64))
        params = ref.step(params, mse_grads(params, x64, y64))
    return params, losses


def assert_weights(actual, expected, rtol=RTOL, atol=ATOL):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(np.asarray(a, dtype=np.float64), e, rtol=rtol, atol=atol)


def assert_moved(expected, weights, min_change=1e-3):
    """Sanity: the reference really moves the weights far beyond the tolerance."""
    change = max(float(np.max(np.abs(e - w))) for e, w in zip(expected, weights))
    assert change > min_change, change


# --------------------------------------------------------------------------------------------
# 1. update rules — 3 full-batch steps
# --------------------------------------------------------------------------------------------

CASES = {
    "sgd": (lambda: keras.optimizers.SGD(learning_rate=0.1), ("sgd", 0.1, {})),
    "sgd_momentum": (lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
                     ("sgd", 0.1, dict(momentum=0.9))),
    "sgd_nesterov": (lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True),
                     ("sgd", 0.1, dict(momentum=0.9, nesterov=True))),
    "adam": (lambda: keras.optimizers.Adam(learning_rate=0.05), ("adam", 0.05, {})),
    "adam_custom_betas": (lambda: keras.optimizers.Adam(learning_rate=0.05, beta_1=0.8, beta_2=0.9, epsilon=1e-3),
                          ("adam", 0.05, dict(beta_1=0.8, beta_2=0.9, epsilon=1e-3))),
    "adam_amsgrad": (lambda: keras.optimizers.Adam(learning_rate=0.5, beta_2=0.5, amsgrad=True),
                     ("adam", 0.5, dict(beta_2=0.5, amsgrad=True))),
    "adamw": (lambda: keras.optimizers.AdamW(learning_rate=0.05), ("adamw", 0.05, {})),
    "adamw_wd": (lambda: keras.optimizers.AdamW(learning_rate=0.05, weight_decay=0.5),
                 ("adamw", 0.05, dict(weight_decay=0.5))),
    "rmsprop": (lambda: keras.optimizers.RMSprop(learning_rate=0.01), ("rmsprop", 0.01, {})),
    "rmsprop_centered": (lambda: keras.optimizers.RMSprop(learning_rate=0.01, centered=True),
                         ("rmsprop", 0.01, dict(centered=True))),
    "rmsprop_momentum": (lambda: keras.optimizers.RMSprop(learning_rate=0.01, momentum=0.9),
                         ("rmsprop", 0.01, dict(momentum=0.9))),
    "rmsprop_centered_momentum": (
        lambda: keras.optimizers.RMSprop(learning_rate=0.01, rho=0.8, momentum=0.5, centered=True),
        ("rmsprop", 0.01, dict(rho=0.8, momentum=0.5, centered=True))),
    "adagrad": (lambda: keras.optimizers.Adagrad(learning_rate=0.1), ("adagrad", 0.1, {})),
    "adagrad_init": (lambda: keras.optimizers.Adagrad(learning_rate=0.1, initial_accumulator_value=1.0),
                     ("adagrad", 0.1, dict(initial_accumulator_value=1.0))),
    "adadelta": (lambda: keras.optimizers.Adadelta(learning_rate=1.0), ("adadelta", 1.0, {})),
    "adadelta_eps": (lambda: keras.optimizers.Adadelta(learning_rate=1.0, rho=0.9, epsilon=1e-3),
                     ("adadelta", 1.0, dict(rho=0.9, epsilon=1e-3))),
    "adamax": (lambda: keras.optimizers.Adamax(learning_rate=0.05), ("adamax", 0.05, {})),
    "nadam": (lambda: keras.optimizers.Nadam(learning_rate=0.05), ("nadam", 0.05, {})),
}


@pytest.mark.parametrize("case", list(CASES))
def test_update_rule_three_full_batch_steps(case):
    factory, (kind, lr, hp) = CASES[case]
    x, y, w0 = make_data(seed=1)
    model = make_model(factory(), w0)
    losses = [model.train_on_batch(x, y) for _ in range(3)]
    expected, ref_losses = ref_train(RefOptimizer(kind, lr, **hp), w0, x, y, 3)
    assert_moved(expected, w0)
    assert_weights(model.get_weights(), expected)
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-5)
    assert model.optimizer.iterations == 3


def test_variants_are_distinguishable():
    """Sanity for the variant cases above: each variant's reference differs from the base rule."""
    x, y, w0 = make_data(seed=1)
    pairs = [(("adam", 0.5, dict(beta_2=0.5, amsgrad=True)), ("adam", 0.5, dict(beta_2=0.5))),
             (("sgd", 0.1, dict(momentum=0.9, nesterov=True)), ("sgd", 0.1, dict(momentum=0.9))),
             (("sgd", 0.1, dict(momentum=0.9)), ("sgd", 0.1, {})),
             (("rmsprop", 0.01, dict(centered=True)), ("rmsprop", 0.01, {})),
             (("rmsprop", 0.01, dict(momentum=0.9)), ("rmsprop", 0.01, {})),
             (("adamw", 0.05, {}), ("adam", 0.05, {}))]
    for (k1, lr1, hp1), (k2, lr2, hp2) in pairs:
        a, _ = ref_train(RefOptimizer(k1, lr1, **hp1), w0, x, y, 3)
        b, _ = ref_train(RefOptimizer(k2, lr2, **hp2), w0, x, y, 3)
        diff = max(float(np.max(np.abs(p - q))) for p, q in zip(a, b))
        assert diff > 1e-5 * 20, (k1, hp1, diff)


def test_spec15_adam_two_full_batch_steps():
    x, y, w0 = make_data(seed=15, n=16, d=5, u=2)
    model = make_model(keras.optimizers.Adam(learning_rate=0.1), w0)
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    expected, _ = ref_train(RefOptimizer("adam", 0.1), w0, x, y, 2)
    assert_moved(expected, w0)
    assert_weights(model.get_weights(), expected, rtol=1e-6, atol=1e-6)


def test_string_optimizer_defaults_case_insensitive():
    x, y, w0 = make_data(seed=2)
    for name in ["Adam", "ADAM", "adam"]:
        model = make_model(name, w0)
        assert isinstance(model.optimizer, keras.optimizers.Adam)
        for _ in range(3):
            model.train_on_batch(x, y)
        expected, _ = ref_train(RefOptimizer("adam", 0.001), w0, x, y, 3)
        assert_weights(model.get_weights(), expected)
    assert isinstance(make_model("RMSprop", w0).optimizer, keras.optimizers.RMSprop)
    assert isinstance(keras.optimizers.get("sGd"), keras.optimizers.SGD)
    assert isinstance(keras.optimizers.get("adamw"), keras.optimizers.AdamW)


def test_compile_default_optimizer_is_rmsprop():
    x, y, w0 = make_data(seed=3)
    model = keras.Sequential([keras.Input((D,)), keras.layers.Dense(U)])
    model.set_weights(w0)
    model.compile(loss="mse")
    model.train_on_batch(x, y)
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)
    expected, _ = ref_train(RefOptimizer("rmsprop", 0.001), w0, x, y, 1)
    assert_weights(model.get_weights(), expected)


# --------------------------------------------------------------------------------------------
# clipping and weight decay
# --------------------------------------------------------------------------------------------

CLIP_CASES = {
    "sgd_clipnorm": (lambda: keras.optimizers.SGD(learning_rate=0.1, clipnorm=0.3),
                     ("sgd", 0.1, dict(clipnorm=0.3))),
    "sgd_clipvalue": (lambda: keras.optimizers.SGD(learning_rate=0.1, clipvalue=0.1),
                      ("sgd", 0.1, dict(clipvalue=0.1))),
    "sgd_global_clipnorm": (lambda: keras.optimizers.SGD(learning_rate=0.1, global_clipnorm=0.4),
                            ("sgd", 0.1, dict(global_clipnorm=0.4))),
    "adam_clipnorm": (lambda: keras.optimizers.Adam(learning_rate=0.05, clipnorm=0.3),
                      ("adam", 0.05, dict(clipnorm=0.3))),
    "adam_global_clipnorm": (lambda: keras.optimizers.Adam(learning_rate=0.05, global_clipnorm=0.4),
                             ("adam", 0.05, dict(global_clipnorm=0.4))),
    "rmsprop_clipvalue": (lambda: keras.optimizers.RMSprop(learning_rate=0.01, clipvalue=0.1),
                          ("rmsprop", 0.01, dict(clipvalue=0.1))),
    "sgd_weight_decay": (lambda: keras.optimizers.SGD(learning_rate=0.1, weight_decay=0.5),
                         ("sgd", 0.1, dict(weight_decay=0.5))),
    "sgd_momentum_weight_decay": (lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.5, weight_decay=0.5),
                                  ("sgd", 0.1, dict(momentum=0.5, weight_decay=0.5))),
    "adam_weight_decay": (lambda: keras.optimizers.Adam(learning_rate=0.05, weight_decay=0.5),
                          ("adam", 0.05, dict(weight_decay=0.5))),
    "adagrad_weight_decay_clipnorm": (
        lambda: keras.optimizers.Adagrad(learning_rate=0.1, weight_decay=0.2, clipnorm=0.3),
        ("adagrad", 0.1, dict(weight_decay=0.2, clipnorm=0.3))),
}


@pytest.mark.parametrize("case", list(CLIP_CASES))
def test_clipping_and_weight_decay(case):
    factory, (kind, lr, hp) = CLIP_CASES[case]
    # large targets -> large gradients, so every clip is active
    x, y, w0 = make_data(seed=4)
    y = (y * 10.0).astype(np.float32)
    model = make_model(factory(), w0)
    for _ in range(3):
        model.train_on_batch(x, y)
    expected, _ = ref_train(RefOptimizer(kind, lr, **hp), w0, x, y, 3)
    # sanity: the option changes the result
    plain, _ = ref_train(RefOptimizer(kind, lr, **{k: v for k, v in hp.items()
                                                   if k not in ("clipnorm", "clipvalue", "global_clipnorm",
                                                                "weight_decay")}), w0, x, y, 3)
    # (Adam is nearly invariant to gradient scale, so its clipped/unclipped gap is smaller)
    assert max(float(np.max(np.abs(p - q))) for p, q in zip(expected, plain)) > 1e-4
    assert_weights(model.get_weights(), expected)


def test_clipnorm_is_per_tensor_not_global():
    x, y, w0 = make_data(seed=5)
    y = (y * 10.0).astype(np.float32)
    per, _ = ref_train(RefOptimizer("sgd", 0.1, clipnorm=0.3), w0, x, y, 1)
    glob, _ = ref_train(RefOptimizer("sgd", 0.1, global_clipnorm=0.3), w0, x, y, 1)
    assert max(float(np.max(np.abs(p - q))) for p, q in zip(per, glob)) > 1e-3
    model = make_model(keras.optimizers.SGD(learning_rate=0.1, clipnorm=0.3), w0)
    model.train_on_batch(x, y)
    assert_weights(model.get_weights(), per)
    # each tensor's step has norm exactly lr * clipnorm
    for w_new, w_old in zip(model.get_weights(), w0):
        assert np.linalg.norm(w_new.astype(np.float64) - w_old) == pytest.approx(0.1 * 0.3, rel=1e-5)


def test_weight_decay_is_decoupled_with_zero_gradient():
    """With y = model output the gradient is ~0 (float32 rounding only), so only w <- w - w*wd*lr
    acts. Adam gets a large epsilon so the rounding-level gradient is not normalised to a full step."""
    x, _, w0 = make_data(seed=6)
    y = (x.astype(np.float64) @ w0[0] + w0[1]).astype(np.float32)
    for opt, lr in [(keras.optimizers.SGD(learning_rate=0.1, weight_decay=0.5), 0.1),
                    (keras.optimizers.Adam(learning_rate=0.1, epsilon=1.0, weight_decay=0.5), 0.1)]:
        model = make_model(opt, w0)
        model.train_on_batch(x, y)
        got = model.get_weights()
        for g, w in zip(got, w0):
            np.testing.assert_allclose(g, w.astype(np.float64) * (1 - 0.5 * lr), rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------------------------
# learning rate, iterations, continuing fits
# --------------------------------------------------------------------------------------------

def test_learning_rate_getter_and_setter_takes_effect():
    x, y, w0 = make_data(seed=7)
    opt = keras.optimizers.Adam(learning_rate=0.05)
    assert float(opt.learning_rate) == pytest.approx(0.05, rel=1e-6)
    model = make_model(opt, w0)
    model.train_on_batch(x, y)
    opt.learning_rate = 0.2
    assert float(opt.learning_rate) == pytest.approx(0.2, rel=1e-6)
    model.train_on_batch(x, y)
    model.train_on_batch(x, y)

    ref = RefOptimizer("adam", 0.05)
    params = [w.astype(np.float64) for w in w0]
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    params = ref.step(params, mse_grads(params, x64, y64))
    ref.lr = 0.2
    for _ in range(2):
        params = ref.step(params, mse_grads(params, x64, y64))
    unchanged, _ = ref_train(RefOptimizer("adam", 0.05), w0, x, y, 3)
    assert max(float(np.max(np.abs(p - q))) for p, q in zip(params, unchanged)) > 1e-3
    assert_weights(model.get_weights(), params)


def test_sgd_learning_rate_setter_zero_freezes_weights():
    x, y, w0 = make_data(seed=8)
    opt = keras.optimizers.SGD(learning_rate=0.1)
    model = make_model(opt, w0)
    opt.learning_rate = 0.0
    model.train_on_batch(x, y)
    assert_weights(model.get_weights(), [w.astype(np.float64) for w in w0], rtol=0, atol=0)
    assert opt.iterations == 1


def test_iterations_count_steps():
    x, y, w0 = make_data(seed=9)
    opt = keras.optimizers.SGD(learning_rate=0.01)
    assert opt.iterations == 0
    model = make_model(opt, w0)
    for _ in range(3):
        model.train_on_batch(x, y)
    assert opt.iterations == 3
    model.fit(x, y, batch_size=5, epochs=2, verbose=0, shuffle=False)  # ceil(12/5)=3 batches/epoch
    assert opt.iterations == 3 + 6
    model.evaluate(x, y, verbose=0)
    assert opt.iterations == 9


def test_second_fit_continues_adam_state():
    x, y, w0 = make_data(seed=10)
    opt = keras.optimizers.Adam(learning_rate=0.05)
    model = make_model(opt, w0)
    h1 = model.fit(x, y, batch_size=N, epochs=2, verbose=0, shuffle=False)
    h2 = model.fit(x, y, batch_size=N, epochs=2, verbose=0, shuffle=False)
    assert opt.iterations == 4
    expected, losses = ref_train(RefOptimizer("adam", 0.05), w0, x, y, 4)
    # sanity: restarting the bias correction would give something else
    mid, _ = ref_train(RefOptimizer("adam", 0.05), w0, x, y, 2)
    restarted, _ = ref_train(RefOptimizer("adam", 0.05), [m.astype(np.float32) for m in mid], x, y, 2)
    assert max(float(np.max(np.abs(p - q))) for p, q in zip(expected, restarted)) > 1e-3
    assert_weights(model.get_weights(), expected)
    np.testing.assert_allclose(h1.history["loss"] + h2.history["loss"], losses, rtol=1e-5)
    assert len(h2.history["loss"]) == 2


def test_fit_minibatches_match_reference():
    """fit with batch_size < N and shuffle=False: one step per consecutive slice, last partial."""
    x, y, w0 = make_data(seed=11)
    model = make_model(keras.optimizers.RMSprop(learning_rate=0.01, momentum=0.5), w0)
    model.fit(x, y, batch_size=5, epochs=2, verbose=0, shuffle=False)
    ref = RefOptimizer("rmsprop", 0.01, momentum=0.5)
    params = [w.astype(np.float64) for w in w0]
    for _ in range(2):
        for s in range(0, N, 5):
            xb, yb = x[s:s + 5].astype(np.float64), y[s:s + 5].astype(np.float64)
            params = ref.step(params, mse_grads(params, xb, yb))
    assert ref.iterations == 6
    assert_weights(model.get_weights(), params)


def test_iterations_answers_kerass_variable_methods():
    """Keras's ``optimizer.iterations`` is an int64 variable: guides call ``.numpy()`` and
    ``.assign(n)`` on it (it was a bare int here: AttributeError)."""
    x, y, w0 = make_data(seed=12)
    opt = keras.optimizers.Adam(learning_rate=0.05)
    model = make_model(opt, w0)
    model.fit(x, y, batch_size=N, epochs=2, verbose=0, shuffle=False)
    assert opt.iterations == 2 and opt.iterations.numpy().dtype == np.int64 and opt.iterations.value == 2
    opt.iterations.assign(10)
    model.fit(x, y, batch_size=N, epochs=1, verbose=0, shuffle=False)
    assert opt.iterations == 11
    with pytest.raises(ValueError, match="cannot be negative"):
        opt.iterations.assign(-1)


def test_iterations_assigned_before_the_first_fit_are_where_training_resumes():
    """Keras makes ``iterations`` with the optimizer: a count assigned before the first step (as
    when resuming with a schedule) is where the schedule and the updates continue. The first fit
    used to build the optimizer from step 0 again (keras/src/optimizers/base_optimizer.py)."""
    x, y, w0 = make_data(seed=13)
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    opt = keras.optimizers.SGD(schedule)
    model = make_model(opt, w0)
    opt.iterations.assign(100)
    assert float(opt.learning_rate) == pytest.approx(0.1 * 0.5 ** 10, rel=1e-6)
    model.fit(x, y, batch_size=N, epochs=2, verbose=0, shuffle=False)
    assert opt.iterations == 102

    params = [w.astype(np.float64) for w in w0]
    for step in (100, 101):
        grads = mse_grads(params, x, y)
        params = [p - 0.1 * 0.5 ** (step / 10) * g for p, g in zip(params, grads)]
    for got, want in zip(model.get_weights(), params):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("value, error", [
    ("5", TypeError), (2.0, TypeError), (True, TypeError), (np.array([1, 2]), TypeError),
    (2**63, ValueError), (np.uint64(2**63), ValueError),
])
def test_iterations_assign_refuses_what_is_not_a_64_bit_count(value, error):
    opt = keras.optimizers.SGD(0.1)
    with pytest.raises(error, match="optimizer.iterations takes an integer|must fit in 64 bits"):
        opt.iterations.assign(value)
    opt.iterations.assign(np.int32(7))
    assert opt.iterations == 7
    opt.iterations.assign(np.array(2**63 - 1, dtype=np.int64))
    assert opt.iterations == 2**63 - 1


def test_learning_rate_refuses_a_string():
    """float() takes "0.1"; Keras's float32 learning-rate variable does not."""
    opt = keras.optimizers.Adam(0.05)
    for assign in (lambda v: setattr(opt, "learning_rate", v), opt.learning_rate.assign):
        with pytest.raises(TypeError, match="learning rate must be a number"):
            assign("0.1")
    assert float(opt.learning_rate) == pytest.approx(0.05, rel=1e-6)


def test_learning_rate_and_iterations_print_as_keras_variables():
    # Keras 3.15.1: print(model.optimizer.learning_rate) shows the variable, not a bare number.
    optimizer = keras.optimizers.Adam(0.001)
    assert str(optimizer.learning_rate) == repr(optimizer.learning_rate) == (
        "<Variable path=adam/learning_rate, shape=(), dtype=float32, value=0.0010000000474974513>")
    assert f"{optimizer.iterations}" == "<Variable path=adam/iteration, shape=(), dtype=int64, value=0>"
    lr = optimizer.learning_rate
    assert (lr.dtype, lr.shape, lr.path) == ("float32", (), "adam/learning_rate")
    assert f"{lr:.4f}" == "0.0010" and float(lr) == float(np.float32(0.001)) and lr * 2 == 2 * float(lr)
    assert lr.numpy() == np.float32(0.001) and optimizer.iterations + 1 == 1
