"""Layer.input / Layer.output and a Sequential's inputs and outputs: the Keras guides' feature
extraction, keras.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])."""

import numpy as np
import pytest

import densekit as keras
from densekit import layers


def _relu(v):
    return np.maximum(v, 0)


def test_feature_extraction_from_a_sequential_shares_its_weights():
    model = keras.Sequential([keras.Input((6,)), layers.Dense(5, activation="relu", name="first"),
                              layers.Dense(4, activation="relu", name="second"), layers.Dense(2)])
    assert model.input is model.inputs[0] and tuple(model.input.shape) == (None, 6)
    assert tuple(model.output.shape) == (None, 2)
    extractor = keras.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])
    x = np.random.default_rng(0).normal(size=(3, 6)).astype("float32")

    def expected():
        k1, b1, k2, b2, k3, b3 = [w.astype(np.float64) for w in model.get_weights()]
        h1 = _relu(x @ k1 + b1)
        h2 = _relu(h1 @ k2 + b2)
        return [h1, h2, h2 @ k3 + b3]

    for got, want in zip(extractor.predict(x, verbose=0), expected()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    model.compile("sgd", "mse")
    model.fit(x, np.ones((3, 2), np.float32), epochs=2, verbose=0)  # the extractor sees the new weights
    for got, want in zip(extractor.predict(x, verbose=0), expected()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    one = keras.Model(inputs=model.inputs, outputs=model.get_layer(name="second").output)
    np.testing.assert_allclose(one.predict(x, verbose=0), expected()[1], rtol=1e-5, atol=1e-6)


def test_layer_input_and_output_in_a_functional_model():
    inputs = keras.Input((3,))
    dense = layers.Dense(2)
    outputs = dense(inputs)
    assert dense.input is inputs and dense.output is outputs
    merge = layers.Concatenate()
    joined = merge([inputs, outputs])
    assert merge.input == [inputs, outputs] and merge.output is joined


def test_an_uncalled_layer_has_no_output_in_keras_words():
    with pytest.raises(AttributeError, match="The layer .* has never been called and thus has no defined output"):
        layers.Dense(2).output
