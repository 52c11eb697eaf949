"""Targets whose width differs from the outputs, in metrics and standalone losses: Keras
broadcasts a one-column target across the outputs in element-wise metrics
(keras/src/metrics/regression_metrics.py, accuracy_metrics.py); every other mismatch is a
ValueError. The core once read as many target values per sample as outputs, past the end of
narrower targets (SIGSEGV on a wide output, garbage on a narrow one)."""

import numpy as np
import pytest

import densekit as keras


def sparse_classifier(metrics):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=metrics)
    return model


def test_sparse_labels_broadcast_in_element_wise_metrics_as_in_keras():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 4)).astype("float32")
    labels = rng.integers(0, 5, 12)
    model = sparse_classifier(["mse", "mae", "binary_accuracy", keras.metrics.RootMeanSquaredError()])
    logs = model.evaluate(x, labels, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0).astype("float64")
    y = labels[:, None].astype("float64")  # (12, 1) against (12, 5)
    np.testing.assert_allclose(logs["mse"], np.mean((y - p) ** 2), rtol=1e-5)
    np.testing.assert_allclose(logs["mae"], np.mean(np.abs(y - p)), rtol=1e-5)
    np.testing.assert_allclose(logs["binary_accuracy"], np.mean(y == (p > 0.5)), rtol=1e-6)
    np.testing.assert_allclose(logs["root_mean_squared_error"], np.sqrt(np.mean((y - p) ** 2)), rtol=1e-5)


def test_standalone_metric_broadcasts_a_column_and_refuses_other_widths():
    y_pred = np.array([[0.2, 0.9, 0.4], [0.7, 0.1, 0.6]], dtype="float32")
    metric = keras.metrics.MeanSquaredError()
    metric.update_state(np.array([[1.0], [0.0]]), y_pred)
    np.testing.assert_allclose(metric.result(), np.mean((np.array([[1.0], [0.0]]) - y_pred) ** 2), rtol=1e-6)
    with pytest.raises(ValueError, match=r"target.shape=\(None, 2\), output.shape=\(None, 3\)"):
        keras.metrics.MeanSquaredError().update_state(np.zeros((2, 2)), y_pred)
    with pytest.raises(ValueError, match="one-hot targets as wide as the outputs"):
        keras.metrics.CategoricalAccuracy().update_state(np.zeros((2, 1)), y_pred)
    with pytest.raises(ValueError, match="integer class labels, one per sample"):
        keras.metrics.SparseCategoricalAccuracy().update_state(np.zeros((2, 3)), y_pred)


def test_a_wide_output_with_narrow_targets_is_refused_not_read_past():
    wide = np.zeros((1, 2_000_000), dtype="float32")
    with pytest.raises(ValueError, match="same shape"):
        keras.losses.MeanSquaredError()(np.zeros((1, 1)), wide)
    with pytest.raises(ValueError, match=r"target.shape=\(None, 2\)"):
        keras.metrics.AUC().update_state(np.zeros((1, 2)), wide)


@pytest.mark.parametrize("labels, match", [([0, 3], "outside the valid range of \\[0, 3\\)"),
                                           ([0, 1.5], "expects integer class labels")])
def test_standalone_sparse_crossentropy_checks_its_labels(labels, match):
    y_pred = np.full((2, 3), 1 / 3, dtype="float32")
    with pytest.raises(ValueError, match=match):
        keras.losses.SparseCategoricalCrossentropy()(np.array(labels), y_pred)
    with pytest.raises(ValueError, match=match):
        keras.losses.sparse_categorical_crossentropy(np.array(labels), y_pred)
    with pytest.raises(ValueError, match=match):
        keras.metrics.SparseCategoricalCrossentropy().update_state(np.array(labels), y_pred)


def test_a_weight_per_class_is_refused_even_when_the_batch_has_as_many_rows():
    """Keras broadcasts a (1, classes) weight over the rows (per element); densekit read it as
    one weight per row when the batch size equals the class count (Keras: [5, 15, 23]). Per-row
    weights give Keras 3.15's values."""
    y_pred = np.array([[.9, .2, .8, .1], [.2, .9, .7, .6], [.1, .2, .4, .3], [0, 1, .7, .3]])
    y_true = np.array([[0, 1, 1, 0], [1, 0, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1]])
    metric = keras.metrics.TrueNegatives(thresholds=[0.15, 0.5, 0.85])
    with pytest.raises(ValueError, match=r"one value per sample \(shape \(4,\)\).*shape=\(1, 4\)"):
        metric(y_true, y_pred, sample_weight=((0.0, 2.0, 3.0, 5.0),))
    for weights in ([0.0, 2.0, 3.0, 5.0], [[0.0], [2.0], [3.0], [5.0]]):
        metric.reset_state()
        np.testing.assert_array_equal(metric(y_true, y_pred, sample_weight=weights), [3.0, 12.0, 16.0])
