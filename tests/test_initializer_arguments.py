"""Initializer arguments of the TF tutorials: ``bias_initializer=None`` (keras/src/initializers/
__init__.py get(None) is None, and Layer.add_weight in keras/src/layers/layer.py then uses
glorot_uniform for a float weight) and ``Constant`` of a one-element array
(keras/src/initializers/constant_initializers.py broadcasts the value)."""

import math

import numpy as np
import pytest

import densekit as keras
from densekit import initializers, layers


def test_get_none_is_none():
    assert initializers.get(None) is None


def test_dense_bias_initializer_none_draws_glorot_uniform():
    layer = layers.Dense(400, bias_initializer=None)
    assert layer.bias_initializer is None
    keras.Sequential([keras.Input((3,)), layer])
    bias = layer.get_weights()[1]
    limit = math.sqrt(6.0 / (400 + 400))  # fans of a 1-D weight: both its length
    assert bias.shape == (400,) and np.max(np.abs(bias)) <= limit * (1 + 1e-6)
    assert np.max(bias) > 0.9 * limit and np.min(bias) < -0.9 * limit


def test_dense_kernel_initializer_none_draws_glorot_uniform():
    layer = layers.Dense(200, kernel_initializer=None)
    keras.Sequential([keras.Input((100,)), layer])
    kernel = layer.get_weights()[0]
    limit = math.sqrt(6.0 / (100 + 200))
    assert np.max(np.abs(kernel)) <= limit * (1 + 1e-6) and np.max(kernel) > 0.95 * limit


def test_constant_of_a_one_element_array_sets_the_output_bias():
    """The imbalanced-data tutorial: ``Constant(np.log([pos / neg]))`` as the output bias."""
    initial_bias = np.log([427.0 / 227451.0])
    output_bias = keras.initializers.Constant(initial_bias)
    assert output_bias.value is initial_bias
    model = keras.Sequential([keras.Input((5,)), layers.Dense(16, activation="relu"),
                              layers.Dense(1, activation="sigmoid", bias_initializer=output_bias)])
    np.testing.assert_array_equal(model.layers[-1].get_weights()[1], np.float32(initial_bias))
    prediction = model.predict(np.zeros((2, 5), np.float32), verbose=0)
    np.testing.assert_allclose(prediction, 427.0 / (427.0 + 227451.0), rtol=1e-5)


@pytest.mark.parametrize("value", [np.array([-3.9]), np.array([[-3.9]]), [-3.9], np.float64(-3.9), -3.9])
def test_constant_takes_one_value_in_any_form(value):
    np.testing.assert_array_equal(initializers.Constant(value)((2, 3)), np.full((2, 3), np.float32(-3.9)))


def test_constant_of_several_values_is_refused_clearly():
    with pytest.raises(ValueError, match="one value"):
        initializers.Constant(np.array([1.0, 2.0]))


def test_a_keras_file_config_with_a_numpy_constant_and_a_null_initializer_loads():
    """Keras saves ``Constant(np.array([-3.9]))`` with a ``__numpy__`` value and ``None`` as null."""
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, bias_initializer=None)])
    config = model.get_config()
    dense = config["layers"][-1]["config"]
    dense["bias_initializer"] = {"module": "keras.initializers", "class_name": "Constant", "registered_name": None,
                                 "config": {"value": {"class_name": "__numpy__",
                                                      "config": {"value": [-3.9], "dtype": "float64"}}}}
    dense["kernel_initializer"] = None
    clone = keras.Sequential.from_config(config)
    np.testing.assert_array_equal(clone.layers[-1].get_weights()[1], np.float32([-3.9, -3.9]))
    kernel = clone.layers[-1].get_weights()[0]
    assert np.max(np.abs(kernel)) <= math.sqrt(6.0 / 5) and np.std(kernel) > 0.1  # glorot_uniform, not zeros


# In a layer's config (JSON, without NaN or infinity) such a value read back as absent, and the
# layer silently drew from the default distribution.
@pytest.mark.parametrize("make,argument", [
    (lambda v: initializers.RandomNormal(stddev=v), "stddev"), (lambda v: initializers.RandomNormal(mean=v), "mean"),
    (lambda v: initializers.RandomUniform(minval=v), "minval"), (lambda v: initializers.TruncatedNormal(stddev=v), "stddev"),
    (lambda v: initializers.VarianceScaling(scale=v), "scale"), (lambda v: initializers.Constant(v), "value"),
    (lambda v: initializers.Constant(np.log([v])), "value"), (lambda v: initializers.Orthogonal(gain=v), "gain")])
@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_initializer_arguments_are_refused(make, argument, value):
    with pytest.raises(ValueError, match=rf"Argument `{argument}` of \w+ must be finite"):
        make(value)


def test_finite_initializer_arguments_reach_the_layer():
    layer = layers.Dense(1000, kernel_initializer=initializers.RandomNormal(stddev=3.0, seed=1))
    keras.Sequential([keras.Input((3,)), layer])
    assert layer.get_config()["kernel_initializer"]["config"]["stddev"] == 3.0
    assert 2.9 < layer.get_weights()[0].std() < 3.1
