"""Eager ops on arrays, in the details Keras 3.15.1 gives (measured side by side): values where
NumPy's own function answers otherwise, and Keras's keyword names for the arguments."""

import numpy as np
import pytest

import densekit as keras

ops = keras.ops


def test_values_where_numpy_differs_from_keras():
    np.testing.assert_array_equal(ops.pad(np.ones(2), 1, constant_values=None), [0.0, 1.0, 1.0, 0.0])  # NumPy: NaN
    assert np.isnan(ops.logdet(np.array([[-1.0, 0.0], [0.0, 1.0]])))  # slogdet's log|det| was 0.0
    assert ops.logdet(np.zeros((2, 2))) == -np.inf
    assert ops.logdet(np.diag([2.0, 3.0])) == pytest.approx(np.log(6.0))
    ties = np.array([2, 1, 2, 1, 2, 1] * 20, dtype="float32")
    np.testing.assert_array_equal(ops.argsort(ties)[:12], np.arange(1, 24, 2))  # stable: equal values in order
    assert np.isnan(ops.average(np.array([1.0, 2.0]), weights=np.array([0.0, 0.0])))  # NumPy: ZeroDivisionError
    x, w = np.arange(6.0).reshape(2, 3), np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(ops.average(x, axis=1, weights=w), np.average(x, axis=1, weights=w))
    np.testing.assert_allclose(ops.average(x, axis=0, weights=w[:2]), np.average(x, axis=0, weights=w[:2]))
    np.testing.assert_array_equal(ops.bincount(np.array([[0, 1], [1, 1]])), [[1, 1], [0, 2]])  # per row
    assert ops.max(np.array([1.0, 2.0]), initial=5.0) == 5.0
    assert ops.min(np.zeros((0,)), initial=-1.0) == -1.0


def test_kerass_keyword_names():
    c = np.array([True, False])
    np.testing.assert_array_equal(ops.where(c, x1=np.array([1, 2]), x2=np.array([3, 4])), [1, 4])
    np.testing.assert_array_equal(ops.argsort(x=np.array([2, 1])), [1, 0])
    np.testing.assert_array_equal(ops.searchsorted(sorted_sequence=np.array([1, 2, 3]), values=np.array([2])), [1])
    np.testing.assert_array_equal(ops.fmod(x1=np.array([5.0]), x2=np.array([3.0])), [2.0])
    np.testing.assert_array_equal(ops.inv(x=np.eye(2)), np.eye(2))
    np.testing.assert_array_equal(ops.append(x1=np.ones(1), x2=np.zeros(1)), [1.0, 0.0])
    np.testing.assert_array_equal(ops.stack(x=[np.ones(2)], axis=0), [[1.0, 1.0]])
    np.testing.assert_array_equal(ops.one_hot(np.array([0, 1]), 2, sparse=False), np.eye(2))
    with pytest.raises(ValueError, match="dense arrays only"):
        ops.one_hot(np.array([0, 1]), 2, sparse=True)
