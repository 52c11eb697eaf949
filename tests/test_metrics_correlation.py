"""PearsonCorrelation and ConcordanceCorrelation (keras/src/metrics/correlation_metrics.py):
each sample's correlation of its targets and outputs across the outputs, averaged over samples
with their weights, with Keras's formulas, against an independent float64 reference."""

import json

import numpy as np
import pytest

import densekit as keras
from keras_live import run_keras

M = keras.metrics
Y_TRUE = np.array([[0, 1, 0.5], [1, 1, 0.2]], np.float32)  # the example in Keras's docstrings
Y_PRED = np.array([[0.1, 0.9, 0.5], [1, 0.9, 0.2]], np.float32)


def pearson_reference(y, p):
    y, p = y.astype(np.float64), p.astype(np.float64)
    yc, pc = y - y.mean(-1, keepdims=True), p - p.mean(-1, keepdims=True)
    return (yc * pc).mean(-1) / (yc.std(-1) * pc.std(-1))


def concordance_reference(y, p):
    # Keras's covariance term subtracts the outputs' mean from the targets too.
    y, p = y.astype(np.float64), p.astype(np.float64)
    ym, pm = y.mean(-1, keepdims=True), p.mean(-1, keepdims=True)
    norm = y.var(-1, keepdims=True) + p.var(-1, keepdims=True) + (ym - pm) ** 2
    return (2 * (y - pm) * (p - pm) / (norm + 1e-7)).mean(-1)


def test_functions_give_kerass_values():
    np.testing.assert_allclose(M.pearson_correlation(Y_TRUE, Y_PRED), [1.0, 0.99339927], rtol=1e-6)
    np.testing.assert_allclose(M.concordance_correlation(Y_TRUE, Y_PRED), [0.97560976, 0.98765432], rtol=1e-6)
    constant = M.pearson_correlation(np.ones((2, 3)), Y_PRED)  # no spread: NaN, as in Keras
    assert np.isnan(constant).all()
    with pytest.raises(ValueError, match="axis -1"):
        M.pearson_correlation(Y_TRUE, Y_PRED, axis=0)


@pytest.mark.parametrize("cls, fn, reference", [
    (M.PearsonCorrelation, M.pearson_correlation, pearson_reference),
    (M.ConcordanceCorrelation, M.concordance_correlation, concordance_reference),
])
def test_weighted_mean_over_samples_in_fit_evaluate_and_alone(cls, fn, reference):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(70, 4)).astype(np.float32)
    y = (x[:, :3] * [1.0, 2.0, -1.0] + rng.normal(size=(70, 3))).astype(np.float32)
    w = rng.uniform(0.1, 2.0, size=70).astype(np.float32)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile("sgd", "mse", metrics=[cls()], weighted_metrics=[fn])
    logs = model.evaluate(x, y, sample_weight=w, batch_size=16, verbose=0, return_dict=True)
    expected = np.average(reference(y, model.predict(x, verbose=0)), weights=w)
    name = cls().name  # the weighted function's name clashes: weighted_<name>, as in Keras
    unweighted = reference(y, model.predict(x, verbose=0)).mean()
    np.testing.assert_allclose([logs[name], logs[f"weighted_{name}"]], [unweighted, expected], rtol=1e-5)
    alone = cls()
    alone.update_state(y[:30], model.predict(x[:30], verbose=0), sample_weight=w[:30])
    alone.update_state(y[30:], model.predict(x[30:], verbose=0), sample_weight=w[30:])
    np.testing.assert_allclose(float(alone.result()), expected, rtol=1e-5)
    assert alone.get_config() == {"name": name, "dtype": "float32", "axis": -1}
    history = model.fit(x, y, epochs=2, verbose=0)
    assert np.isfinite(history.history[name]).all()


def test_direction_and_strings_and_refusals():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile("sgd", "mse", metrics=["pearson_correlation", "ConcordanceCorrelation"])
    x = np.random.default_rng(0).normal(size=(8, 4)).astype(np.float32)
    logs = model.evaluate(x, x[:, :3], verbose=0, return_dict=True)
    assert set(logs) == {"loss", "pearson_correlation", "ConcordanceCorrelation"}
    for monitor in ("pearson_correlation", "ConcordanceCorrelation"):
        stop = keras.callbacks.EarlyStopping(monitor=monitor)  # mode "auto": up, as Keras's _direction
        stop.set_model(model)
        stop._set_monitor_op()
        assert stop.monitor_op(2.0, 1.0) and not stop.monitor_op(1.0, 2.0)
    with pytest.raises(ValueError, match="axis"):
        M.PearsonCorrelation(axis=0)
    with pytest.raises(ValueError, match="last axis"):
        M.MeanMetricWrapper(M.concordance_correlation, axis=0)


def test_saved_and_loaded_with_the_model(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20, 4)).astype(np.float32)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile("sgd", "mse", metrics=[M.PearsonCorrelation(name="pc"), M.concordance_correlation])
    before = model.evaluate(x, x[:, :3], verbose=0, return_dict=True)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.evaluate(x, x[:, :3], verbose=0, return_dict=True) == before


KERAS_SCRIPT = """
import json, sys
import numpy as np
import keras
keras.utils.set_random_seed(0)
x = np.linspace(-1, 1, 40).reshape(10, 4).astype("float32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, kernel_initializer="glorot_uniform")])
model.compile("sgd", "mse", metrics=[keras.metrics.PearsonCorrelation(), keras.metrics.ConcordanceCorrelation()])
model.save(sys.argv[1])
print(json.dumps(model.evaluate(x, np.sin(x[:, :3] * 3), verbose=0, return_dict=True)))
"""


def test_a_keras_file_compiled_with_them_loads(tmp_path):
    path = tmp_path / "k.keras"
    expected = run_keras(KERAS_SCRIPT, path)
    loaded = keras.models.load_model(path)
    x = np.linspace(-1, 1, 40).reshape(10, 4).astype(np.float32)
    logs = loaded.evaluate(x, np.sin(x[:, :3] * 3), verbose=0, return_dict=True)
    assert set(logs) == set(expected)
    for key in expected:
        # (absolute too: with other weights a correlation near 0 failed a relative test alone)
        np.testing.assert_allclose(logs[key], expected[key], rtol=1e-5, atol=1e-6)
    assert json.loads(json.dumps(loaded.get_compile_config()))["metrics"][0]["class_name"] == "PearsonCorrelation"


def test_values_are_taken_along_the_last_axis_whatever_the_rank():
    """Keras correlates along the last axis: a 1-D pair is one sample (it gave NaN for each of
    three one-value samples here), a 3-D pair one value per leading index. Keras 3.15.1 gave
    0.8660254 and 0.6666666 for the 1-D pair below."""
    a, b = np.float32([1, 2, 3]), np.float32([1, 2, 2])
    assert np.asarray(M.pearson_correlation(a, b)).shape == ()
    assert float(M.pearson_correlation(a, b)) == pytest.approx(0.8660254, abs=1e-6)
    assert float(M.concordance_correlation(a, b)) == pytest.approx(0.6666666, abs=1e-6)
    for cls, value in ((M.PearsonCorrelation, 0.8660254), (M.ConcordanceCorrelation, 0.6666666)):
        metric = cls()
        metric.update_state(a, b)
        assert float(metric.result()) == pytest.approx(value, abs=1e-6)

    rng = np.random.default_rng(0)
    x, y = rng.random((2, 3, 4), dtype=np.float32), rng.random((2, 3, 4), dtype=np.float32)
    for fn, reference in ((M.pearson_correlation, pearson_reference),
                          (M.concordance_correlation, concordance_reference)):
        values = fn(x, y)
        assert values.shape == (2, 3)
        np.testing.assert_allclose(values, reference(x, y), rtol=1e-5, atol=1e-6)
    metric = M.ConcordanceCorrelation()
    metric.update_state(x, y)
    assert float(metric.result()) == pytest.approx(concordance_reference(x, y).mean(), abs=1e-6)
