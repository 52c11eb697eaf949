"""Identity, Permute, RepeatVector, UnitNormalization and CategoryEncoding (keras/src/layers/):
values against NumPy in float64, gradients against finite differences, Keras's configs and
messages, files both ways with real Keras, and bad input."""

import numpy as np
import pytest

import densekit as keras
from file_helpers import requires_h5py
from keras_live import run_keras

L = keras.layers


def _unit(v, axes):
    return v / np.sqrt(np.maximum((v * v).sum(axis=axes, keepdims=True), 1e-24))


@pytest.mark.parametrize("make, reference", [
    (lambda: L.Identity(), lambda v: v),
    (lambda: L.Permute((2, 1)), lambda v: v.transpose(0, 2, 1)),
    (lambda: L.UnitNormalization(), lambda v: _unit(v, -1)),
    (lambda: L.UnitNormalization(axis=[1, 2]), lambda v: _unit(v, (1, 2))),
    (lambda: L.UnitNormalization(axis=1), lambda v: _unit(v, 1)),
], ids=["identity", "permute", "unit-last", "unit-both", "unit-first"])
def test_values_and_gradients_of_the_sample_shaped_layers(make, reference, gradcheck):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((3, 2))
    hidden = L.Dense(2, name="before")(inputs)
    layer = make()
    out = L.Flatten()(layer(hidden))
    model = keras.Model(inputs, L.Dense(2, name="after")(out))
    model.compile(loss="mse")
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(5, 3, 2)), rng.normal(size=(5, 2))

    def forward(w, xs):
        h = xs[0] @ w["before"][0] + w["before"][1]
        return [reference(h).reshape(len(h), -1) @ w["after"][0] + w["after"][1]]

    gradcheck(model, [x], [y], forward)
    xf = x.astype(np.float32)
    np.testing.assert_allclose(layer(xf), reference(xf.astype(np.float64)), rtol=1e-6, atol=1e-7)


def test_repeat_vector_values_and_gradient(gradcheck):
    keras.utils.set_random_seed(2)
    inputs = keras.Input((3,))
    repeated = L.RepeatVector(4)(L.Dense(2, name="before")(inputs))
    assert repeated.shape == (None, 4, 2)
    model = keras.Model(inputs, L.Dense(1, name="after")(L.Flatten()(repeated)))
    model.compile(loss="mse")
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 1))

    def forward(w, xs):
        h = xs[0] @ w["before"][0] + w["before"][1]
        return [np.repeat(h[:, None, :], 4, axis=1).reshape(len(h), -1) @ w["after"][0] + w["after"][1]]

    gradcheck(model, [x], [y], forward)


def test_unit_normalization_keeps_a_zero_vector_zero():
    out = L.UnitNormalization()(np.array([[0.0, 0.0], [3.0, 4.0]], np.float32))
    np.testing.assert_array_equal(out, np.array([[0.0, 0.0], [0.6, 0.8]], np.float32))


@pytest.mark.parametrize("mode, expected", [
    ("multi_hot", [[1, 1, 0, 0], [0, 0, 1, 1]]),
    ("count", [[1, 2, 0, 0], [0, 0, 1, 2]]),
    ("one_hot", [[[1, 0, 0, 0], [0, 1, 0, 0], [0, 1, 0, 0]], [[0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 1, 0]]]),
])
def test_category_encoding_modes(mode, expected):
    ids = np.array([[0, 1, 1], [3, 3, 2]])
    layer = L.CategoryEncoding(num_tokens=4, output_mode=mode)
    np.testing.assert_array_equal(layer(ids), expected)
    model = keras.Sequential([keras.Input((3,), dtype="int32"), layer])
    assert model.output_shape == (None,) + np.shape(expected)[1:]
    np.testing.assert_array_equal(model.predict(ids, verbose=0), expected)
    # a last axis of 1 is dropped before one-hot encoding, as Keras does
    one = L.CategoryEncoding(num_tokens=4, output_mode="one_hot")(np.array([[2], [0]]))
    np.testing.assert_array_equal(one, [[0, 0, 1, 0], [1, 0, 0, 0]])


@pytest.mark.parametrize("mode, tokens, expected", [
    ("multi_hot", [0, 1, 3, 3], [1, 1, 0, 1]),  # a 1-D array is one sample's tokens ...
    ("count", [0, 1, 3, 3], [1, 1, 0, 2]),
    ("count", 2, [0, 0, 1, 0]),  # ... and so is a scalar
    ("multi_hot", 2, [0, 0, 1, 0]),
    ("one_hot", 2, [[0, 0, 1, 0]]),  # one row, where a 1-D array is a batch of scalars
    ("one_hot", [2, 0], [[0, 0, 1, 0], [1, 0, 0, 0]]),
    ("count", np.array([], dtype=int), [0, 0, 0, 0]),  # no tokens: zeros
])
def test_category_encoding_of_unbatched_arrays_gives_kerass_shapes(mode, tokens, expected):
    for given in (np.array(tokens), tokens):  # a Python list is one tensor too
        out = L.CategoryEncoding(num_tokens=4, output_mode=mode)(given)
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out, np.array(expected, np.float32))


@requires_h5py
def test_category_encoding_feeds_a_model_that_trains_and_saves(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.integers(0, 6, size=(200, 2))
    y = (x == 3).any(axis=1).astype(np.float32)
    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((2,), dtype="int32"), L.CategoryEncoding(6),
                              L.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adam(0.1), "binary_crossentropy", metrics=["accuracy"])
    assert model.fit(x, y, epochs=20, verbose=0).history["accuracy"][-1] > 0.95
    for suffix in ("keras", "dk"):
        path = str(tmp_path / f"m.{suffix}")
        model.save(path)
        np.testing.assert_array_equal(keras.saving.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))


def test_configs_round_trip_with_kerass_fields():
    for layer, fields in [(L.Identity(name="i"), {}), (L.Permute((2, 1)), {"dims": [2, 1]}),
                          (L.RepeatVector(3), {"n": 3}), (L.UnitNormalization(axis=[1, 2]), {"axis": [1, 2]}),
                          (L.UnitNormalization(), {"axis": -1}),
                          (L.CategoryEncoding(5, "count"), {"num_tokens": 5, "output_mode": "count"})]:
        config = layer.get_config()
        assert {k: config[k] for k in fields} == fields
        assert type(layer).from_config(config).get_config() == config
    # Keras's CategoryEncoding.get_config has no "sparse" (keras/src/layers/preprocessing/
    # category_encoding.py); a config that names it, as densekit's did, still loads.
    config = L.CategoryEncoding(5, "count").get_config()
    assert "sparse" not in config
    assert L.CategoryEncoding.from_config({**config, "sparse": False}).get_config() == config
    assert L.CategoryEncoding(3, output_mode="binary").output_mode == "multi_hot"


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="Invalid permutation argument `dims`"):
        L.Permute((1, 3))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=4"):
        L.Permute((2, 1))(np.ones((2, 3, 4, 5), np.float32))
    with pytest.raises(TypeError, match="Expected an integer value for `n`"):
        L.RepeatVector(2.0)
    with pytest.raises(ValueError, match="positive integer"):
        L.RepeatVector(0)
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        L.RepeatVector(2)(np.ones((2, 3, 4), np.float32))
    with pytest.raises(TypeError, match="Invalid value for `axis`"):
        L.UnitNormalization(axis="last")
    with pytest.raises(ValueError, match="batch axis"):
        L.UnitNormalization(axis=0)(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="out of bounds"):
        L.UnitNormalization(axis=3)(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="num_tokens must be set"):
        L.CategoryEncoding()
    with pytest.raises(ValueError, match=">= 1"):
        L.CategoryEncoding(0)
    with pytest.raises(ValueError, match="Unknown arg for output_mode: int"):
        L.CategoryEncoding(3, output_mode="int")
    with pytest.raises(ValueError, match="sparse"):
        L.CategoryEncoding(3, sparse=True)
    layer = L.CategoryEncoding(3)
    for bad in (3, -1):  # (NaN is refused before, as any input's)
        with pytest.raises(ValueError, match="0 <= values < num_tokens with num_tokens=3"):
            layer(np.array([[0, bad]], np.float32))
    with pytest.raises(ValueError, match="vector of tokens per sample"):
        L.CategoryEncoding(3)(np.zeros((2, 2, 2), np.float32))


KERAS_BOTH_WAYS = """
import json, sys
import numpy as np, keras
L = keras.layers
ours = keras.saving.load_model(sys.argv[1])
x = np.arange(12, dtype=np.float32).reshape(2, 6) / 7
ids = np.array([[1, 4], [0, 0]])
i, t = keras.Input((6,)), keras.Input((2,), dtype="int32")
h = L.Reshape((2, 3))(L.Dense(6)(i))
h = L.Flatten()(L.UnitNormalization(axis=[1, 2])(L.Permute((2, 1))(L.Identity()(h))))
r = L.Flatten()(L.RepeatVector(2)(L.Dense(2)(i)))
theirs = keras.Model([i, t], L.Concatenate()([h, r, L.CategoryEncoding(5, "count")(t)]))
theirs.save(sys.argv[2])
print(json.dumps([sorted(type(l).__name__ for l in ours.layers), ours.predict([x, ids], verbose=0).tolist(),
                  theirs.predict([x, ids], verbose=0).tolist()]))
"""


@requires_h5py
def test_keras_reads_densekits_layers_and_densekit_reads_kerass(tmp_path):
    keras.utils.set_random_seed(6)
    i, t = keras.Input((6,)), keras.Input((2,), dtype="int32")
    h = L.Reshape((2, 3))(L.Dense(6)(i))
    h = L.Flatten()(L.UnitNormalization(axis=[1, 2])(L.Permute((2, 1))(L.Identity()(h))))
    r = L.Flatten()(L.RepeatVector(2)(L.Dense(2)(i)))
    model = keras.Model([i, t], L.Concatenate()([h, r, L.CategoryEncoding(5, "count")(t)]))
    ours, theirs = str(tmp_path / "ours.keras"), str(tmp_path / "theirs.keras")
    model.save(ours)
    names, keras_on_ours, keras_on_theirs = run_keras(KERAS_BOTH_WAYS, ours, theirs)
    assert {"Identity", "Permute", "RepeatVector", "UnitNormalization", "CategoryEncoding"} <= set(names)
    x = np.arange(12, dtype=np.float32).reshape(2, 6) / 7
    ids = np.array([[1, 4], [0, 0]])
    np.testing.assert_allclose(keras_on_ours, model.predict([x, ids], verbose=0), rtol=1e-6, atol=1e-7)
    loaded = keras.saving.load_model(theirs)
    np.testing.assert_allclose(loaded.predict([x, ids], verbose=0), keras_on_theirs, rtol=1e-6, atol=1e-7)


def test_layers_without_state_are_built_at_construction():
    """Keras's _build_at_init (keras/src/layers/layer.py): layers that have no build of their own
    are built when made, so summary() shows 0 parameters for them, not "0 (unbuilt)"."""
    for layer in (keras.layers.ReLU(), keras.layers.Softmax(), keras.layers.Activation("relu"),
                  keras.layers.Dropout(0.5), keras.layers.GaussianNoise(0.1), keras.layers.AlphaDropout(0.1),
                  keras.layers.ActivityRegularization(), keras.layers.UnitNormalization(), keras.layers.Identity(),
                  keras.layers.GlobalAveragePooling1D(), keras.layers.Reshape((2,))):
        assert layer.built, layer
    for layer in (keras.layers.Dense(2), keras.layers.PReLU(), keras.layers.Flatten(), keras.layers.Add()):
        assert not layer.built, layer

    class OwnBuild(keras.layers.Dropout):
        def build(self, input_shape):
            pass

    assert not OwnBuild(0.5).built
