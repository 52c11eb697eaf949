"""GlobalAveragePooling1D/2D/3D and GlobalMaxPooling1D/2D/3D (keras/src/layers/pooling/): each
channel's mean or maximum over a sample's spatial axes, for both data formats and keepdims,
against a float64 reference; gradients by finite differences (tied maxima share the gradient,
as TensorFlow's reduce_max); configs, Keras's files both ways, Flatten's channels_first, and
bad input."""

import numpy as np
import pytest

import densekit as keras
from file_helpers import requires_h5py
from keras_live import run_keras

CLASSES = [(kind, dims) for kind in ("Average", "Max") for dims in (1, 2, 3)]


def _class(kind, dims):
    return getattr(keras.layers, f"Global{kind}Pooling{dims}D")


def _reference(x, kind, dims, channels_first, keepdims):
    axes = tuple(range(2, 2 + dims)) if channels_first else tuple(range(1, 1 + dims))
    reduce = np.mean if kind == "Average" else np.max
    return reduce(x.astype(np.float64), axis=axes, keepdims=keepdims)


@pytest.mark.parametrize("kind,dims", CLASSES)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_values_and_shapes_match_the_reference(kind, dims, data_format, keepdims):
    shape = (6, 5, 4, 3, 2)[: dims + 2]
    x = np.random.default_rng(dims).normal(size=shape).astype(np.float32)
    layer = _class(kind, dims)(data_format=data_format, keepdims=keepdims)
    expected = _reference(x, kind, dims, data_format == "channels_first", keepdims)
    out = layer(x)
    assert out.shape == expected.shape == layer.compute_output_shape(shape)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)
    model = keras.Sequential([keras.Input(shape[1:]), layer])
    assert model.output_shape == (None,) + expected.shape[1:]
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind", ["Average", "Max"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_gradients_match_finite_differences(kind, data_format, gradcheck):
    keras.utils.set_random_seed(2)
    inputs = keras.Input((4, 3))
    hidden = keras.layers.Dense(3, name="before")(inputs)  # (4 steps, 3 channels) a sample
    pooled = _class(kind, 1)(data_format=data_format)(hidden)
    model = keras.Model(inputs, keras.layers.Dense(2, name="after")(pooled))
    model.compile(loss="mse")
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(5, 4, 3)), rng.normal(size=(5, 2))

    def forward(w, xs):
        h = xs[0] @ w["before"][0] + w["before"][1]
        return [_reference(h, kind, 1, data_format == "channels_first", False) @ w["after"][0] + w["after"][1]]

    gradcheck(model, [x], [y], forward)


def test_tied_maxima_share_the_gradient():
    # Two equal maxima each receive half of the output's gradient (tf.reduce_max's gradient).
    inputs = keras.Input((3, 1))
    scaled = keras.layers.Dense(1, use_bias=False, kernel_initializer="ones", name="w")(inputs)
    model = keras.Model(inputs, keras.layers.GlobalMaxPooling1D()(scaled))
    model.compile(keras.optimizers.SGD(1.0), "mse")
    x = np.array([[[2.0], [2.0], [1.0]]], np.float32)  # out = 2w; d out / dw = (2 + 2) / 2 = 2
    model.train_on_batch(x, np.zeros((1, 1), np.float32))
    # loss = (2w)², d loss / dw = 2·2w·2 = 8 at w = 1: one SGD step to w = -7.
    assert model.get_weights()[0][0, 0] == pytest.approx(-7.0)


@requires_h5py
def test_embedding_then_average_trains_and_saves(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.integers(0, 30, size=(256, 12))
    y = (x == 7).any(axis=1).astype(np.float32)
    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.layers.Embedding(30, 8), keras.layers.GlobalAveragePooling1D(),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    path = str(tmp_path / "m.keras")
    model.save(path)
    np.testing.assert_array_equal(keras.saving.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))


def test_names_aliases_and_config():
    assert keras.layers.GlobalAvgPool1D is keras.layers.GlobalAveragePooling1D
    assert keras.layers.GlobalMaxPool3D is keras.layers.GlobalMaxPooling3D
    layer = keras.layers.GlobalAveragePooling2D(data_format="Channels_First", keepdims=True)
    assert layer.name.startswith("global_average_pooling2d")
    config = layer.get_config()
    assert {k: config[k] for k in ("data_format", "keepdims")} == {"data_format": "channels_first", "keepdims": True}
    assert keras.layers.GlobalAveragePooling2D.from_config(config).get_config() == config
    assert keras.layers.GlobalMaxPooling1D().get_config()["data_format"] == "channels_last"


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="data_format"):
        keras.layers.GlobalAveragePooling1D(data_format="nhwc")
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        keras.Sequential([keras.Input((4,)), keras.layers.GlobalAveragePooling1D()])
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        keras.layers.GlobalMaxPooling2D()(np.ones((2, 3, 4), np.float32))
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        keras.layers.GlobalMaxPooling1D(pool_size=2)
    with pytest.raises(ValueError, match="mask"):
        keras.layers.GlobalAveragePooling1D()(np.ones((2, 3, 4), np.float32), mask=np.ones((2, 3), bool))


@requires_h5py
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4), (5,)])
def test_flatten_channels_first_moves_the_channels_last(shape, tmp_path):
    x = np.random.default_rng(6).normal(size=(2,) + shape).astype(np.float32)
    layer = keras.layers.Flatten(data_format="channels_first")
    expected = (np.moveaxis(x, 1, -1) if len(shape) > 1 else x).reshape(2, -1)
    np.testing.assert_array_equal(layer(x), expected)
    assert layer.get_config()["data_format"] == "channels_first"
    keras.utils.set_random_seed(7)
    model = keras.Sequential([keras.Input(shape), layer, keras.layers.Dense(2)])
    model.compile("sgd", "mse")
    model.fit(x, np.ones((2, 2), np.float32), verbose=0)  # the backward pass reorders the gradient back
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.layers[0].data_format == "channels_first"
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_flatten_channels_first_gradient(gradcheck):
    keras.utils.set_random_seed(8)
    inputs = keras.Input((3, 2))
    h = keras.layers.Dense(4, name="before")(inputs)  # (3, 4) a sample; channels_first reads 3 channels
    model = keras.Model(inputs, keras.layers.Dense(2, name="after")(keras.layers.Flatten(data_format="channels_first")(h)))
    model.compile(loss="mse")
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=(4, 3, 2)), rng.normal(size=(4, 2))

    def forward(w, xs):
        h = xs[0] @ w["before"][0] + w["before"][1]
        return [np.moveaxis(h, 1, -1).reshape(len(h), -1) @ w["after"][0] + w["after"][1]]

    gradcheck(model, [x], [y], forward)


KERAS_BOTH_WAYS = """
import json, sys
import numpy as np, keras
ours = keras.saving.load_model(sys.argv[1])
x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4) / 10
inputs = keras.Input((3, 4))
h = keras.layers.Dense(4)(inputs)
a = keras.layers.GlobalAveragePooling1D(data_format="channels_first", keepdims=True)(h)
m = keras.layers.GlobalMaxPool1D()(h)
out = keras.layers.Concatenate()([keras.layers.Flatten(data_format="channels_first")(a), m])
theirs = keras.Model(inputs, out)
theirs.save(sys.argv[2])
print(json.dumps([[type(l).__name__ for l in ours.layers], ours.predict(x, verbose=0).tolist(),
                  theirs.predict(x, verbose=0).tolist()]))
"""


@requires_h5py
def test_keras_reads_densekits_pooling_and_densekit_reads_kerass(tmp_path):
    keras.utils.set_random_seed(10)
    inputs = keras.Input((3, 4))
    h = keras.layers.Dense(4)(inputs)
    a = keras.layers.GlobalAveragePooling1D(data_format="channels_first", keepdims=True)(h)
    m = keras.layers.GlobalMaxPooling1D()(h)
    model = keras.Model(inputs, keras.layers.Concatenate()([keras.layers.Flatten(data_format="channels_first")(a), m]))
    ours, theirs = str(tmp_path / "ours.keras"), str(tmp_path / "theirs.keras")
    model.save(ours)
    names, keras_on_ours, keras_on_theirs = run_keras(KERAS_BOTH_WAYS, ours, theirs)
    assert {"GlobalAveragePooling1D", "GlobalMaxPooling1D", "Flatten"} <= set(names)
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4) / 10
    np.testing.assert_allclose(keras_on_ours, model.predict(x, verbose=0), rtol=1e-6, atol=1e-7)
    loaded = keras.saving.load_model(theirs)
    assert {"GlobalAveragePooling1D", "GlobalMaxPooling1D"} <= {type(layer).__name__ for layer in loaded.layers}
    np.testing.assert_allclose(loaded.predict(x, verbose=0), keras_on_theirs, rtol=1e-6, atol=1e-7)
