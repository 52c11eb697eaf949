"""Inputs of whole numbers (keras.Input(..., dtype="int32"), as Keras's Embedding tutorials
declare token ids): the dtype is kept in configs and files both ways, values are truncated toward
zero on the way in as Keras's cast to the integer type leaves them, in Python and in C++;
other types are refused clearly."""

import subprocess

import numpy as np
import pytest

import densekit as keras
from file_helpers import requires_h5py
from keras_live import run_keras

X = np.array([[1.7, -2.7, 3.0], [0.2, -0.9, 5.5]], np.float32)


def _sum_model(dtype):
    inputs = keras.Input((3,), dtype=dtype, name="ids")
    return keras.Model(inputs, keras.layers.Dense(1, use_bias=False, kernel_initializer="ones", name="sum")(inputs))


@pytest.mark.parametrize("dtype", ["int32", "int64", np.int16, "int"])
def test_values_are_truncated_toward_zero(dtype):  # (bool and the wrapping types: test_review_mends.py)
    model = _sum_model(dtype)
    expected_dtype = {"int": "int64"}.get(dtype, np.dtype(dtype).name)
    assert model.inputs[0].dtype == expected_dtype
    assert model.get_config()["layers"][0]["config"]["dtype"] == expected_dtype
    np.testing.assert_array_equal(model.predict(X, verbose=0), np.trunc(X).sum(1, keepdims=True))
    np.testing.assert_array_equal(model(X), np.trunc(X).sum(1, keepdims=True))  # the fast path too
    # float32 inputs are passed on unchanged.
    np.testing.assert_allclose(_sum_model("float32").predict(X, verbose=0), X.sum(1, keepdims=True), rtol=1e-6)


@requires_h5py
def test_integer_arrays_and_an_embedding_fit_and_the_dtype_survives_files(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 20, size=(128, 6))
    y = (x[:, 0] > 9).astype(np.float32)
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((6,), dtype="int32"), keras.layers.Embedding(20, 4),
                              keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    for suffix in ("keras", "dk"):
        path = str(tmp_path / f"m.{suffix}")
        model.save(path)
        loaded = keras.saving.load_model(path)
        assert loaded.inputs[0].dtype == "int32"
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert keras.models.clone_model(model).inputs[0].dtype == "int32"
    functional = _sum_model("int32")
    assert keras.models.clone_model(functional).inputs[0].dtype == "int32"
    assert keras.Model.from_config(functional.get_config()).inputs[0].dtype == "int32"


def test_other_types_are_refused_clearly():
    for dtype in ("float64", "float16", "complex64", "string", str):
        with pytest.raises(ValueError, match=f"dtype {keras.backend.standardize_dtype(dtype)}: densekit computes in "
                                             "float32"):
            keras.Input((3,), dtype=dtype)
    for dtype in ("no-such-type", "str", object):
        with pytest.raises(ValueError, match="Invalid dtype"):
            keras.Input((3,), dtype=dtype)
    with pytest.raises(ValueError, match="float32 only"):
        keras.layers.Dense(3, dtype="int32")  # only an input holds whole numbers


KERAS_BOTH_WAYS = """
import json, sys
import numpy as np, keras
ours = keras.saving.load_model(sys.argv[1])
x = np.array([[1, 5, 19, 0, 7, 3], [2, 2, 4, 11, 0, 18]])
i = keras.Input((6,), dtype="int32")
h = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(20, 4)(i))
theirs = keras.Model(i, keras.layers.Dense(1)(h))
theirs.save(sys.argv[2])
print(json.dumps([str(ours.inputs[0].dtype), ours.predict(x, verbose=0).tolist(), theirs.predict(x, verbose=0).tolist()]))
"""


@requires_h5py
def test_keras_reads_densekits_integer_input_and_densekit_reads_kerass(tmp_path):
    keras.utils.set_random_seed(2)
    i = keras.Input((6,), dtype="int32")
    h = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(20, 4)(i))
    model = keras.Model(i, keras.layers.Dense(1)(h))
    ours, theirs = str(tmp_path / "ours.keras"), str(tmp_path / "theirs.keras")
    model.save(ours)
    dtype, keras_on_ours, keras_on_theirs = run_keras(KERAS_BOTH_WAYS, ours, theirs)
    x = np.array([[1, 5, 19, 0, 7, 3], [2, 2, 4, 11, 0, 18]])
    assert dtype == "int32"
    np.testing.assert_allclose(keras_on_ours, model.predict(x, verbose=0), rtol=1e-6, atol=1e-7)
    loaded = keras.saving.load_model(theirs)
    assert loaded.inputs[0].dtype == "int32"
    np.testing.assert_allclose(loaded.predict(x, verbose=0), keras_on_theirs, rtol=1e-6, atol=1e-7)
