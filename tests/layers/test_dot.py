"""Dot (keras/src/layers/merging/dot.py) for inputs of one vector per sample: the dot product,
or with normalize the cosine similarity (Keras's normalize: x·rsqrt(max(Σx², ε²))), against a
float64 reference; gradients by finite differences; configs, Keras's files both ways, bad input."""

import numpy as np
import pytest

import densekit as keras
from file_helpers import requires_h5py
from keras_live import run_keras

EPS = 1e-7


def _unit(x):
    return x / np.sqrt(np.maximum((x * x).sum(-1, keepdims=True), EPS * EPS))


def _two_tower(normalize, axes=1):
    keras.utils.set_random_seed(5)
    a, b = keras.Input((3,), name="user"), keras.Input((3,), name="item")
    ua = keras.layers.Dense(4, name="ua")(a)
    ub = keras.layers.Dense(4, name="ub")(b)
    return keras.Model([a, b], keras.layers.Dot(axes=axes, normalize=normalize, name="dot")([ua, ub]))


@pytest.mark.parametrize("normalize", [False, True])
def test_values_and_gradients_match_the_reference(normalize, gradcheck):
    model = _two_tower(normalize)
    model.compile(loss="mse")
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    y = rng.normal(size=(7, 1))

    def forward(w, xs):
        ua = xs[0] @ w["ua"][0] + w["ua"][1]
        ub = xs[1] @ w["ub"][0] + w["ub"][1]
        if normalize:
            ua, ub = _unit(ua), _unit(ub)
        return [(ua * ub).sum(-1, keepdims=True)]

    predicted, _ = gradcheck(model, [xa, xb], [y], forward)
    assert predicted[0].shape == (7, 1)
    if normalize:
        assert np.all(np.abs(predicted[0]) <= 1 + 1e-6)


def test_axes_forms_and_the_functional_helper():
    rng = np.random.default_rng(1)
    x1, x2 = rng.normal(size=(5, 6)).astype(np.float32), rng.normal(size=(5, 6)).astype(np.float32)
    expected = (x1.astype(np.float64) * x2).sum(-1, keepdims=True)
    for axes in (1, -1, (1, 1), [1, -1], (-1, 1)):
        out = keras.layers.Dot(axes=axes)([x1, x2])
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    a, b = keras.Input((6,)), keras.Input((6,))
    out = keras.layers.dot([a, b], axes=-1, normalize=True)
    assert out.shape == (None, 1)
    np.testing.assert_allclose(keras.Model([a, b], out).predict([x1, x2], verbose=0),
                               (_unit(x1.astype(np.float64)) * _unit(x2.astype(np.float64))).sum(-1, keepdims=True),
                               rtol=1e-5, atol=1e-6)
    zero = keras.layers.Dot(axes=1, normalize=True)([np.zeros((1, 6), np.float32), x2[:1]])
    assert np.all(np.isfinite(zero)) and zero[0, 0] == 0.0  # a zero vector stays finite, as in Keras


@requires_h5py
def test_config_round_trip_and_file(tmp_path):
    layer = keras.layers.Dot(axes=[1, -1], normalize=True, name="d")
    config = layer.get_config()
    assert config["axes"] == [1, -1] and config["normalize"] is True
    assert keras.layers.Dot.from_config(config).get_config() == config
    assert keras.layers.Dot(axes=-1).get_config()["axes"] == -1
    assert keras.layers.Dot(axes=(1, 1)).get_config()["axes"] == [1, 1]  # as given, as Keras keeps it
    model = _two_tower(True)
    x = [np.ones((2, 3), np.float32), np.arange(6, dtype=np.float32).reshape(2, 3)]
    path = str(tmp_path / "m.keras")
    model.save(path)
    np.testing.assert_array_equal(keras.saving.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))


def test_bad_input_is_refused_clearly():
    with pytest.raises(TypeError, match="axes"):
        keras.layers.Dot(axes="1")
    with pytest.raises(ValueError, match="two elements"):
        keras.layers.Dot(axes=(1, 1, 1))
    a3, b3 = keras.Input((2, 3)), keras.Input((2, 3))
    with pytest.raises(ValueError, match="one vector per sample"):
        keras.layers.Dot(axes=2)([a3, b3])
    a, b = keras.Input((3,)), keras.Input((4,))
    with pytest.raises(ValueError, match="Incompatible input shapes"):
        keras.layers.Dot(axes=1)([a, b])
    with pytest.raises(ValueError, match="2 inputs"):
        keras.layers.Dot(axes=1)([a, a, a])


KERAS_BOTH_WAYS = """
import json, sys
import numpy as np, keras
ours = keras.saving.load_model(sys.argv[1])
x = [np.ones((2, 3), np.float32), np.arange(6, dtype=np.float32).reshape(2, 3)]
a, b = keras.Input((3,)), keras.Input((3,))
theirs = keras.Model([a, b], keras.layers.Dot(axes=-1, normalize=True)([keras.layers.Dense(4)(a), keras.layers.Dense(4)(b)]))
theirs.save(sys.argv[2])
print(json.dumps([ours.predict(x, verbose=0).tolist(), theirs.predict(x, verbose=0).tolist()]))
"""


@requires_h5py
def test_keras_reads_densekits_dot_and_densekit_reads_kerass(tmp_path):
    model = _two_tower(True)
    ours, theirs = str(tmp_path / "ours.keras"), str(tmp_path / "theirs.keras")
    model.save(ours)
    keras_on_ours, keras_on_theirs = run_keras(KERAS_BOTH_WAYS, ours, theirs)
    x = [np.ones((2, 3), np.float32), np.arange(6, dtype=np.float32).reshape(2, 3)]
    np.testing.assert_allclose(keras_on_ours, model.predict(x, verbose=0), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(keras.saving.load_model(theirs).predict(x, verbose=0), keras_on_theirs,
                               rtol=1e-6, atol=1e-7)
