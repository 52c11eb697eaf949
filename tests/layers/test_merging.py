"""Merge layers (keras/src/layers/merging/): values, broadcasting, gradients (against float64
finite differences), shape errors and configs."""

import json

import numpy as np
import pytest

import densekit as keras
from densekit import layers
from densekit._core._testing import compute_gradients

OPS = {
    "Add": lambda xs: sum(xs[1:], xs[0]),
    "Subtract": lambda xs: xs[0] - xs[1],
    "Multiply": lambda xs: np.prod(np.stack(np.broadcast_arrays(*xs)), axis=0),
    "Average": lambda xs: sum(xs[1:], xs[0]) / len(xs),
    "Maximum": lambda xs: np.max(np.stack(np.broadcast_arrays(*xs)), axis=0),
    "Minimum": lambda xs: np.min(np.stack(np.broadcast_arrays(*xs)), axis=0),
}
FUNCTIONS = {"Add": layers.add, "Subtract": layers.subtract, "Multiply": layers.multiply, "Average": layers.average,
             "Maximum": layers.maximum, "Minimum": layers.minimum}


def dense(w, x):
    return np.tanh(x @ w[0] + w[1])


@pytest.mark.parametrize("op", sorted(OPS))
def test_values_match_numpy(op):
    rng = np.random.default_rng(1)
    xs = [rng.normal(size=(7, 4)).astype("float32") for _ in range(2 if op == "Subtract" else 3)]
    out = getattr(layers, op)()(xs)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_allclose(out, OPS[op](xs), rtol=1e-6)


@pytest.mark.parametrize("op", sorted(OPS))
def test_gradients_through_every_merge_layer(op, gradcheck):
    rng = np.random.default_rng(2)
    x = keras.Input((4,))
    branches = [layers.Dense(3, activation="tanh")(x) for _ in range(2 if op == "Subtract" else 3)]
    merged = FUNCTIONS[op](branches)
    model = keras.Model(x, layers.Dense(2)(merged))
    model.compile("sgd", "mse")
    xs, ys = rng.normal(size=(6, 4)), rng.normal(size=(6, 2))
    names = [layer.name for layer in model.layers if isinstance(layer, layers.Dense)]

    def forward(w, inputs):
        outs = [dense(w[n], inputs[0]) for n in names[:-1]]
        return [OPS[op](outs) @ w[names[-1]][0] + w[names[-1]][1]]

    predicted, _ = gradcheck(model, [xs], [ys], forward)
    params = model.get_weights()
    np.testing.assert_allclose(predicted[0], forward(
        {n: params[2 * i:2 * i + 2] for i, n in enumerate(names)}, [xs.astype("float32")])[0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("op", ["Add", "Multiply", "Maximum"])
def test_broadcast_inputs_gradients(op, gradcheck):
    """A (None, 1) input broadcasts against (None, 3) (Keras's rule); its gradient sums the uses."""
    rng = np.random.default_rng(3)
    x = keras.Input((4,))
    a, b = layers.Dense(3, activation="tanh")(x), layers.Dense(1, activation="tanh")(x)
    model = keras.Model(x, layers.Dense(2)(FUNCTIONS[op]([a, b])))
    model.compile("sgd", "mse")
    assert model.get_layer(index=3).name == op.lower() and model.layers[3].compute_output_shape([(None, 3), (None, 1)]) \
        == (None, 3)
    names = [layer.name for layer in model.layers if isinstance(layer, layers.Dense)]

    def forward(w, inputs):
        outs = [dense(w[n], inputs[0]) for n in names[:2]]
        return [OPS[op](outs) @ w[names[2]][0] + w[names[2]][1]]

    gradcheck(model, [rng.normal(size=(5, 4))], [rng.normal(size=(5, 2))], forward)


def test_concatenate_values_axes_and_gradients(gradcheck):
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(3, 2, 3)).astype("float32"), rng.normal(size=(3, 2, 4)).astype("float32")
    np.testing.assert_array_equal(layers.Concatenate()([a, b]), np.concatenate([a, b], axis=-1))
    c = rng.normal(size=(3, 5, 3)).astype("float32")
    np.testing.assert_array_equal(layers.Concatenate(axis=1)([a, c]), np.concatenate([a, c], axis=1))
    assert layers.Concatenate(axis=1).compute_output_shape([(None, 2, 3), (None, 5, 3)]) == (None, 7, 3)

    x = keras.Input((4,))
    h = layers.Dense(3, activation="tanh")(x)
    model = keras.Model(x, layers.Dense(2)(layers.concatenate([x, h, h])))
    model.compile("sgd", "mse")
    d1, d2 = [layer.name for layer in model.layers if isinstance(layer, layers.Dense)]

    def forward(w, inputs):
        hidden = dense(w[d1], inputs[0])
        return [np.concatenate([inputs[0], hidden, hidden], axis=-1) @ w[d2][0] + w[d2][1]]

    gradcheck(model, [rng.normal(size=(6, 4))], [rng.normal(size=(6, 2))], forward)


def test_maximum_sends_the_gradient_to_the_larger_input():
    x = keras.Input((2,))
    a = layers.Dense(1, use_bias=False, kernel_initializer="ones", name="a")(x)
    b = layers.Dense(1, use_bias=False, kernel_initializer="ones", name="b")(layers.Rescaling(2.0)(x))
    model = keras.Model(x, layers.maximum([a, b]))
    model.compile("sgd", "mse")
    grads = compute_gradients(model._core, [np.ones((1, 2), "float32")], [np.zeros((1, 1), "float32")])
    assert np.all(grads[:2] == 0) and np.all(grads[2:] != 0)  # a: 2, b: 4 → only b's kernel moves


def test_incompatible_shapes_name_both_layers_and_shapes():
    x = keras.Input((4,), name="features")
    a = layers.Dense(3, name="left")(x)
    b = layers.Dense(5, name="right")(x)
    with pytest.raises(ValueError) as info:
        layers.Add(name="sum")([a, b])
    message = str(info.value)
    for part in ["'sum'", "'left' (None, 3)", "'right' (None, 5)", "incompatible shapes"]:
        assert part in message
    with pytest.raises(ValueError, match=r"'left' \(None, 3\), 'x' \(None, 2, 2\).*matching shapes except"):
        layers.Concatenate()([a, layers.Reshape((2, 2), name="x")(x)])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([a, a, a])
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Add()(a)
    with pytest.raises(ValueError, match="mix of symbolic tensors"):
        layers.Add()([a, np.ones((1, 3))])


def test_a_merge_layer_keeps_its_input_shapes():
    add = layers.Add()
    x = keras.Input((3,))
    add([x, x])
    with pytest.raises(ValueError, match=r"first built for input shape\(s\) \(None, 3\), \(None, 3\)"):
        add([keras.Input((4,)), keras.Input((4,))])


@pytest.mark.parametrize("op", sorted(OPS) + ["Concatenate"])
def test_config_round_trip(op):
    layer = getattr(layers, op)(name="m")
    config = layer.get_config()
    assert config["name"] == "m" and config["trainable"] is True
    assert list(config) == ["name", "trainable", "dtype"] + (["axis"] if op == "Concatenate" else [])
    clone = getattr(layers, op).from_config(json.loads(json.dumps(config)))
    assert clone.get_config() == config
