"""Dropout, Flatten and Activation layers (keras/src/layers/regularization/dropout.py,
keras/src/layers/reshaping/flatten.py, keras/src/layers/activations/,
keras/src/activations/activations.py)."""

import math

import numpy as np
import pytest

import densekit as keras
from densekit._core._testing import compute_gradients

_erf = np.vectorize(math.erf)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softplus(x):
    return np.logaddexp(x, 0.0)


def _hard_sigmoid(x):
    return np.clip(x / 6.0 + 0.5, 0.0, 1.0)


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


REFERENCE = {
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softmax": _softmax,
    "elu": lambda x: np.where(x >= 0, x, np.expm1(np.minimum(x, 0.0))),
    "selu": lambda x: 1.0507009873554804934193349852946 * np.where(
        x >= 0, x, 1.6732632423543772848170429916717 * np.expm1(np.minimum(x, 0.0))),
    "gelu": lambda x: 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0))),
    "silu": lambda x: x * _sigmoid(x),
    "swish": lambda x: x * _sigmoid(x),
    "softplus": _softplus,
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "hard_sigmoid": _hard_sigmoid,
    "hard_silu": lambda x: x * _hard_sigmoid(x),
    "hard_swish": lambda x: x * _hard_sigmoid(x),
    "leaky_relu": lambda x: np.maximum(x, 0.2 * x),
    "relu6": lambda x: np.clip(x, 0.0, 6.0),
    "log_softmax": lambda x: np.log(_softmax(x)),
    "exponential": np.exp,
    "linear": lambda x: x,
    "mish": lambda x: x * np.tanh(_softplus(x)),
}


def _f32(a):
    return np.ascontiguousarray(a, dtype=np.float32)


def _identity_dense_dropout(units, rate):
    model = keras.Sequential([keras.Input((units,)),
                              keras.layers.Dense(units, use_bias=False, kernel_initializer="identity"),
                              keras.layers.Dropout(rate)])
    model.compile(optimizer="sgd", loss="mse")
    return model


# --------------------------------------------------------------------------------------------
# Dropout
# --------------------------------------------------------------------------------------------
def test_dropout_is_identity_in_predict_and_evaluate():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 40)).astype(np.float32)
    model = _identity_dense_dropout(40, 0.5)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    np.testing.assert_array_equal(model(x), x)
    assert model.evaluate(x, x, verbose=0) == 0.0
    y = rng.normal(size=(50, 40)).astype(np.float32)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(np.mean((x.astype(np.float64) - y) ** 2), rel=1e-5)


def test_dropout_alone_is_identity_in_predict():
    x = np.random.default_rng(1).normal(size=(7, 5)).astype(np.float32)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dropout(0.9)])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


def test_dropout_training_scales_kept_values():
    """Identity Dense -> Dropout(0.5), mse against 0, one sample: out_j = m_j·2·x_j, so
    dL/dW[i, j] = x_i · 2m_j · 2·out_j / U = 8 m_j x_i x_j / U. Relative to the no-dropout
    gradient 2 x_i x_j / U every column is 0 (dropped) or 4 (kept, forward ×2 and backward ×2)."""
    units, rate = 200, 0.5
    rng = np.random.default_rng(2)
    model = _identity_dense_dropout(units, rate)
    dropped_fractions = []
    masks = []
    for _ in range(5):
        x = rng.uniform(0.5, 1.5, size=(1, units))
        grad = compute_gradients(model._core, [_f32(x)], [_f32(np.zeros((1, units)))]).reshape(units, units)
        x64 = _f32(x).astype(np.float64)[0]
        ratio = grad / (2 * np.outer(x64, x64) / units)
        kept = np.isclose(ratio, 4.0, rtol=1e-4)
        dropped = ratio == 0.0
        assert np.all(kept | dropped), "every gradient entry is either 0 or 4x the no-dropout value"
        column_kept = kept[0]
        assert np.all(kept == column_kept[None, :]), "a dropped unit is dropped for every input row"
        dropped_fractions.append(1.0 - column_kept.mean())
        masks.append(column_kept)
    assert 0.35 < np.mean(dropped_fractions) < 0.65
    assert not all(np.array_equal(masks[0], m) for m in masks[1:]), "a fresh mask every step"


def test_dropout_rate_zero_is_identity_in_training():
    units = 20
    model = _identity_dense_dropout(units, 0.0)
    x = np.random.default_rng(3).uniform(0.5, 1.5, size=(1, units))
    grad = compute_gradients(model._core, [_f32(x)], [_f32(np.zeros((1, units)))]).reshape(units, units)
    x64 = _f32(x).astype(np.float64)[0]
    np.testing.assert_allclose(grad, 2 * np.outer(x64, x64) / units, rtol=1e-5)


def test_dropout_rate_one_outputs_zeros_in_training():
    """Dense(identity) -> Dropout(1.0) -> Dense(kernel K, bias b): if the dropout output is 0,
    the second kernel's gradient is exactly 0 and the bias gradient is 2·mean_n(b − y)/U."""
    units, n = 6, 4
    model = keras.Sequential([keras.Input((units,)),
                              keras.layers.Dense(units, use_bias=False, kernel_initializer="identity"),
                              keras.layers.Dropout(1.0),
                              keras.layers.Dense(units, bias_initializer="ones")])
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(4)
    x = rng.uniform(0.5, 1.5, size=(n, units))
    y = rng.normal(size=(n, units))
    grad = compute_gradients(model._core, [_f32(x)], [_f32(y)])
    assert np.all(np.isfinite(grad))
    first, second_kernel, bias = grad[:units * units], grad[units * units:2 * units * units], grad[2 * units * units:]
    np.testing.assert_array_equal(first, 0.0)
    np.testing.assert_array_equal(second_kernel, 0.0)
    expected_bias = 2 * (1.0 - _f32(y).astype(np.float64)).sum(axis=0) / (n * units)
    np.testing.assert_allclose(bias, expected_bias, rtol=1e-5, atol=1e-7)
    # still the identity at inference
    np.testing.assert_allclose(model.predict(_f32(x), verbose=0),
                               _f32(x) @ model.get_weights()[1] + 1.0, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("rate", [-0.1, 1.01, 2, float("nan"), "0.5", None])
def test_dropout_invalid_rate(rate):
    with pytest.raises(ValueError, match=f"Received: rate={rate!r}"):  # a string shows its quotes
        keras.layers.Dropout(rate)


@pytest.mark.parametrize("rate", [0, 0.0, 0.3, 1, 1.0])
def test_dropout_valid_rate_and_no_params(rate):
    layer = keras.layers.Dropout(rate)
    model = keras.Sequential([keras.Input((3,)), layer])
    assert layer.count_params() == 0 and model.count_params() == 0
    assert layer.get_weights() == []


# --------------------------------------------------------------------------------------------
# Flatten
# --------------------------------------------------------------------------------------------
def test_flatten_28x28():
    keras.backend.clear_session()
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 28, 28)).astype(np.float32)
    layer = keras.layers.Flatten()
    model = keras.Sequential([keras.Input((28, 28)), layer])
    out = model.predict(x, verbose=0)
    assert out.shape == (3, 784)
    np.testing.assert_array_equal(out, x.reshape(3, 784))
    assert model.output_shape == (None, 784)
    assert layer.count_params() == 0 and model.count_params() == 0
    texts = []
    model.summary(print_fn=texts.append)
    rows = [line for line in texts[0].splitlines() if line.startswith("│ flatten (Flatten)")]
    assert len(rows) == 1
    cells = [c.strip() for c in rows[0].strip("│").split("│")]
    assert cells == ["flatten (Flatten)", "(None, 784)", "0"]


def test_flatten_then_dense():
    rng = np.random.default_rng(6)
    model = keras.Sequential([keras.Input((4, 3, 2)), keras.layers.Flatten(), keras.layers.Dense(5)])
    assert model.count_params() == 24 * 5 + 5
    x = rng.normal(size=(7, 4, 3, 2)).astype(np.float32)
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), x.reshape(7, 24).astype(np.float64) @ kernel + bias,
                               rtol=1e-5, atol=1e-5)


def test_flatten_rank1_input_gives_column():
    model = keras.Sequential([keras.Input(()), keras.layers.Flatten()])
    out = model.predict(np.arange(4, dtype=np.float32), verbose=0)
    assert out.shape == (4, 1)
    np.testing.assert_array_equal(out[:, 0], np.arange(4))


# --------------------------------------------------------------------------------------------
# Activation layer
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_activation_layer_equals_activation_function(name):
    x = np.random.default_rng(7).normal(0.0, 3.0, size=(16, 6)).astype(np.float32)
    layer = keras.layers.Activation(name)
    model = keras.Sequential([keras.Input((6,)), layer])
    out = model.predict(x, verbose=0)
    assert out.shape == (16, 6) and layer.count_params() == 0
    np.testing.assert_allclose(out, REFERENCE[name](x.astype(np.float64)), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out, getattr(keras.activations, name)(x), rtol=1e-6, atol=1e-6)


def test_activation_layer_accepts_function_and_rejects_unknown():
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(2, 6)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Activation(keras.activations.relu)])
    np.testing.assert_array_equal(model.predict(x, verbose=0), np.maximum(x, 0))
    with pytest.raises(ValueError):
        keras.layers.Activation("no_such_activation")


def test_activation_spec_values():
    """Values measured with Keras 3.15.1."""
    np.testing.assert_allclose(keras.activations.selu(np.array([-1.0, 1.0])), [-1.1113307, 1.050701], rtol=1e-6)
    np.testing.assert_allclose(keras.activations.hard_sigmoid(np.array([1.0])), [0.6666667], rtol=1e-6)
    np.testing.assert_allclose(keras.activations.softplus(np.array([0.0])), [0.6931472], rtol=1e-6)
    np.testing.assert_allclose(keras.activations.elu(np.array([-1.0])), [-0.63212055], rtol=1e-6)
    np.testing.assert_allclose(keras.activations.gelu(np.array([1.0])), [0.8413447], rtol=1e-6)
    np.testing.assert_allclose(keras.activations.gelu(np.array([1.0]), approximate=True), [0.841192], rtol=1e-5)


# Keras refuses Python numbers as a layer's inputs (keras/src/layers/layer.py): a nested list was
# read as a list of inputs, each a number, and Softmax()([[1., 2., 3., 4.]]) gave four ones.
@pytest.mark.parametrize("layer", [keras.layers.Softmax, keras.layers.ReLU, lambda: keras.layers.Dropout(0.5),
                                   keras.layers.Flatten, lambda: keras.layers.Dense(2), keras.layers.Add])
@pytest.mark.parametrize("inputs", [[[1.0, 2.0, 3.0, 4.0]], 3.0, [np.ones((1, 4)), 2.0]])
def test_python_numbers_as_inputs_are_refused(layer, inputs):
    with pytest.raises(ValueError, match="Only input tensors may be passed as positional arguments"):
        layer()(inputs)


def test_arrays_in_lists_are_inputs():
    a, b = np.ones((2, 3), np.float32), np.full((2, 3), 2.0, np.float32)
    np.testing.assert_array_equal(keras.layers.Add()([a, b]), a + b)
    np.testing.assert_allclose(keras.layers.Softmax()(np.array([[1.0, 2.0]], np.float32)), [[0.26894142, 0.7310586]], rtol=1e-6)
