"""The activation layers ReLU, LeakyReLU, ELU, Softmax and PReLU (keras/src/layers/activations/)."""

import json
import warnings

import numpy as np
import pytest

import densekit as keras
from densekit import layers

X = np.array([[-10.0, -5.0, 0.0, 5.0, 10.0]], dtype="float32")


def test_relu_layer_matches_keras_examples():
    np.testing.assert_allclose(layers.ReLU(max_value=10, negative_slope=0.5, threshold=0)(X), [[-5.0, -2.5, 0.0, 5.0,
                                                                                                 10.0]])
    np.testing.assert_allclose(layers.ReLU(max_value=8, negative_slope=0.5, threshold=2)(X), [[-6.0, -3.5, -1.0, 5.0, 8.0]])
    np.testing.assert_allclose(layers.ReLU()(X), [[0.0, 0.0, 0.0, 5.0, 10.0]])
    with pytest.raises(ValueError, match="max_value of a ReLU layer cannot be a negative value"):
        layers.ReLU(max_value=-1)
    config = layers.ReLU(name="r").get_config()
    assert config == {"name": "r", "trainable": True, "dtype": config["dtype"], "max_value": None, "negative_slope": 0.0,
                      "threshold": 0.0}


def test_leaky_relu_default_slope_is_0_3_and_alpha_is_legacy():
    np.testing.assert_allclose(layers.LeakyReLU()(X), [[-3.0, -1.5, 0.0, 5.0, 10.0]], rtol=1e-6)
    with pytest.warns(UserWarning, match="`alpha` is deprecated"):
        layer = layers.LeakyReLU(alpha=0.5)
    np.testing.assert_allclose(layer(X), [[-5.0, -2.5, 0.0, 5.0, 10.0]])
    assert layer.get_config()["negative_slope"] == 0.5


def test_elu_and_softmax_layers():
    np.testing.assert_allclose(layers.ELU()(np.array([[-1.0]], "float32")), [[-0.63212055]], rtol=1e-6)
    np.testing.assert_allclose(layers.ELU(alpha=2.0)(np.array([[-1.0, 1.0]], "float32")), [[-1.2642411, 1.0]], rtol=1e-6)
    out = layers.Softmax()(np.array([[1.0, 2.0, 1.0]], "float32"))
    np.testing.assert_allclose(out, [[0.21194157, 0.5761169, 0.21194157]], rtol=1e-6)
    assert layers.Softmax(name="s").get_config()["axis"] == -1
    with pytest.raises(ValueError, match="last axis"):
        layers.Softmax(axis=1)(np.ones((2, 3, 4), "float32"))


def test_prelu_values_gradients_and_shared_axes(gradcheck):
    layer = layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25))
    np.testing.assert_allclose(layer(X), [[-2.5, -1.25, 0.0, 5.0, 10.0]])
    assert [w.name for w in layer.weights] == ["alpha"] and layer.weights[0].shape == (5,)
    shared = layers.PReLU(shared_axes=[1])
    shared(np.ones((2, 3, 4), "float32"))
    assert shared.weights[0].shape == (1, 4)

    rng = np.random.default_rng(0)
    x = keras.Input((3,))
    h = layers.PReLU(alpha_initializer="random_normal", name="p")(layers.Dense(4, name="d1")(x))
    model = keras.Model(x, layers.Dense(2, name="d2")(h))
    model.compile("sgd", "mse")

    def forward(w, inputs):
        z = inputs[0] @ w["d1"][0] + w["d1"][1]
        return [np.where(z > 0, z, w["p"][0] * z) @ w["d2"][0] + w["d2"][1]]

    gradcheck(model, [rng.normal(size=(6, 3))], [rng.normal(size=(6, 2))], forward)


@pytest.mark.parametrize("cls,kwargs", [(layers.ReLU, {"max_value": 6.0}), (layers.LeakyReLU, {"negative_slope": 0.1}),
                                        (layers.ELU, {"alpha": 0.5}), (layers.Softmax, {}),
                                        (layers.PReLU, {"shared_axes": [1]})])
def test_config_round_trip_and_model_json(cls, kwargs):
    layer = cls(**kwargs)
    config = layer.get_config()
    assert cls.from_config(json.loads(json.dumps(config))).get_config() == config
    model = keras.Sequential([keras.Input((4,)), layer])
    clone = keras.models.model_from_json(model.to_json())
    assert type(clone.layers[0]) is cls
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clone.set_weights(model.get_weights())
    data = np.random.default_rng(1).normal(size=(3, 4))
    np.testing.assert_array_equal(clone.predict(data, verbose=0), model.predict(data, verbose=0))


def test_prelu_gives_positive_zeros_as_keras_sums_them():
    # Keras computes relu(x) - alpha * relu(-x): a zero alpha, or x = -0.0, gives +0.0.
    out = layers.PReLU()(np.array([[-2.0, -0.0, 0.0, 3.0]], np.float32))  # alpha starts at zero
    np.testing.assert_array_equal(out, [[0.0, 0.0, 0.0, 3.0]])
    assert not np.signbit(out).any()
