"""compile(weighted_metrics=...): metrics that use the sample (or class) weights and divide by
their sum, unlike the loss, which divides by the number of samples (keras/src/metrics/ and
keras/src/losses/loss.py)."""

import numpy as np
import pytest

import densekit as keras
from densekit import layers


def identity_model(metrics=None, weighted_metrics=None):
    """predictions = x: the metrics see exactly the values we choose."""
    model = keras.Sequential([keras.Input((1,)), layers.Dense(1, use_bias=False, kernel_initializer="ones")])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse", metrics=metrics, weighted_metrics=weighted_metrics)
    return model


P = np.array([[0.9], [0.2], [0.4], [0.6], [0.8], [0.1]], np.float32)
Y = np.array([[1.0], [0.0], [1.0], [0.0], [1.0], [1.0]], np.float32)
W = np.array([1.0, 2.0, 0.0, 0.5, 3.0, 1.5], np.float32)


def test_weighted_metric_divides_by_the_sum_of_weights_and_the_loss_by_n():
    model = identity_model(metrics=["accuracy", "mae"], weighted_metrics=["accuracy", "mae"])
    logs = model.evaluate(P, Y, sample_weight=W, batch_size=4, verbose=0, return_dict=True)
    hits = ((P > 0.5) == Y).ravel().astype(float)
    err = np.abs(P - Y).ravel()
    assert logs["accuracy"] == pytest.approx(hits.mean(), rel=1e-6)
    assert logs["weighted_accuracy"] == pytest.approx((W * hits).sum() / W.sum(), rel=1e-6)
    assert logs["mae"] == pytest.approx(err.mean(), rel=1e-6)
    assert logs["weighted_mae"] == pytest.approx((W * err).sum() / W.sum(), rel=1e-6)
    assert logs["loss"] == pytest.approx((W * ((P - Y) ** 2).ravel()).sum() / len(P), rel=1e-6)
    assert list(logs) == ["accuracy", "loss", "mae", "weighted_accuracy", "weighted_mae"]


def test_weighted_metric_names_follow_keras():
    model = identity_model(weighted_metrics=["accuracy", "accuracy", keras.metrics.AUC()])
    logs = model.evaluate(P, Y, sample_weight=W, verbose=0, return_dict=True)
    assert sorted(logs) == ["accuracy", "auc", "loss", "weighted_accuracy"]
    model = identity_model(metrics=["mae", "mae"], weighted_metrics=["mae", "mae", "mae"])
    logs = model.evaluate(P, Y, verbose=0, return_dict=True)
    assert sorted(logs) == ["loss", "mae", "mae_1", "weighted_mae", "weighted_mae_1", "weighted_mae_2"]
    # without weights a weighted metric equals its plain twin
    assert logs["weighted_mae"] == logs["mae"]


def test_weighted_metrics_in_fit_with_class_weight_and_validation_weights():
    model = identity_model(metrics=["accuracy"], weighted_metrics=["accuracy"])
    history = model.fit(P, Y, class_weight={0: 1.0, 1: 3.0}, validation_data=(P, Y, W), batch_size=2, verbose=0,
                        shuffle=False)
    hits = ((P > 0.5) == Y).ravel().astype(float)
    cw = np.where(Y.ravel() == 1, 3.0, 1.0)
    assert history.history["weighted_accuracy"][0] == pytest.approx((cw * hits).sum() / cw.sum(), rel=1e-6)
    assert history.history["accuracy"][0] == pytest.approx(hits.mean(), rel=1e-6)
    assert history.history["val_weighted_accuracy"][0] == pytest.approx((W * hits).sum() / W.sum(), rel=1e-6)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss", "val_weighted_accuracy",
                                       "weighted_accuracy"]


def test_weighted_metrics_are_compiled_and_saved(tmp_path):
    model = identity_model(weighted_metrics=["accuracy"])
    assert model.metrics_names == ["loss", "compile_metrics"]
    with pytest.raises(ValueError, match="Expected `weighted_metrics` argument to be a list, tuple, or dict"):
        model.compile(loss="mse", weighted_metrics="accuracy")
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse", weighted_metrics=["accuracy"])
    expected = model.evaluate(P, Y, sample_weight=W, verbose=0, return_dict=True)
    path = tmp_path / "w.dk"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.evaluate(P, Y, sample_weight=W, verbose=0, return_dict=True) == expected
    assert loaded._serialized()["compile_config"]["weighted_metrics"] == ["accuracy"]
    assert model._serialized()["compile_config"]["metrics"] is None
