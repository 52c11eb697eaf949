"""Normalization, BatchNormalization and LayerNormalization
(keras/src/layers/preprocessing/normalization.py, keras/src/layers/normalization/): statistics,
moving averages (against Keras 3.15.1), modes, gradients against float64 finite differences,
configs."""

import json

import numpy as np
import pytest

import densekit as keras
from densekit import layers


# --------------------------------------------------------------------------------------------
# Normalization
# --------------------------------------------------------------------------------------------
def test_adapt_computes_population_mean_and_variance():
    rng = np.random.default_rng(0)
    data = rng.normal(loc=[1.0, -2.0, 5.0], scale=[0.5, 2.0, 3.0], size=(200, 3))
    norm = layers.Normalization()
    norm.adapt(data)
    model = keras.Sequential([keras.Input((3,)), norm])
    mean, variance, count = norm.get_weights()
    np.testing.assert_allclose(mean, data.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(variance, data.var(axis=0), rtol=1e-6)  # ddof=0
    assert count.shape == () and count.dtype == np.int64 and [w.dtype for w in norm.weights] == ["float32", "float32",
                                                                                                "int64"]
    assert norm.count_params() == 7 and model.count_params() == 7  # 2·F + 1
    assert [w.trainable for w in norm.weights] == [False] * 3
    np.testing.assert_allclose(model.predict(data, verbose=0), (data - data.mean(0)) / data.std(0), rtol=1e-4, atol=1e-5)


def test_keras_docstring_examples():
    layer = layers.Normalization(axis=None)
    layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0], dtype="float32"))
    np.testing.assert_allclose(layer(np.array([1.0, 2.0, 3.0], dtype="float32")), [-1.4142135, -0.70710677, 0.0],
                               rtol=1e-6)
    adapt_data = np.array([[0.0, 7.0, 4.0], [2.0, 9.0, 6.0], [0.0, 7.0, 4.0], [2.0, 9.0, 6.0]], dtype="float32")
    layer = layers.Normalization(axis=-1)
    layer.adapt(adapt_data)
    np.testing.assert_allclose(layer(np.array([[0.0, 7.0, 4.0]], dtype="float32")), [[-1.0, -1.0, -1.0]])
    layer = layers.Normalization(mean=3.0, variance=2.0)
    np.testing.assert_allclose(layer(np.array([[1.0], [2.0], [3.0]], dtype="float32")),
                               [[-1.4142135], [-0.70710677], [0.0]], rtol=1e-6)
    assert layer.weights == [] or layer.count_params() == 0
    layer = layers.Normalization(axis=-1, invert=True)
    layer.adapt(adapt_data)
    np.testing.assert_allclose(layer(np.array([[1.0, 2.0, 3.0]], dtype="float32")), [[2.0, 10.0, 8.0]])


def test_adapt_over_batches_and_several_axes():
    rng = np.random.default_rng(1)
    data = rng.normal(size=(60, 4, 3)) * [1.0, 2.0, 3.0] + 1.0
    whole, batched = layers.Normalization(axis=-1), layers.Normalization(axis=-1)
    whole.adapt(data)
    batched.adapt([data[:25], data[25:50], data[50:]])  # combined batch by batch, as Keras
    keras.Sequential([keras.Input((4, 3)), whole])
    keras.Sequential([keras.Input((4, 3)), batched])
    np.testing.assert_allclose(whole.get_weights()[0], data.mean(axis=(0, 1)), rtol=1e-6)
    np.testing.assert_allclose(whole.get_weights()[1], data.var(axis=(0, 1)), rtol=1e-6)
    np.testing.assert_allclose(batched.get_weights()[1], whole.get_weights()[1], rtol=1e-5)
    per_position = layers.Normalization(axis=(1, 2))
    per_position.adapt(data)
    out = per_position(data)
    np.testing.assert_allclose(out, (data - data.mean(0)) / data.std(0), rtol=1e-4, atol=1e-5)


def test_adapt_after_the_layer_is_in_a_model_updates_its_weights():
    norm = layers.Normalization()
    model = keras.Sequential([keras.Input((2,)), norm, layers.Dense(1)])
    np.testing.assert_array_equal(norm.get_weights()[1], [1.0, 1.0])  # unadapted: identity
    data = np.array([[0.0, 10.0], [2.0, 30.0]])
    norm.adapt(data)
    np.testing.assert_allclose(norm.get_weights()[0], [1.0, 20.0])
    np.testing.assert_allclose(model.layers[0](np.array([[1.0, 20.0]], "float32")), [[0.0, 0.0]])


def test_normalization_errors():
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="same shape"):
        layers.Normalization(mean=[1.0, 2.0], variance=[1.0])
    norm = layers.Normalization()
    norm.adapt(np.ones((4, 3)))
    with pytest.raises(ValueError, match="first built for input shape"):
        norm.adapt(np.ones((4, 5)))
    with pytest.raises(ValueError, match="NaN"):
        layers.Normalization().adapt(np.array([[1.0], [np.nan]]))
    with pytest.raises(ValueError, match="axis=None"):
        layers.Normalization(axis=0).adapt(np.ones((4, 3)))


def test_normalization_config_round_trip():
    layer = layers.Normalization(axis=-1, mean=[1.0, 2.0], variance=[4.0, 9.0], name="n")
    config = layer.get_config()
    assert config == {"name": "n", "trainable": True, "dtype": config["dtype"], "axis": [-1], "invert": False,
                      "mean": [1.0, 2.0], "variance": [4.0, 9.0]}
    clone = layers.Normalization.from_config(json.loads(json.dumps(config)))
    np.testing.assert_allclose(clone(np.array([[3.0, 8.0]], "float32")), [[1.0, 2.0]])
    assert layers.Normalization(axis=None).get_config()["axis"] == []


# --------------------------------------------------------------------------------------------
# BatchNormalization
# --------------------------------------------------------------------------------------------
def test_moving_statistics_after_one_training_call_match_the_spec_vector():
    """As measured with Keras 3.15.1, one training call on a (16, 2) batch gives
    moving_mean = 0.01·batch_mean, moving_variance = 0.99 + 0.01·batch_var (ddof=0)."""
    rng = np.random.default_rng(2)
    x = (rng.normal(size=(16, 2)) * [1.0, 3.0] + [2.0, -1.0]).astype("float32")
    bn = layers.BatchNormalization()
    out = bn(x, training=True)
    gamma, beta, moving_mean, moving_variance = bn.get_weights()
    np.testing.assert_allclose(moving_mean, 0.01 * x.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(moving_variance, 0.99 + 0.01 * x.var(axis=0), rtol=1e-6)
    np.testing.assert_allclose(out, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3), rtol=1e-4, atol=1e-5)
    # Inference uses the moving statistics.
    np.testing.assert_allclose(bn(x), (x - moving_mean) / np.sqrt(moving_variance + 1e-3), rtol=1e-5, atol=1e-6)


def test_one_fit_step_moves_the_statistics_like_keras():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(16, 2)).astype("float32") * 2 + 1
    bn = layers.BatchNormalization()
    model = keras.Sequential([keras.Input((2,)), bn])
    model.compile("sgd", "mse")
    model.train_on_batch(x, np.zeros((16, 2)))
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.01 * x.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.99 + 0.01 * x.var(axis=0), rtol=1e-6)
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert bn.count_params() == 8 and len(bn.trainable_weights) == 2 and len(bn.non_trainable_weights) == 2


def test_frozen_batch_normalization_uses_and_keeps_its_moving_statistics():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(32, 3)).astype("float32")
    bn = layers.BatchNormalization(trainable=False)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(3), bn])
    model.compile("adam", "mse")
    before = bn.get_weights()
    model.fit(x, rng.normal(size=(32, 3)), epochs=2, verbose=0)
    for a, b in zip(before, bn.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.non_trainable_weights and all(not w.trainable for w in bn.weights)
    dense_out = model.layers[0](x)
    np.testing.assert_allclose(model.predict(x, verbose=0), dense_out / np.sqrt(1 + 1e-3), rtol=1e-5, atol=1e-6)


def bn_train(x, gamma, beta, eps=1e-3):
    mean, var = x.mean(axis=0), x.var(axis=0)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def test_batch_normalization_gradients_in_training_mode(gradcheck):
    rng = np.random.default_rng(5)
    x = keras.Input((4,))
    h = layers.Dense(3, activation="tanh", name="d1")(x)
    h = layers.BatchNormalization(name="bn", gamma_initializer="random_normal", beta_initializer="random_normal")(h)
    model = keras.Model(x, layers.Dense(2, name="d2")(h))
    model.compile("sgd", "mse")

    def forward(w, inputs):
        hidden = np.tanh(inputs[0] @ w["d1"][0] + w["d1"][1])
        return [bn_train(hidden, *w["bn"][:2]) @ w["d2"][0] + w["d2"][1]]

    gradcheck(model, [rng.normal(size=(8, 4))], [rng.normal(size=(8, 2))], forward)


def test_batch_normalization_on_a_middle_axis(gradcheck):
    rng = np.random.default_rng(6)
    x = keras.Input((3, 2))
    h = layers.BatchNormalization(axis=1, name="bn", gamma_initializer="random_normal")(layers.Dense(2, name="d1")(x))
    model = keras.Model(x, layers.Dense(1, name="d2")(layers.Flatten()(h)))
    model.compile("sgd", "mse")

    def forward(w, inputs):
        hidden = inputs[0] @ w["d1"][0] + w["d1"][1]
        mean, var = hidden.mean(axis=(0, 2), keepdims=True), hidden.var(axis=(0, 2), keepdims=True)
        normed = (hidden - mean) / np.sqrt(var + 1e-3) * w["bn"][0][:, None] + w["bn"][1][:, None]
        return [normed.reshape(len(normed), -1) @ w["d2"][0] + w["d2"][1]]

    gradcheck(model, [rng.normal(size=(5, 3, 2))], [rng.normal(size=(5, 1))], forward)
    assert [w.shape for w in model.get_layer("bn").weights] == [(3,)] * 4


def test_batch_normalization_config_round_trip():
    layer = layers.BatchNormalization(momentum=0.9, epsilon=1e-5, center=False, name="bn")
    config = layer.get_config()
    assert list(config)[3:] == ["axis", "momentum", "epsilon", "center", "scale", "beta_initializer",
                                "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer",
                                "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint",
                                "synchronized"]
    assert config["momentum"] == 0.9 and config["center"] is False
    clone = layers.BatchNormalization.from_config(json.loads(json.dumps(config)))
    assert clone.get_config() == config
    keras.Sequential([keras.Input((4,)), clone])
    assert [w.name for w in clone.weights] == ["gamma", "moving_mean", "moving_variance"]


# --------------------------------------------------------------------------------------------
# LayerNormalization
# --------------------------------------------------------------------------------------------
def ln_ref(x, gamma, beta, eps=1e-3):
    mean, var = x.mean(axis=-1, keepdims=True), x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def test_layer_normalization_values_and_gradients(gradcheck):
    rng = np.random.default_rng(7)
    data = rng.normal(size=(4, 5)).astype("float32") * 3 + 1
    np.testing.assert_allclose(layers.LayerNormalization()(data), ln_ref(data, 1.0, 0.0), rtol=1e-4, atol=1e-5)
    x = keras.Input((4,))
    h = layers.Dense(5, activation="tanh", name="d1")(x)
    h = layers.LayerNormalization(name="ln", gamma_initializer="random_normal", beta_initializer="random_normal")(h)
    model = keras.Model(x, layers.Dense(2, name="d2")(h))
    model.compile("sgd", "mse")

    def forward(w, inputs):
        hidden = np.tanh(inputs[0] @ w["d1"][0] + w["d1"][1])
        return [ln_ref(hidden, *w["ln"]) @ w["d2"][0] + w["d2"][1]]

    xs = rng.normal(size=(6, 4))
    predicted, _ = gradcheck(model, [xs], [rng.normal(size=(6, 2))], forward)
    weights = {layer.name: layer.get_weights() for layer in model.layers[1:]}
    np.testing.assert_allclose(predicted[0], forward(weights, [xs])[0], rtol=1e-4, atol=1e-5)


def test_layer_normalization_over_two_trailing_axes_and_config():
    rng = np.random.default_rng(8)
    data = rng.normal(size=(3, 2, 4)).astype("float32")
    layer = layers.LayerNormalization(axis=[-2, -1], name="ln")
    out = layer(data)
    flat = data.reshape(3, -1)
    np.testing.assert_allclose(out.reshape(3, -1), ln_ref(flat, 1.0, 0.0), rtol=1e-4, atol=1e-5)
    assert [w.shape for w in layer.weights] == [(2, 4), (2, 4)]
    assert layers.LayerNormalization().get_config()["axis"] == -1  # an int until built (Keras)
    config = layer.get_config()
    assert config["axis"] == [-2, -1] and config["rms_scaling"] is False
    assert layers.LayerNormalization.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="trailing axes"):
        layers.LayerNormalization(axis=1)(np.ones((2, 3, 4), "float32"))


def test_constraints_on_gamma_beta_and_alpha_apply_after_each_update():
    rng = np.random.default_rng(9)
    x = rng.normal(size=(64, 4))
    model = keras.Sequential([keras.Input((4,)), layers.Dense(4),
                              layers.BatchNormalization(gamma_constraint=keras.constraints.MaxNorm(0.5)),
                              layers.LayerNormalization(beta_constraint="non_neg"),
                              layers.PReLU(alpha_constraint="non_neg", alpha_initializer="ones"), layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.05), "mse")
    history = model.fit(x, -3 * np.abs(x.sum(1)), epochs=5, verbose=0).history["loss"]
    assert np.isfinite(history[-1]) and history[-1] < history[0]
    bn, ln, prelu = model.layers[1:4]
    assert np.linalg.norm(bn.gamma.numpy()) <= 0.5 + 1e-6
    assert np.all(ln.get_weights()[1] >= 0) and np.all(prelu.get_weights()[0] >= 0)
    config = bn.get_config()
    assert config["gamma_constraint"]["class_name"] == "MaxNorm"
    assert layers.BatchNormalization.from_config(config).get_config() == config
    assert layers.PReLU.from_config(prelu.get_config()).get_config()["alpha_constraint"]["class_name"] == "NonNeg"
