"""GaussianNoise, GaussianDropout, Rescaling and Reshape (keras/src/layers/regularization/,
keras/src/layers/preprocessing/rescaling.py, keras/src/layers/reshaping/reshape.py)."""

import json

import numpy as np
import pytest

import densekit as keras
from densekit import layers


def test_gaussian_noise_only_in_training():
    x = np.zeros((2000, 5), "float32")
    layer = layers.GaussianNoise(0.5)
    np.testing.assert_array_equal(layer(x), x)
    noisy = layer(x, training=True)
    assert abs(noisy.std() - 0.5) < 0.02 and abs(noisy.mean()) < 0.02
    with pytest.raises(ValueError, match=r"between 0 and 1. Received: stddev=1.5"):
        layers.GaussianNoise(1.5)


def test_gaussian_dropout_only_in_training():
    x = np.ones((4000, 5), "float32")
    layer = layers.GaussianDropout(0.2)
    np.testing.assert_array_equal(layer(x), x)
    noisy = layer(x, training=True)
    assert abs(noisy.mean() - 1.0) < 0.01 and abs(noisy.std() - np.sqrt(0.2 / 0.8)) < 0.01
    with pytest.raises(ValueError, match="NaN"):
        layers.GaussianDropout(1.0)


def test_noise_layers_train_deterministically_with_a_seed():
    def run():
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input((3,)), layers.GaussianNoise(0.3), layers.Dense(4), layers.GaussianDropout(0.3),
                                  layers.Dense(1)])
        model.compile("sgd", "mse")
        x = np.random.default_rng(0).normal(size=(40, 3))
        return model.fit(x, x.sum(1), epochs=2, verbose=0).history["loss"]

    assert run() == run()


def test_rescaling():
    layer = layers.Rescaling(1.0 / 255, offset=-1.0)
    np.testing.assert_allclose(layer(np.array([[0.0, 255.0]], "float32")), [[-1.0, 0.0]], atol=1e-7)  # float32
    assert layer.get_config()["scale"] == 1.0 / 255 and layer.get_config()["offset"] == -1.0
    with pytest.raises(ValueError, match="number `scale`"):
        layers.Rescaling([1.0, 2.0])


def test_rescaling_takes_zero_dimensional_arrays():
    # Keras's test_numpy_args (keras/src/layers/preprocessing/rescaling_test.py): 0-d arrays are
    # numbers, and the config holds them as numbers, as Keras's does.
    layer = layers.Rescaling(np.array(0.5), offset=np.array(1.0))
    np.testing.assert_allclose(layer(np.ones((1, 2), "float32")), [[1.5, 1.5]])
    assert layer.get_config()["scale"] == 0.5 and layer.get_config()["offset"] == 1.0
    assert json.dumps(layer.get_config())
    with pytest.raises(ValueError, match="number `scale`"):
        layers.Rescaling(np.array([0.5, 2.0]))
    with pytest.raises(ValueError, match="number `offset`"):
        layers.Rescaling(1.0, offset=np.array(["a"])[0:1].reshape(()))


def test_reshape_values_shape_inference_and_errors():
    data = np.arange(24, dtype="float32").reshape(2, 12)
    np.testing.assert_array_equal(layers.Reshape((3, 4))(data), data.reshape(2, 3, 4))
    np.testing.assert_array_equal(layers.Reshape((-1, 2))(data), data.reshape(2, 6, 2))
    x = keras.Input((12,))
    assert layers.Reshape((2, -1))(x).shape == (None, 2, 6)
    with pytest.raises(ValueError, match="total size of the tensor must be unchanged"):
        layers.Reshape((5, 2))(x)
    with pytest.raises(ValueError, match="at most one unknown"):
        layers.Reshape((-1, -1))
    config = layers.Reshape((3, 4), name="r").get_config()
    assert config["target_shape"] == [3, 4]
    assert layers.Reshape.from_config(json.loads(json.dumps(config))).target_shape == (3, 4)
