"""Dense layer: forward pass, shapes, parameters, gradients and argument checking
(keras/src/layers/core/dense.py, keras/src/activations/activations.py, keras/src/losses/ and
compute_loss in keras/src/trainers/trainer.py)."""

import math
import zlib

import numpy as np
import pytest

import densekit as keras
from densekit._core._testing import compute_gradients

# --------------------------------------------------------------------------------------------
# Independent float64 references (keras/src/activations/activations.py)
# --------------------------------------------------------------------------------------------
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_erf = np.vectorize(math.erf)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softplus(x):
    return np.logaddexp(x, 0.0)


def _elu(x):
    return np.where(x >= 0, x, np.expm1(np.minimum(x, 0.0)))


def _hard_sigmoid(x):
    return np.clip(x / 6.0 + 0.5, 0.0, 1.0)


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _log_softmax(x):
    z = x - x.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softmax": _softmax,
    "elu": _elu,
    "selu": lambda x: _SELU_SCALE * np.where(x >= 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0.0))),
    "gelu": lambda x: 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0))),
    "silu": lambda x: x * _sigmoid(x),
    "softplus": _softplus,
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "hard_sigmoid": _hard_sigmoid,
    "hard_silu": lambda x: x * _hard_sigmoid(x),
    "leaky_relu": lambda x: np.maximum(x, 0.2 * x),
    "relu6": lambda x: np.clip(x, 0.0, 6.0),
    "log_softmax": _log_softmax,
    "exponential": np.exp,
    "linear": lambda x: x,
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "celu": lambda x: np.maximum(x, 0.0) + np.expm1(np.minimum(x, 0.0)),
    "hard_tanh": lambda x: np.clip(x, -1.0, 1.0),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0.0),
    "soft_shrink": lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0.0),
    "tanh_shrink": lambda x: x - np.tanh(x),
    "log_sigmoid": lambda x: -_softplus(-x),
    "sparse_plus": lambda x: np.where(x <= -1, 0.0, np.where(x < 1, (x + 1) ** 2 / 4, x)),
    "sparse_sigmoid": lambda x: np.clip((x + 1) / 2, 0.0, 1.0),
    "squareplus": lambda x: (x + np.sqrt(x * x + 4.0)) / 2,
}
# Covered in test_activations_added.py: glu halves the axis, sparsemax's kinks move with the
# row, and threshold has no defaults (a layer refuses it by name).
ROW_OR_REQUIRED_ARGUMENTS = {"glu", "sparsemax", "threshold"}

# Points where an activation is not differentiable (finite differences must stay away from them).
KINKS = {"relu": [0.0], "leaky_relu": [0.0], "relu6": [0.0, 6.0], "hard_sigmoid": [-3.0, 3.0],
         "hard_silu": [-3.0, 3.0], "elu": [0.0], "selu": [0.0], "celu": [0.0], "hard_tanh": [-1.0, 1.0],
         "hard_shrink": [-0.5, 0.5], "soft_shrink": [-0.5, 0.5], "sparse_plus": [-1.0, 1.0],
         "sparse_sigmoid": [-1.0, 1.0]}

EPS = 1e-7


def _dense_forward(x, kernel, bias, activation):
    z = x @ kernel
    if bias is not None:
        z = z + bias
    return ACTIVATIONS[activation](z)


# --------------------------------------------------------------------------------------------
# Forward pass
# --------------------------------------------------------------------------------------------
def test_activation_table_covers_densekit_activations():
    names = {n for n in keras._core.Activation.names() if n not in ("swish", "hard_swish")}
    assert names == set(ACTIVATIONS) | ROW_OR_REQUIRED_ARGUMENTS


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_dense_forward_matches_numpy_reference(activation):
    rng = np.random.default_rng(0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4, activation=activation,
                                                                    bias_initializer="random_normal")])
    kernel, bias = [w.astype(np.float64) for w in model.get_weights()]
    # spread the pre-activations over roughly [-4, 4] (past every clip point of hard_sigmoid)
    model.set_weights([(kernel * 3.0).astype(np.float32), (bias * 10).astype(np.float32)])
    kernel, bias = [w.astype(np.float64) for w in model.get_weights()]
    x = rng.normal(0.0, 2.0, size=(64, 6)).astype(np.float32)
    expected = _dense_forward(x.astype(np.float64), kernel, bias, activation)
    out = model.predict(x, verbose=0)
    assert out.dtype == np.float32 and out.shape == (64, 4)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("units", [8, 16, 17, 33, 48, 49, 64, 65, 100, 129, 300])
def test_dense_forward_every_width_and_row_count_matches_numpy(units):
    """The widths and row counts that take each path of densekit's own matrix kernels (one row,
    row tiles, chunks of rows, column blocks of 1-3 vectors with a masked last one)."""
    rng = np.random.default_rng(units)
    model = keras.Sequential([keras.Input((37,)), keras.layers.Dense(units, bias_initializer="random_normal")])
    kernel, bias = [w.astype(np.float64) for w in model.get_weights()]
    for rows in (1, 5, 32, 97, 200):
        x = rng.normal(size=(rows, 37)).astype(np.float32)
        expected = x.astype(np.float64) @ kernel + bias
        np.testing.assert_allclose(model.predict(x, verbose=0, batch_size=rows), expected, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(model(x), expected, rtol=1e-5, atol=1e-5)


def test_dense_activation_none_is_linear():
    layer = keras.layers.Dense(3)
    assert layer.activation.__name__ == "linear"
    assert layer.get_config()["activation"] == "linear"


def test_dense_hand_computed_2x2():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="relu")])
    model.set_weights([np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5, -1.0])])
    x = np.array([[1.0, 1.0], [2.0, -1.0], [0.0, 0.5]], dtype=np.float32)
    # x @ W = [[4, 6], [-1, 0], [1.5, 2]];  + b = [[4.5, 5], [-0.5, -1], [2, 1]]; relu
    expected = np.array([[4.5, 5.0], [0.0, 0.0], [2.0, 1.0]])
    np.testing.assert_array_equal(model.predict(x, verbose=0), expected)
    linear = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    linear.set_weights([np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5, -1.0])])
    np.testing.assert_array_equal(linear.predict(x, verbose=0), [[4.5, 5.0], [-0.5, -1.0], [2.0, 1.0]])


def test_dense_rank3_input_acts_on_last_axis():
    rng = np.random.default_rng(1)
    model = keras.Sequential([keras.Input((4, 3)), keras.layers.Dense(2, activation="tanh",
                                                                      bias_initializer="ones")])
    assert model.output_shape == (None, 4, 2)
    kernel, bias = model.get_weights()
    assert kernel.shape == (3, 2) and bias.shape == (2,)
    assert model.count_params() == 3 * 2 + 2
    x = rng.normal(size=(5, 4, 3)).astype(np.float32)
    out = model.predict(x, verbose=0)
    assert out.shape == (5, 4, 2)
    expected = np.tanh(x.astype(np.float64) @ kernel.astype(np.float64) + bias)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    # each position is independent: the (n, t) slice equals the layer applied to x[n, t]
    np.testing.assert_allclose(out[2, 3], np.tanh(x[2, 3].astype(np.float64) @ kernel + bias), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n_in,units", [(1, 1), (5, 7), (30, 15), (784, 128)])
def test_dense_parameter_count(n_in, units):
    layer = keras.layers.Dense(units)
    model = keras.Sequential([keras.Input((n_in,)), layer])
    assert layer.count_params() == n_in * units + units
    assert model.count_params() == n_in * units + units
    kernel, bias = layer.get_weights()
    assert kernel.shape == (n_in, units) and bias.shape == (units,)
    assert kernel.dtype == np.float32
    np.testing.assert_array_equal(bias, np.zeros(units))  # bias_initializer="zeros"


def test_dense_without_bias_has_only_kernel():
    layer = keras.layers.Dense(4, use_bias=False)
    model = keras.Sequential([keras.Input((3,)), layer])
    weights = layer.get_weights()
    assert len(weights) == 1 and weights[0].shape == (3, 4)
    assert layer.bias is None
    assert layer.count_params() == 12 and model.count_params() == 12
    x = np.random.default_rng(2).normal(size=(8, 3)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), x.astype(np.float64) @ weights[0], rtol=1e-5,
                               atol=1e-6)


def test_dense_legacy_input_shape_warns_and_builds():
    with pytest.warns(UserWarning):
        layer = keras.layers.Dense(4, input_shape=(3,))
    model = keras.Sequential([layer])
    assert model.built and model.count_params() == 16
    with pytest.warns(UserWarning):
        layer = keras.layers.Dense(2, input_dim=5)
    model = keras.Sequential([layer])
    assert model.count_params() == 12


# --------------------------------------------------------------------------------------------
# Argument checking
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("units", [0, -1, 2.5, None, "3", True])
def test_dense_invalid_units(units):
    with pytest.raises(ValueError, match="Received an invalid value for `units`"):
        keras.layers.Dense(units)


def test_dense_unknown_activation():
    with pytest.raises(ValueError):
        keras.layers.Dense(3, activation="not_an_activation")


def test_dense_unknown_kwarg():
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to Dense"):
        keras.layers.Dense(3, foo=1)


# --------------------------------------------------------------------------------------------
# Gradients against central finite differences of an independent float64 model
# --------------------------------------------------------------------------------------------
def _loss_ref(loss, y, p):
    """Per-batch loss with sum_over_batch_size reduction (keras/src/losses/)."""
    if loss == "mse":
        per_sample = np.mean((y - p) ** 2, axis=-1)
    elif loss == "mae":
        per_sample = np.mean(np.abs(y - p), axis=-1)
    elif loss == "huber":
        e = p - y
        a = np.abs(e)
        per_sample = np.mean(np.where(a <= 1.0, 0.5 * e ** 2, a - 0.5), axis=-1)
    elif loss == "binary_crossentropy":
        q = np.clip(p, EPS, 1 - EPS)
        per_sample = np.mean(-(y * np.log(q) + (1 - y) * np.log(1 - q)), axis=-1)
    elif loss == "categorical_crossentropy":
        q = np.clip(p / p.sum(axis=-1, keepdims=True), EPS, 1 - EPS)
        per_sample = -np.sum(y * np.log(q), axis=-1)
    elif loss == "sparse_categorical_crossentropy":
        q = np.clip(p / p.sum(axis=-1, keepdims=True), EPS, 1 - EPS)
        per_sample = -np.log(q[np.arange(len(y)), y.astype(int).reshape(-1)])
    else:
        raise AssertionError(loss)
    return per_sample.sum() / len(per_sample)


def _mlp_forward(x, params, hidden, output):
    w1, b1, w2, b2 = params
    h = _dense_forward(x, w1, b1, hidden)
    return _dense_forward(h, w2, b2, output)


def _numeric_gradient(total_loss, params, step=1e-4):
    grads = []
    for i, p in enumerate(params):
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            plus = [q.copy() for q in params]
            minus = [q.copy() for q in params]
            plus[i][idx] += step
            minus[i][idx] -= step
            g[idx] = (total_loss(plus) - total_loss(minus)) / (2 * step)
        grads.append(g.reshape(-1))
    return np.concatenate(grads)


def _targets(loss, n, units, rng):
    if loss == "binary_crossentropy":
        return rng.integers(0, 2, size=(n, units)).astype(np.float64)
    if loss == "categorical_crossentropy":
        return np.eye(units)[rng.integers(0, units, size=n)]
    if loss == "sparse_categorical_crossentropy":
        return rng.integers(0, units, size=(n,)).astype(np.float64)
    if loss == "mae":
        return rng.uniform(-0.9, 0.9, size=(n, units))
    return rng.normal(0.0, 1.5, size=(n, units))


def _away_from_kinks(values, hidden, margin=5e-3):
    points = KINKS.get(hidden, [])
    return all(np.min(np.abs(values - k)) > margin for k in points)


LOSS_OUTPUTS = [
    ("mse", "linear", 3),
    ("binary_crossentropy", "sigmoid", 1),
    ("binary_crossentropy", "sigmoid", 3),
    ("categorical_crossentropy", "softmax", 3),
    ("sparse_categorical_crossentropy", "softmax", 3),
    ("mae", "tanh", 3),
    ("huber", "linear", 3),
]


def _build_mlp(hidden, output, units, n_in, seed, **dense_kwargs):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((n_in,)),
                              keras.layers.Dense(5, activation=hidden, bias_initializer="random_normal",
                                                 **dense_kwargs),
                              keras.layers.Dense(units, activation=output, bias_initializer="random_normal")])
    return model


@pytest.mark.parametrize("loss,output,units", LOSS_OUTPUTS, ids=[f"{l}-{o}-{u}" for l, o, u in LOSS_OUTPUTS])
@pytest.mark.parametrize("hidden", sorted(ACTIVATIONS))
def test_mlp_gradient_matches_finite_differences(hidden, loss, output, units):
    n, n_in = 6, 4
    rng = np.random.default_rng(zlib.crc32(f"{hidden}-{loss}-{units}".encode()))
    model = _build_mlp(hidden, output, units, n_in, seed=7)
    model.compile(optimizer="sgd", loss=loss)
    params = [w.astype(np.float64) for w in model.get_weights()]
    for _ in range(100):  # data whose hidden pre-activations stay clear of any kink
        x = rng.normal(0.0, 1.0, size=(n, n_in))
        x32 = x.astype(np.float32).astype(np.float64)
        if _away_from_kinks(x32 @ params[0] + params[1], hidden):
            break
    else:
        raise AssertionError("could not draw kink-free data")
    y = _targets(loss, n, units, rng)
    x = x32
    if loss == "mae":  # keep |y - p| away from 0 (the kink of |.|)
        p = _mlp_forward(x, params, hidden, output)
        y = np.where(np.abs(y - p) < 1e-2, y + 0.05, y)

    analytic = compute_gradients(model._core, [np.ascontiguousarray(x, dtype=np.float32)],
                                 [np.ascontiguousarray(y, dtype=np.float32)])
    numeric = _numeric_gradient(lambda ps: _loss_ref(loss, y, _mlp_forward(x, ps, hidden, output)), params)
    assert analytic.shape == numeric.shape == (n_in * 5 + 5 + 5 * units + units,)
    assert np.all(np.isfinite(analytic))
    np.testing.assert_allclose(analytic, numeric, rtol=2e-3, atol=2e-3)
    # per weight tensor, relative to that tensor's largest gradient (hidden-layer gradients can be small)
    bounds = np.cumsum([0] + [p.size for p in params])
    for start, stop in zip(bounds[:-1], bounds[1:]):
        scale = np.abs(numeric[start:stop]).max()
        np.testing.assert_allclose(analytic[start:stop], numeric[start:stop], rtol=2e-3, atol=2e-3 * scale)
    # the evaluated loss equals the reference loss too
    value = model.evaluate(x.astype(np.float32), y.astype(np.float32), verbose=0)
    assert value == pytest.approx(_loss_ref(loss, y, _mlp_forward(x, params, hidden, output)), rel=1e-4, abs=1e-5)


@pytest.mark.parametrize("kind", ["l2", "l1", "l1_l2"])
def test_kernel_regularizer_penalty_in_loss_and_gradient(kind):
    n, n_in = 8, 4
    rng = np.random.default_rng(3)
    reg = {"l2": keras.regularizers.L2(0.01), "l1": keras.regularizers.L1(0.02),
           "l1_l2": keras.regularizers.L1L2(l1=0.03, l2=0.05)}[kind]
    l1, l2 = {"l2": (0.0, 0.01), "l1": (0.02, 0.0), "l1_l2": (0.03, 0.05)}[kind]
    model = _build_mlp("tanh", "linear", 2, n_in, seed=11, kernel_regularizer=reg)
    plain = _build_mlp("tanh", "linear", 2, n_in, seed=11)
    model.compile(optimizer="sgd", loss="mse")
    plain.compile(optimizer="sgd", loss="mse")
    plain.set_weights(model.get_weights())
    params = [w.astype(np.float64) for w in model.get_weights()]
    x = rng.normal(size=(n, n_in)).astype(np.float32).astype(np.float64)
    y = rng.normal(size=(n, 2))

    def total(ps):
        penalty = l1 * np.abs(ps[0]).sum() + l2 * (ps[0] ** 2).sum()  # no 1/2 factor
        return _loss_ref("mse", y, _mlp_forward(x, ps, "tanh", "linear")) + penalty

    xs, ys = [np.ascontiguousarray(x, dtype=np.float32)], [np.ascontiguousarray(y, dtype=np.float32)]
    analytic = compute_gradients(model._core, xs, ys)
    np.testing.assert_allclose(analytic, _numeric_gradient(total, params), rtol=2e-3, atol=2e-3)
    # exactly the penalty's gradient l1·sign(w) + 2·l2·w on the first kernel, nothing elsewhere
    difference = analytic - compute_gradients(plain._core, xs, ys)
    k = n_in * 5
    expected = l1 * np.sign(params[0]).reshape(-1) + 2 * l2 * params[0].reshape(-1)
    np.testing.assert_allclose(difference[:k], expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(difference[k:], 0.0, atol=1e-7)
    # the reported loss includes the penalty (compute_loss in keras/src/trainers/trainer.py)
    value = model.evaluate(xs[0], ys[0], verbose=0)
    assert value == pytest.approx(total(params), rel=1e-5)
    penalty = l1 * np.abs(params[0]).sum() + l2 * (params[0] ** 2).sum()
    assert value - plain.evaluate(xs[0], ys[0], verbose=0) == pytest.approx(penalty, rel=1e-3)


def test_bias_regularizer_penalty():
    rng = np.random.default_rng(4)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, bias_initializer="ones",
                                                                    bias_regularizer=keras.regularizers.L2(0.5))])
    model.compile(optimizer="sgd", loss="mse")
    kernel, bias = [w.astype(np.float64) for w in model.get_weights()]
    x = rng.normal(size=(4, 3)).astype(np.float32)
    y = rng.normal(size=(4, 2)).astype(np.float32)
    mse = _loss_ref("mse", y.astype(np.float64), x.astype(np.float64) @ kernel + bias)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(mse + 0.5 * np.sum(bias ** 2), rel=1e-5)


def test_eager_call_on_a_wrong_shape_names_the_arrays_shape_with_its_batch_size():
    # (Keras's message: "... but received input with shape (4, 5)")
    dense = keras.layers.Dense(2)
    dense(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError) as error:
        dense(np.ones((4, 5), "float32"))
    assert "cannot be applied to its input (4, 5):" in str(error.value)
    assert "received input with shape (4, 5)" in str(error.value) and "None" not in str(error.value)
    with pytest.raises(ValueError, match=r"requires inputs with matching shapes .* input_shape=\[\(2, 3, 4\), \(2, 4, 5\)\]"):
        keras.layers.Concatenate(axis=1)([np.ones((2, 3, 4)), np.ones((2, 4, 5))])
