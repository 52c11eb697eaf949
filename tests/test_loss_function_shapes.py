"""keras.losses functions and loss objects on arrays, shaped and called as Keras 3.15.1 does
(keras/src/losses/losses.py): the last axis is reduced, so 1-D arrays are one sample and give a
scalar, and reduction="none" keeps every other axis; the arguments Keras's signatures take by
position. The figures are Keras's, measured."""

import numpy as np
import pytest

import densekit as keras

Y = np.array([1.0, 2.0, 3.0, 0.0], np.float32)
P = np.array([1.5, 1.0, 3.5, 0.2], np.float32)


@pytest.mark.parametrize("name, expected", [
    ("mean_squared_error", 0.385), ("mean_absolute_error", 0.55), ("huber", 0.1925), ("log_cosh", 0.17347),
])
def test_a_1d_pair_is_one_sample(name, expected):
    value = getattr(keras.losses, name)(Y, P)
    assert np.shape(value) == () and float(value) == pytest.approx(expected, abs=1e-5)
    assert np.shape(getattr(keras.losses, name)(Y.reshape(2, 2), P.reshape(2, 2))) == (2,)


def test_one_hot_1d_is_one_distribution():
    value = keras.losses.categorical_crossentropy(np.array([0.5, 0, 0.5, 0], np.float32),
                                                  np.array([0.9, 0.2, 0.6, 0.4], np.float32))
    assert float(value) == pytest.approx(1.05003, abs=1e-5)
    assert float(keras.metrics.mean_squared_error(Y, P)) == pytest.approx(0.385, abs=1e-6)


def test_reduction_none_keeps_the_positions_and_broadcasts_weights_as_numpy_does():
    y = np.array([1, 0, 1, 0], np.float32).reshape(2, 2, 1)
    p = np.array([0.9, 0.2, 0.6, 0.4], np.float32).reshape(2, 2, 1)
    loss = keras.losses.MeanSquaredError(reduction="none")
    np.testing.assert_allclose(loss(y, p), [[0.01, 0.04], [0.16, 0.16]], rtol=1e-6)
    np.testing.assert_allclose(loss(y, p, sample_weight=np.array([1.0, 2.0])), [[0.01, 0.08], [0.16, 0.32]], rtol=1e-6)
    assert float(keras.losses.MeanSquaredError(reduction="sum")(Y, P)) == pytest.approx(0.385, abs=1e-6)


def test_arguments_by_position_follow_kerass_signatures():
    y = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32)
    p = np.array([[0.3, 2.0], [0.5, -1.0]], np.float32)
    assert keras.losses.Huber(0.3).get_config()["delta"] == 0.3
    assert keras.losses.BinaryCrossentropy(True).get_config()["from_logits"] is True
    config = keras.losses.CategoricalCrossentropy(True, 0.1).get_config()
    assert (config["from_logits"], config["label_smoothing"]) == (True, 0.1)
    assert keras.losses.SparseCategoricalCrossentropy(True).get_config()["from_logits"] is True
    np.testing.assert_allclose(keras.losses.huber(y, p, 0.3), keras.losses.huber(y, p, delta=0.3))
    np.testing.assert_allclose(keras.losses.binary_crossentropy(y, p, True),
                               keras.losses.binary_crossentropy(y, p, from_logits=True))
    assert keras.metrics.TopKCategoricalAccuracy(2).get_config()["k"] == 2
    np.testing.assert_array_equal(keras.metrics.top_k_categorical_accuracy(y, p, 1), [1.0, 1.0])
    np.testing.assert_array_equal(keras.metrics.binary_accuracy(y, p, 0.4), [[1.0, 1.0], [1.0, 1.0]])
    with pytest.raises(TypeError, match="multiple values for argument 'delta'"):
        keras.losses.Huber(0.3, delta=0.5)
    with pytest.raises(TypeError, match="at most"):
        keras.losses.MeanSquaredError("sum", "mse", None, 4)


def test_ranks_that_differ_by_one_meet_as_kerass_squeeze_or_expand_makes_them():
    """keras/src/losses/loss.py squeeze_or_expand_to_same_rank, between y_true and y_pred (the
    loss classes and the mean-error functions) and between the per-sample losses and the
    weights. Before: y_pred (n,) was one sample of n values, and weights (n, 1) multiplied the
    losses (n,) into an (n, n) table. Figures measured in Keras 3.15.1."""
    column, flat = np.array([[1.0], [2.0]], np.float32), np.array([1.5, 2.5], np.float32)
    assert float(keras.losses.MeanSquaredError(reduction="sum")(column, flat)) == pytest.approx(0.5)
    np.testing.assert_allclose(keras.losses.MeanSquaredError(reduction="none")(column, flat), [0.25, 0.25])
    np.testing.assert_allclose(keras.losses.mean_squared_error(column, flat), [0.25, 0.25])
    bce = keras.losses.BinaryCrossentropy(reduction="sum")(np.array([[1.0], [0.0]]), np.array([0.9, 0.2]))
    assert float(bce) == pytest.approx(0.3285041, abs=1e-6)
    weights = np.array([[1.0], [2.0]], np.float32)
    mse = keras.losses.MeanSquaredError(reduction="none")(column, np.array([[1.5], [3.5]]), sample_weight=weights)
    assert mse.shape == (2, 1)
    np.testing.assert_allclose(mse, [[0.25], [4.5]])
    sparse = keras.losses.SparseCategoricalCrossentropy(reduction="none")(
        np.array([[1], [0]]), np.array([[0.3, 0.7], [0.4, 0.6]]), sample_weight=weights)
    np.testing.assert_allclose(sparse, [[0.35667497], [1.8325814]], rtol=1e-6)
    # A 1-D pair is one sample; weights of two values broadcast over its one loss, as in Keras.
    one = keras.losses.MeanSquaredError()(np.array([1.0, 2.0]), np.array([1.5, 3.5]), sample_weight=np.array([1.0, 0.0]))
    assert float(one) == pytest.approx(0.625)
