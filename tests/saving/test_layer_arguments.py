"""A layer config is read like Keras's `cls(**config)`: a key that is neither an argument of the
layer's class nor of the base Layer is refused with Keras's message (Layer.__init__ in
keras/src/layers/layer.py), every key some Keras 3 version writes is taken, and InputLayer, whose
constructor passes nothing on to the base Layer, ignores keys it does not know, as Keras's does."""

import json

import numpy as np
import pytest

import densekit as keras
from densekit import layers


def sequential_config(*stack):
    return json.loads(keras.Sequential([keras.Input((4,), name="x"), *stack]).to_json())


def layer_entries(config):
    return config["config"]["layers"]


def loads(config):
    model = keras.models.model_from_json(json.dumps(config))
    out = model.predict(np.ones((2, 4), "float32"), verbose=0)
    assert np.all(np.isfinite(out))
    return model


@pytest.mark.parametrize("layer,key,value", [
    (lambda: layers.Dense(3), "unitz", 3),
    (lambda: layers.Dropout(0.5), "ratee", 0.1),
    (lambda: layers.ELU(), "threshold", 0.0),  # ReLU's argument, not ELU's
    (lambda: layers.Activation("relu"), "batch_size", 8),  # Keras 2's base argument, not Keras 3's
    (lambda: layers.LayerNormalization(), "virtual_batch_size", None),
])
def test_an_argument_the_class_does_not_take_is_refused_with_keras_message(layer, key, value):
    config = sequential_config(layer())
    entry = layer_entries(config)[-1]
    entry["config"][key] = value
    with pytest.raises(ValueError) as raised:
        keras.models.model_from_json(json.dumps(config))
    assert f"Unrecognized keyword arguments passed to {entry['class_name']}: {{'{key}': {value!r}}}" in str(raised.value)


def test_every_unknown_key_is_named():
    config = sequential_config(layers.Dense(2))
    config["config"]["layers"][-1]["config"].update(a=1, b="two", c=None, d=True)
    with pytest.raises(ValueError, match=r"passed to Dense: \{'a': 1, 'b': 'two', 'c': None, 'd': True\}"):
        keras.models.model_from_json(json.dumps(config))


def test_keys_keras_writes_and_densekit_does_not_are_taken():
    config = sequential_config(layers.Dense(5, activation="relu"), layers.LeakyReLU(),
                               layers.BatchNormalization(), layers.LayerNormalization(), layers.Dense(2))
    dense, leaky, batch_norm, layer_norm, _ = [e["config"] for e in layer_entries(config)[1:]]
    dense.update(lora_rank=None, lora_alpha=None, autocast=True, activity_regularizer=None, input_dim=4)
    leaky.pop("negative_slope")
    leaky["alpha"] = 0.2  # Keras 2's name for negative_slope
    batch_norm.update(renorm=False, renorm_clipping=None, renorm_momentum=0.99, synchronized=False)
    layer_norm.update(rms_scaling=False, input_shape=[5])
    model = loads(config)
    assert model.layers[1].get_config()["negative_slope"] == pytest.approx(0.2)


def test_input_layer_ignores_keys_it_does_not_know_as_keras_does():
    config = sequential_config(layers.Dense(2))
    layer_entries(config)[0]["config"].update(foo=1, trainable=False)
    assert loads(config).input_shape == (None, 4)


def test_each_class_reads_back_the_config_it_writes():
    x = keras.Input((4,), name="x")
    branch = [layers.Dense(4, name="d"), layers.Dropout(0.2, seed=3), layers.GaussianNoise(0.1), layers.GaussianDropout(0.1),
              layers.ReLU(max_value=6.0), layers.LeakyReLU(), layers.ELU(), layers.Softmax(), layers.PReLU(),
              layers.BatchNormalization(), layers.LayerNormalization(), layers.Rescaling(0.5, 1.0),
              layers.Reshape((2, 2)), layers.Flatten(), layers.Activation("tanh")]
    y = x
    for layer in branch:
        y = layer(y)
    merged = [cls()([y, x]) for cls in (layers.Add, layers.Subtract, layers.Multiply, layers.Average, layers.Maximum,
                                         layers.Minimum)]
    out = layers.Concatenate()(merged)
    model = keras.Model(x, out)
    clone = keras.models.model_from_json(model.to_json())
    assert [type(a).__name__ for a in clone.layers] == [type(a).__name__ for a in model.layers]
