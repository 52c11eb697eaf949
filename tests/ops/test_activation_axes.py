"""The activations computed along an axis (softmax, log_softmax, glu, sparsemax) on arrays:
any axis, and for softmax and log_softmax axis=None over every element, as Keras's backends
reshape for it (keras/src/backend/tensorflow/nn.py); on symbolic tensors, the last axis."""

import numpy as np
import pytest

import densekit as keras
from keras_live import run_keras

X = np.array([[[1.0, 2.0, 3.0], [4.0, 0.0, -1.0]], [[0.5, -2.0, 1.5], [2.0, 2.0, 2.0]]], dtype="float32")


def softmax64(x, axis):
    x = np.asarray(x, np.float64)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1, -2])
def test_softmax_and_log_softmax_along_any_axis_match_a_float64_reference(axis):
    expected = softmax64(X, axis)
    for fn in (keras.ops.softmax, keras.activations.softmax):
        out = fn(X, axis=axis)
        assert out.shape == X.shape and out.dtype == np.float32
        np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(keras.ops.log_softmax(X, axis=axis), np.log(expected), rtol=1e-5, atol=1e-6)
    if axis is None:
        assert float(keras.ops.softmax(X, axis=None).sum()) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("axes", [(1, 2), (0, 2), (2, 0), [-1, 0]])
def test_softmax_over_several_axes_at_once(axes):
    expected = softmax64(X, tuple(axes))
    np.testing.assert_allclose(keras.ops.softmax(X, axis=axes), expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(keras.ops.log_softmax(X, axis=axes), np.log(expected), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="axis 3 is not an axis of an array of rank 3"):
        keras.ops.softmax(X, axis=(0, 3))


def test_glu_and_sparsemax_along_the_first_axis_are_those_of_the_transpose():
    x = X[0].T.copy()  # (3, 2)
    np.testing.assert_array_equal(keras.ops.sparsemax(x, axis=0), keras.ops.sparsemax(x.T).T)
    y = np.arange(8, dtype="float32").reshape(4, 2) - 3.0
    np.testing.assert_array_equal(keras.ops.glu(y, axis=0), keras.ops.glu(y.T).T)
    assert keras.ops.glu(y, axis=0).shape == (2, 2)
    with pytest.raises(ValueError, match="glu needs one axis"):
        keras.ops.glu(y, axis=None)


def test_a_symbolic_tensor_takes_its_last_axis_only():
    inputs = keras.Input((3,))
    assert keras.activations.softmax(inputs, axis=1).shape == (None, 3)
    with pytest.raises(ValueError, match=r"works along its last axis, within each sample \(axis=-1\). Received: "
                                         r"axis=None"):
        keras.activations.softmax(inputs, axis=None)
    with pytest.raises(TypeError, match="softmax: `axis` must be an integer. Received: axis=None"):
        keras.ops.softmax(inputs, axis=None)


def test_kerass_figures():
    theirs = run_keras("import json, numpy as np, keras\n"
                       f"x = np.array({X.tolist()}, 'float32')\n"
                       "print(json.dumps([np.asarray(keras.ops.softmax(x, axis=None)).tolist(),"
                       " np.asarray(keras.ops.log_softmax(x, axis=None)).tolist(),"
                       " np.asarray(keras.ops.softmax(x, axis=0)).tolist()]))")
    np.testing.assert_allclose(keras.ops.softmax(X, axis=None), theirs[0], rtol=1e-6)
    np.testing.assert_allclose(keras.ops.log_softmax(X, axis=None), theirs[1], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(keras.ops.softmax(X, axis=0), theirs[2], rtol=1e-6)
