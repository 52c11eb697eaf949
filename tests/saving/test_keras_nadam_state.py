"""Nadam's running product of momentum factors in Keras files: Keras 3.15 saves it as the last
optimizer variable, so it carries over both ways; a file from an earlier Keras, without it, loads
with the product started again at 1, as Keras then did (saving/keras_optimizer_state.py)."""

import io
import zipfile

import numpy as np
import pytest

h5py = pytest.importorskip("h5py", reason="Keras files need h5py (pip install 'densekit[keras]')")

import densekit as keras  # noqa: E402
from file_helpers import rewrite_archive  # noqa: E402


def data():
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    return x, x.sum(axis=1, keepdims=True)


def trained_nadam_model():
    x, y = data()
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Nadam(0.01), loss="mse")
    model.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False)
    return model


def without_last_optimizer_variable(path, out):
    """The archive as Keras before 3.15 wrote it: no momentum product among the variables."""
    def drop_last(data):
        buffer = io.BytesIO(data)
        with h5py.File(buffer, "r+") as f:
            group = f["optimizer/vars"]
            del group[str(len(group) - 1)]
        return buffer.getvalue()

    rewrite_archive(path, out, weights=drop_last)


def next_step(model):
    x, y = data()
    model.fit(x[:16], y[:16], batch_size=16, epochs=1, verbose=0, shuffle=False)
    return model.predict(x, verbose=0)


def test_the_momentum_product_is_the_last_variable_and_carries_over(tmp_path):
    model = trained_nadam_model()
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive, h5py.File(io.BytesIO(archive.read("model.weights.h5"))) as f:
        group = f["optimizer/vars"]
        # iterations, learning rate, momentum and velocity of 4 weights, the product
        assert len(group) == 2 + 2 * 4 + 1
        product = float(group[str(len(group) - 1)][()])
    assert 0.0 < product < 0.9 ** 12  # twelve steps, each a factor below 0.9
    reloaded = keras.models.load_model(tmp_path / "m.keras")
    expected = next_step(model)
    np.testing.assert_allclose(next_step(reloaded), expected, rtol=1e-6, atol=1e-7)

    without_last_optimizer_variable(tmp_path / "m.keras", tmp_path / "old.keras")
    restarted = keras.models.load_model(tmp_path / "old.keras")  # no warning: the earlier layout
    assert np.abs(next_step(restarted) - expected).max() > 1e-4  # the product started again at 1
