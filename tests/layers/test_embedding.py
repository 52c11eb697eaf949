"""Embedding (keras/src/layers/core/embedding.py): rows of its table for whole-number inputs
(floats truncated as Keras's cast to int32), the table's gradient summed over repeated indices
(finite differences), configs, weights=, files both ways, and bad indices refused clearly in
predict and in the middle of fit."""

import numpy as np
import pytest

import densekit as keras
from file_helpers import requires_h5py
from keras_live import run_keras


def _model(vocab=7, dim=3, length=4):
    keras.utils.set_random_seed(3)
    inputs = keras.Input((length,))
    h = keras.layers.Embedding(vocab, dim, name="emb")(inputs)
    out = keras.layers.Dense(1, name="out")(keras.layers.Flatten()(h))
    model = keras.Model(inputs, out)
    model.compile("sgd", "mse")
    return model


def test_rows_of_the_table_with_truncation():
    layer = keras.layers.Embedding(5, 2)
    x = np.array([[0, 4, 4], [2, 1, 3]], dtype=np.float32)
    out = layer(x)
    table = layer.get_weights()[0]
    assert out.shape == (2, 3, 2) and table.shape == (5, 2) and tuple(layer.embeddings.shape) == (5, 2)
    np.testing.assert_array_equal(out, table[x.astype(int)])
    np.testing.assert_array_equal(layer(np.array([[2.7, 0.9]])), table[[[2, 0]]])  # toward zero, as int32
    assert np.abs(table).max() <= 0.05  # "uniform": RandomUniform(-0.05, 0.05)
    np.testing.assert_array_equal(layer(np.array([[1, 2]], dtype=np.int64)), table[[[1, 2]]])


def test_gradients_with_repeated_indices(gradcheck):
    model = _model()
    rng = np.random.default_rng(0)
    x = rng.integers(0, 7, (6, 4)).astype(np.float64)
    x[0, :] = 3  # one index four times in a sample
    y = rng.normal(size=(6, 1))

    def forward(w, xs):
        rows = w["emb"][0][xs[0].astype(int)]  # (6, 4, 3)
        return [rows.reshape(len(rows), -1) @ w["out"][0] + w["out"][1]]

    gradcheck(model, [x], [y], forward)


@requires_h5py
def test_config_weights_and_file(tmp_path):
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    layer = keras.layers.Embedding(4, 3, weights=[table], name="e", embeddings_regularizer="l2")
    np.testing.assert_array_equal(layer.get_weights()[0], table)
    config = layer.get_config()
    assert {k: config[k] for k in ("input_dim", "output_dim", "mask_zero")} == \
        {"input_dim": 4, "output_dim": 3, "mask_zero": False}
    assert config["embeddings_initializer"]["class_name"] == "RandomUniform"
    assert keras.layers.Embedding.from_config(config).get_config()["embeddings_regularizer"] == \
        config["embeddings_regularizer"]
    with pytest.warns(UserWarning, match="input_length"):
        keras.layers.Embedding(4, 3, input_length=5)
    model = _model()
    x = np.array([[0, 1, 2, 6]], np.float32)
    path = str(tmp_path / "m.keras")
    model.save(path)
    np.testing.assert_array_equal(keras.saving.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("bad", [7, -1, 7.5, 1e30])
def test_an_index_outside_the_table_is_refused(bad):
    model = _model()
    with pytest.raises(ValueError, match=r"Embedding layer 'emb' received the index .* outside \[0, 7\)"):
        model.predict(np.array([[0, 1, bad, 2]], np.float32), verbose=0)
    with pytest.raises(ValueError, match="infinity"):  # (the data's own check comes first)
        model.predict(np.array([[0, 1, np.inf, 2]], np.float32), verbose=0)


def test_a_bad_index_in_a_later_batch_stops_fit_cleanly():
    model = _model()
    rng = np.random.default_rng(1)
    x = rng.integers(0, 7, (64, 4)).astype(np.float32)
    y = rng.normal(size=(64, 1)).astype(np.float32)
    x[50, 2] = 9
    with pytest.raises(ValueError, match="index 9"):
        model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    x[50, 2] = 1

    def batches():  # and from a stream of batches (its producer thread stops with it)
        for start in range(0, 64, 16):
            chunk = x[start:start + 16].copy()
            if start == 32:
                chunk[3, 0] = -2
            yield chunk, y[start:start + 16]

    with pytest.raises(ValueError, match="index -2"):
        model.fit(batches(), steps_per_epoch=4, epochs=1, shuffle=False, verbose=0)
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0).history  # the model still trains
    assert len(history["loss"]) == 2 and np.isfinite(history["loss"]).all()


def test_bad_arguments():
    for args in ((0, 3), (5, -1), (5.0, 3), (True, 3)):
        with pytest.raises(ValueError, match="must be a positive integer"):
            keras.layers.Embedding(*args)
    with pytest.raises(ValueError, match="mask_zero"):
        keras.layers.Embedding(5, 3, mask_zero=True)


def test_a_table_beyond_float32_s_exact_integers_is_refused():
    # Indices reach the layer as float32: row 2**24 + 1 was read at index 2**24, silently.
    with pytest.raises(ValueError, match=r"at most 16777216 rows \(2\*\*24\).*input_dim=16777217"):
        keras.layers.Embedding(2**24 + 1, 1)
    with pytest.raises(ValueError, match="at most 16777216 rows"):
        keras.layers.Embedding.from_config({"name": "e", "input_dim": 2**25, "output_dim": 2})
    table = keras.layers.Embedding(2**24, 1)  # the largest, whose every index is exact
    model = keras.Sequential([keras.Input((1,)), table])
    weights = np.zeros((2**24, 1), np.float32)
    weights[2**24 - 1] = 1.0
    table.set_weights([weights])
    assert model.predict(np.array([[2**24 - 1], [2**24 - 2]]), verbose=0).ravel().tolist() == [1.0, 0.0]
    with pytest.raises(ValueError, match="received the index 16777216, outside"):
        model.predict(np.array([[2**24 + 1]]), verbose=0)


KERAS_BOTH_WAYS = """
import json, sys
import numpy as np, keras
x = np.array([[0, 1, 2, 6], [6, 6, 3, 0]])
ours = keras.saving.load_model(sys.argv[1])
inputs = keras.Input((4,))
theirs = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(keras.layers.Embedding(7, 3)(inputs))))
theirs.save(sys.argv[2])
print(json.dumps([ours.predict(x, verbose=0).tolist(), theirs.predict(x, verbose=0).tolist()]))
"""


@requires_h5py
def test_keras_reads_densekits_embedding_and_densekit_reads_kerass(tmp_path):
    model = _model()
    ours, theirs = str(tmp_path / "ours.keras"), str(tmp_path / "theirs.keras")
    model.save(ours)
    keras_on_ours, keras_on_theirs = run_keras(KERAS_BOTH_WAYS, ours, theirs)
    x = np.array([[0, 1, 2, 6], [6, 6, 3, 0]], np.float32)
    np.testing.assert_allclose(keras_on_ours, model.predict(x, verbose=0), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(keras.saving.load_model(theirs).predict(x, verbose=0), keras_on_theirs,
                               rtol=1e-6, atol=1e-7)


def test_build_without_a_shape_creates_the_table_a_model_then_keeps():
    layer = keras.layers.Embedding(10, 4)
    layer.build()  # Keras's Embedding.build(input_shape=None): the table needs no input shape
    assert layer.built and [tuple(w.shape) for w in layer.weights] == [(10, 4)]
    table = layer.get_weights()[0]
    model = keras.Sequential([keras.Input((5,)), layer, keras.layers.Flatten(), keras.layers.Dense(1)])
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], table)
    assert model.predict(np.zeros((2, 5)), verbose=0).shape == (2, 1)
