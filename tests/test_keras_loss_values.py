"""Losses and metrics called directly where Keras 3.15.1 (TensorFlow) gives values of its own:
the sparse cross-entropy of rows that do not sum to 1 (keras/src/backend/tensorflow/nn.py) and
one number given as the sample weight (keras/src/losses/loss.py, reduce_weighted_values)."""

import numpy as np
import pytest

import densekit as keras
from densekit import losses
from test_losses import K, N, _sparse_labels, _unnormalised_probs


def test_sparse_crossentropy_of_rows_not_summing_to_one_is_kerass():
    """Values Keras 3.15.1 (TensorFlow) gives: it clips before it renormalises, where the
    categorical loss renormalises first."""
    p = np.array([[2.0, 0.5, 0.1], [1.5, 1.2, 0.3]], np.float32)
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy(np.array([0, 1]), p), [0.470004, 0.832909],
                               rtol=1e-5)
    np.testing.assert_allclose(losses.categorical_crossentropy(np.eye(3)[[0, 1]], p), [0.262364, 0.916291], rtol=1e-5)


def test_one_number_as_sample_weight_as_keras_reduces_it():
    """Values Keras 3.15.1 gives: a (1,) weight weighs every sample, and mean_with_sample_weight
    divides by the weight as given (one number), not by the batch's sum of it."""
    y_true, y_pred = np.array([[1.0, 2], [3, 4], [5, 6]]), np.zeros((3, 2))
    assert losses.MeanSquaredError()(y_true, y_pred, sample_weight=np.array([2.0])) == pytest.approx(30.333334)
    weighted = losses.MeanSquaredError(reduction="mean_with_sample_weight")
    assert weighted(y_true, y_pred, sample_weight=2.0) == pytest.approx(45.5)
    assert weighted(y_true, y_pred, sample_weight=np.array([1.0, 1, 2])) == pytest.approx(
        (2.5 + 12.5 + 2 * 30.5) / 4)


def test_one_number_as_sample_weight_weighs_every_sample():
    """Keras broadcasts a scalar (or a (1,) array) weight: it was refused as one value for two
    samples. Values as Keras 3.15.1 gives them."""
    y_true, y_pred = [[1, 0, 1], [0, 1, 1]], [[0.9, 0.2, 0.4], [0.6, 0.7, 0.8]]
    assert keras.metrics.BinaryAccuracy()(y_true, y_pred, sample_weight=2.0) == pytest.approx(0.666667, rel=1e-5)
    assert keras.metrics.MeanSquaredError()(y_true, y_pred, sample_weight=[2.0]) == pytest.approx(0.15, rel=1e-5)
    with pytest.raises(ValueError, match="must have one value per sample"):
        keras.metrics.AUC()(y_true, y_pred, sample_weight=[[1, 0, 2], [1, 1, 0]])
    wrapped = keras.metrics.MeanMetricWrapper(lambda a, b: keras.ops.abs(a - b))
    with pytest.raises(ValueError, match=r"must have one value per sample \(2\)"):
        wrapped(np.array(y_true, "float32"), np.array(y_pred, "float32"), sample_weight=[[1, 0, 2], [1, 1, 0]])


def test_sparse_labels_vector_and_column_agree():
    p = _unnormalised_probs()
    p = (p / p.sum(axis=1, keepdims=True)).astype(np.float32)  # (rows summing to 1: SCCE is CCE then)
    y = _sparse_labels()
    a = losses.sparse_categorical_crossentropy(y.astype(np.int64), p)
    b = losses.sparse_categorical_crossentropy(y.reshape(N, 1).astype(np.int64), p)
    c = losses.categorical_crossentropy(np.eye(K)[y.astype(int)], p)
    np.testing.assert_allclose(a, b, rtol=1e-7)
    np.testing.assert_allclose(a, c, rtol=1e-6)


@pytest.mark.parametrize("make, message", [
    (lambda: losses.Huber(delta=None), r"Argument `delta` of Huber must be a number\. Received: delta=None"),
    (lambda: losses.BinaryCrossentropy(from_logits="yes"), "`from_logits` of BinaryCrossentropy must be True or False"),
    (lambda: keras.metrics.TopKCategoricalAccuracy(k=10**12), r"`k` of TopKCategoricalAccuracy must be an integer below"),
    (lambda: keras.metrics.AUC(num_thresholds=2**31), "`num_thresholds` of AUC must be an integer below 2")])
def test_an_argument_of_the_wrong_kind_is_named(make, message):
    """pybind11's TypeError listed the C++ setter's signatures instead."""
    with pytest.raises(ValueError, match=message):
        make()


def test_axis_1_is_taken_for_2d_outputs_as_keras_examples_write_it():
    """Keras's examples write CosineSimilarity(axis=1) for (batch, features) data: the last axis
    there, so densekit takes it; on outputs of another rank it would be another axis, refused.
    Values as Keras 3.15.1 gives them."""
    y_true, y_pred = np.array([[1.0, 0, 0], [0, 1, 0]]), np.array([[0.7, 0.2, 0.1], [0.3, 0.3, 0.4]])
    assert losses.CosineSimilarity(axis=1)(y_true, y_pred) == pytest.approx(-0.733538, rel=1e-5)
    np.testing.assert_allclose(losses.categorical_crossentropy(y_true, y_pred, axis=1), [0.356675, 1.203973], rtol=1e-5)
    assert losses.CategoricalCrossentropy(axis=1).get_config()["axis"] == 1
    with pytest.raises(ValueError, match="axis=-1, or the last axis's positive index"):
        losses.CosineSimilarity(axis=0)
    with pytest.raises(ValueError, match="has axis=1, which is the last axis only of 2-D outputs"):
        losses.CosineSimilarity(axis=1)(np.ones((2, 3, 4)), np.ones((2, 3, 4)))
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(6), keras.layers.Reshape((2, 3))])
    with pytest.raises(ValueError, match="its outputs have rank 3"):
        model.compile("sgd", losses.CosineSimilarity(axis=1))
    assert not model.compiled  # (a refused compile changes nothing)
    model.compile("sgd", {"reshape": losses.CosineSimilarity(axis=-1)})


def test_one_number_as_sample_weight_for_samples_of_several_rows():
    """(3, 2, 2) data: each sample is two rows of the C++ loss. Values as Keras 3.15.1 gives them."""
    y_true, y_pred = np.arange(12, dtype=np.float32).reshape(3, 2, 2), np.zeros((3, 2, 2), np.float32)
    for weight in (2.0, np.array([2.0])):
        assert losses.MeanSquaredError()(y_true, y_pred, sample_weight=weight) == pytest.approx(84.333336)
        assert keras.metrics.MeanAbsoluteError()(y_true, y_pred, sample_weight=weight) == pytest.approx(5.5)


def test_a_metric_with_axis_1_is_refused_on_outputs_that_are_not_2d():
    """(it reduced the last axis silently, which is not axis 1 there)"""
    assert keras.metrics.CosineSimilarity(axis=1)(np.ones((2, 3)), np.ones((2, 3))) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="has axis=1, which is the last axis only of 2-D outputs"):
        keras.metrics.PearsonCorrelation(axis=1)(np.ones((2, 3, 4)), np.ones((2, 3, 4)))
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(6), keras.layers.Reshape((2, 3))])
    with pytest.raises(ValueError, match="its outputs have rank 3"):
        model.compile("sgd", "mse", metrics=[keras.metrics.CosineSimilarity(axis=1)])


def test_a_refused_axis_at_the_build_is_refused_again_at_the_next_fit():
    """(compiled before it was built: the build applies the compile; the next fit said
    "You must call compile()" instead of the reason)"""
    class Reshaped(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense, self.reshape = keras.layers.Dense(6), keras.layers.Reshape((2, 3))

        def call(self, x):
            return self.reshape(self.dense(x))

    model = Reshaped()
    model.compile("sgd", losses.CosineSimilarity(axis=1))
    for _ in range(2):
        with pytest.raises(ValueError, match="has axis=1, which is the last axis only of 2-D outputs"):
            model.fit(np.ones((8, 3), "float32"), np.ones((8, 2, 3), "float32"), verbose=0)


def test_a_loss_subclass_weighs_each_sample_by_a_column_of_weights():
    """Keras's reduce_weighted_values brings (n,) losses and (n, 1) weights to one rank (numpy
    broadcast them to (n, n)); values from Keras 3.15 (loss_test.py's rank adjustment)."""
    class SquaredError(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return (y_true - y_pred) ** 2

    weights = np.array([0.4, 0.3, 0.2, 0.1])
    y_true, y_pred = np.array([1.0, 0, 1, 0]), np.array([0.1, 0.2, 0.3, 0.4])
    assert SquaredError()(y_true, y_pred, sample_weight=weights[:, None]) == pytest.approx(0.1125, rel=1e-6)
    assert SquaredError(reduction="sum")(y_true, y_pred, sample_weight=3 * weights[:, None]) == \
        pytest.approx(1.35, rel=1e-6)
    per_sample = SquaredError(reduction=None)(y_true, y_pred, sample_weight=weights[:, None])
    np.testing.assert_allclose(per_sample, [[0.324], [0.012], [0.098], [0.016]], rtol=1e-6)


def test_any_axis_that_is_the_last_one_is_taken():
    """CosineSimilarity(axis=2) on (batch, steps, features), as Keras's test_config writes it,
    gives axis=-1's value; an axis that is not the last is refused (densekit reduces the last)."""
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 3, 4))
    for axis_2, last in ((losses.CosineSimilarity(axis=2), losses.CosineSimilarity()),
                         (losses.CategoricalCrossentropy(axis=2), losses.CategoricalCrossentropy()),
                         (keras.metrics.CosineSimilarity(axis=2), keras.metrics.CosineSimilarity())):
        probabilities = np.abs(y_pred) / np.abs(y_pred).sum(-1, keepdims=True)
        assert axis_2(np.abs(y_true), probabilities) == pytest.approx(last(np.abs(y_true), probabilities), rel=1e-6)
    with pytest.raises(ValueError, match="has axis=2, which is the last axis only of 3-D outputs"):
        losses.CosineSimilarity(axis=2)(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="reduces the last axis only"):
        losses.CosineSimilarity(axis=-2)
    assert losses.CategoricalCrossentropy(axis=2).get_config()["axis"] == 2


def test_losses_and_metrics_keep_their_dtype_and_compute_float32():
    """Keras's ``dtype`` argument (a dtype or a policy) is the object's compute dtype: densekit
    keeps it (a metric's config holds it; a loss's does not, as in Keras) and computes float32."""
    loss = losses.MeanSquaredError(dtype="float64")
    assert loss.dtype == "float64" and "dtype" not in loss.get_config()
    assert losses.MeanSquaredError().dtype == "float32"
    assert losses.Huber(dtype="mixed_float16").dtype == "float16"
    metric = keras.metrics.Hinge(dtype="float64")
    assert metric.dtype == "float64" and metric.get_config()["dtype"] == "float64"
    assert keras.metrics.Hinge.from_config(metric.get_config()).dtype == "float64"
    assert keras.metrics.AUC(dtype="float16").get_config()["dtype"] == "float16"
    assert isinstance(metric([[1.0]], [[0.5]]), np.float32)
    for obj in (loss, metric):
        with pytest.raises(AttributeError):
            obj.dtype = "bfloat16"  # read-only, as in Keras
