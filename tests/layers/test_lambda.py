"""Lambda (keras/src/layers/core/lambda_layer.py): a function of tensors traced into the C++ graph
in Sequential and functional models, run on arrays eagerly, refused clearly where it cannot be
traced; the file keeps the traced computation."""

import numpy as np
import pytest

import densekit as keras
from densekit import layers, ops


def test_lambda_in_a_sequential_model_trains_and_matches_numpy(tmp_path):
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(40, 4)).astype(np.float32)
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3),
                              layers.Lambda(lambda t: ops.square(t) - 1.0, name="square_minus_one"), layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(xs, xs[:, :1], epochs=2, verbose=0)
    assert [layer.name for layer in model.layers] == ["dense", "square_minus_one", "dense_1"]
    w = model.get_weights()
    np.testing.assert_allclose(model.predict(xs, verbose=0), ((xs @ w[0] + w[1]) ** 2 - 1.0) @ w[2] + w[3], rtol=1e-5,
                               atol=1e-6)
    model.save(tmp_path / "m.dk")  # the traced ops, not the Python function
    np.testing.assert_array_equal(keras.models.load_model(tmp_path / "m.dk").predict(xs, verbose=0),
                                  model.predict(xs, verbose=0))


def test_lambda_with_arguments_and_several_inputs_in_a_functional_model():
    a, b = keras.Input((3,)), keras.Input((3,))
    out = layers.Lambda(lambda ts, scale: (ts[0] - ts[1]) * scale, arguments={"scale": 2.0})([a, b])
    model = keras.Model([a, b], out)
    x1, x2 = np.ones((2, 3), np.float32), np.full((2, 3), 0.25, np.float32)
    np.testing.assert_array_equal(model.predict([x1, x2], verbose=0), np.full((2, 3), 1.5))


def test_lambda_on_arrays_runs_the_function_eagerly():
    layer = layers.Lambda(lambda t: ops.sqrt(t) + 1.0)
    np.testing.assert_allclose(layer(np.array([[4.0, 9.0]], np.float32)), [[3.0, 4.0]])


def test_lambda_output_shape():
    assert layers.Lambda(lambda t: t[:, :2]).compute_output_shape((None, 5)) == (None, 2)
    assert layers.Lambda(lambda t: t, output_shape=(7,)).compute_output_shape((None, 5)) == (None, 7)
    assert layers.Lambda(lambda t: t, output_shape=lambda s: (s[0], 1)).compute_output_shape((None, 5)) == (None, 1)


def test_untraceable_code_names_the_function_its_line_and_the_fix():
    def uses_numpy(t):
        return np.tanh(t)  # NumPy on a symbolic tensor

    def branches_on_values(t):
        if ops.sum(t, axis=-1):  # Python control flow on tensor values
            return t
        return -t

    with pytest.raises(TypeError) as info:
        layers.Lambda(uses_numpy)(keras.Input((3,)))
    message = str(info.value)
    assert "uses_numpy" in message and "test_lambda.py" in message and "np.tanh(t)" in message
    with pytest.raises(TypeError, match="branches_on_values.*truth value"):
        layers.Lambda(branches_on_values)(keras.Input((3,)))


def test_lambda_refuses_masks_and_non_callables():
    with pytest.raises(TypeError, match="callable"):
        layers.Lambda(3)
    with pytest.raises(ValueError, match="mask"):
        layers.Lambda(lambda t: t, mask=lambda t, m: m)
