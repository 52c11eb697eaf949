"""Metrics against Keras: keras/src/metrics/ and keras/src/trainers/compile_utils.py (resolution,
formulas, naming, streaming semantics), keras/src/trainers/trainer.py (epoch values, evaluate,
train_on_batch) and the history keys measured with Keras 3.15.1.

Every value is checked against an independent NumPy (or scikit-learn) reference.
"""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

import densekit as keras

EPS = 1e-7
RTOL, ATOL = 1e-5, 1e-6


# --------------------------------------------------------------------------------------------
# NumPy references
# --------------------------------------------------------------------------------------------

def f64(a):
    return np.asarray(a, dtype=np.float64)


def ref_binary_accuracy(y, p, threshold=0.5):
    return float(np.mean(f64(y) == (f64(p) > threshold)))


def ref_categorical_accuracy(y, p):
    return float(np.mean(np.argmax(y, -1) == np.argmax(p, -1)))


def ref_sparse_categorical_accuracy(y, p):
    return float(np.mean(np.asarray(y).reshape(-1) == np.argmax(p, -1)))


def ref_sparse_top_k(y, p, k=5):
    labels = np.asarray(y).reshape(-1).astype(int)
    target = p[np.arange(len(labels)), labels]
    rank = np.sum(p > target[:, None], axis=1)  # number of strictly larger scores
    return float(np.mean(rank < k))


def ref_top_k(y, p, k=5):
    return ref_sparse_top_k(np.argmax(y, -1), p, k)


def _per_sample(values):
    return np.mean(values, axis=-1)


def ref_mae(y, p):
    return float(np.mean(_per_sample(np.abs(f64(y) - f64(p)))))


def ref_mse(y, p):
    return float(np.mean(_per_sample((f64(y) - f64(p)) ** 2)))


def ref_rmse(y, p):
    return float(np.sqrt(np.mean((f64(y) - f64(p)) ** 2)))


def ref_mape(y, p):
    y, p = f64(y), f64(p)
    return float(np.mean(_per_sample(100.0 * np.abs(y - p) / np.maximum(np.abs(y), EPS))))


def ref_msle(y, p):
    y, p = f64(y), f64(p)
    return float(np.mean(_per_sample((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(y, EPS) + 1)) ** 2)))


def ref_bce(y, p):
    y = f64(y)
    p = np.clip(f64(p), EPS, float(np.float32(1 - EPS)))
    return float(np.mean(_per_sample(-(y * np.log(p) + (1 - y) * np.log(1 - p)))))


def _confusion(y, p, threshold):
    y = f64(y).reshape(-1) > 0.5
    pred = f64(p).reshape(-1) > threshold
    return np.sum(pred & y), np.sum(pred & ~y), np.sum(~pred & y)


def ref_precision(y, p, threshold=0.5):
    tp, fp, _ = _confusion(y, p, threshold)
    return float(tp / (tp + fp)) if tp + fp else 0.0


def ref_recall(y, p, threshold=0.5):
    tp, _, fn = _confusion(y, p, threshold)
    return float(tp / (tp + fn)) if tp + fn else 0.0


def ref_auc(y, p, num_thresholds=200):
    """ROC AUC, interpolation (trapezoid) over thresholds [-eps, 1/(n-1) .. (n-2)/(n-1), 1+eps]."""
    thr = np.array([-EPS] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1 + EPS])
    y = f64(y).reshape(-1) > 0.5
    pred = f64(p).reshape(-1)[None, :] > thr[:, None]
    tp = np.sum(pred & y, axis=1).astype(float)
    fp = np.sum(pred & ~y, axis=1).astype(float)
    fn = np.sum(~pred & y, axis=1).astype(float)
    tn = np.sum(~pred & ~y, axis=1).astype(float)
    tpr = np.divide(tp, tp + fn, out=np.zeros_like(tp), where=(tp + fn) > 0)
    fpr = np.divide(fp, fp + tn, out=np.zeros_like(fp), where=(fp + tn) > 0)
    return float(np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2))


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------

def binary_data(seed, n=300):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, 1)) < 0.45).astype(np.float32)
    # informative but noisy scores, a few exactly on the threshold 0.5 and on 0.25
    p = np.clip(0.35 * y + 0.65 * rng.random((n, 1)), 0, 1).astype(np.float32)
    p[::17] = 0.5
    p[5::23] = 0.25
    return y, p


def onehot_data(seed, n=250, k=7):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, size=n)
    logits = rng.normal(size=(n, k)) + 1.2 * np.eye(k)[labels]
    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    return np.eye(k, dtype=np.float32)[labels], p.astype(np.float32)


def sparse_data(seed, n=250, k=7):
    y, p = onehot_data(seed, n, k)
    return np.argmax(y, -1).astype(np.float32), p


def sparse_col_data(seed, n=250, k=7):
    y, p = sparse_data(seed, n, k)
    return y.reshape(-1, 1), p


def regression_data(seed, n=200, u=3):
    rng = np.random.default_rng(seed)
    y = rng.uniform(0.2, 3.0, size=(n, u)).astype(np.float32)
    p = (y + rng.normal(scale=0.5, size=(n, u))).astype(np.float32)
    return y, p


def positive_regression_data(seed, n=200, u=3):
    y, p = regression_data(seed, n, u)
    return y, np.abs(p).astype(np.float32)


M = keras.metrics
STANDALONE = {
    "binary_accuracy": (lambda: M.BinaryAccuracy(), ref_binary_accuracy, binary_data),
    "binary_accuracy_t025": (lambda: M.BinaryAccuracy(threshold=0.25),
                             lambda y, p: ref_binary_accuracy(y, p, 0.25), binary_data),
    "categorical_accuracy": (lambda: M.CategoricalAccuracy(), ref_categorical_accuracy, onehot_data),
    "sparse_categorical_accuracy": (lambda: M.SparseCategoricalAccuracy(), ref_sparse_categorical_accuracy,
                                    sparse_data),
    "sparse_categorical_accuracy_col": (lambda: M.SparseCategoricalAccuracy(), ref_sparse_categorical_accuracy,
                                        sparse_col_data),
    "top_k_default": (lambda: M.TopKCategoricalAccuracy(), ref_top_k, onehot_data),
    "top_k_2": (lambda: M.TopKCategoricalAccuracy(k=2), lambda y, p: ref_top_k(y, p, 2), onehot_data),
    "sparse_top_k_default": (lambda: M.SparseTopKCategoricalAccuracy(), ref_sparse_top_k, sparse_data),
    "sparse_top_k_3": (lambda: M.SparseTopKCategoricalAccuracy(k=3), lambda y, p: ref_sparse_top_k(y, p, 3),
                       sparse_data),
    "mae": (lambda: M.MeanAbsoluteError(), ref_mae, regression_data),
    "mse": (lambda: M.MeanSquaredError(), ref_mse, regression_data),
    "rmse": (lambda: M.RootMeanSquaredError(), ref_rmse, regression_data),
    "mape": (lambda: M.MeanAbsolutePercentageError(), ref_mape, regression_data),
    "msle": (lambda: M.MeanSquaredLogarithmicError(), ref_msle, regression_data),
    "precision": (lambda: M.Precision(), ref_precision, binary_data),
    "precision_t03": (lambda: M.Precision(thresholds=0.3), lambda y, p: ref_precision(y, p, 0.3), binary_data),
    "recall": (lambda: M.Recall(), ref_recall, binary_data),
    "recall_t07": (lambda: M.Recall(thresholds=0.7), lambda y, p: ref_recall(y, p, 0.7), binary_data),
    "auc": (lambda: M.AUC(), ref_auc, binary_data),
    "auc_11": (lambda: M.AUC(num_thresholds=11), lambda y, p: ref_auc(y, p, 11), binary_data),
}


def assert_close(actual, expected, rtol=RTOL, atol=ATOL):
    assert float(actual) == pytest.approx(expected, rel=rtol, abs=atol)


# --------------------------------------------------------------------------------------------
# 4. standalone metrics
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", list(STANDALONE))
def test_standalone_result_matches_numpy(case):
    factory, ref, data = STANDALONE[case]
    y, p = data(seed=1)
    m = factory()
    m.update_state(y, p)
    expected = ref(y, p)
    assert 0.0 < expected  # sanity: non-degenerate data
    assert_close(m.result(), expected)


@pytest.mark.parametrize("case", list(STANDALONE))
def test_streaming_equals_single_update_and_reset(case):
    factory, ref, data = STANDALONE[case]
    y, p = data(seed=2)
    streamed = factory()
    for lo, hi in [(0, 7), (7, 100), (100, 101), (101, len(y))]:
        streamed.update_state(y[lo:hi], p[lo:hi])
    once = factory()
    once.update_state(y, p)
    assert_close(streamed.result(), float(once.result()), rtol=1e-6, atol=1e-7)
    assert_close(streamed.result(), ref(y, p))

    # reset_state: the next result only reflects data seen after the reset
    y2, p2 = data(seed=3)
    streamed.reset_state()
    streamed.update_state(y2[:60], p2[:60])
    assert_close(streamed.result(), ref(y2[:60], p2[:60]))
    assert abs(ref(y2[:60], p2[:60]) - ref(np.concatenate([y, y2[:60]]), np.concatenate([p, p2[:60]]))) > 1e-4


def test_binary_accuracy_threshold_is_strict():
    m = M.BinaryAccuracy()
    m.update_state(np.array([[1.0], [0.0], [1.0], [0.0]]), np.array([[0.5], [0.5], [0.51], [0.49]]))
    assert_close(m.result(), 0.75)  # p == 0.5 is predicted negative


def test_precision_recall_threshold_is_strict():
    y = np.array([[1.0], [0.0], [1.0], [1.0]])
    p = np.array([[0.5], [0.5], [0.9], [0.2]])
    prec, rec = M.Precision(), M.Recall()
    prec.update_state(y, p)
    rec.update_state(y, p)
    assert_close(prec.result(), 1.0)       # only 0.9 is positive
    assert_close(rec.result(), 1.0 / 3.0)


def test_auc_against_sklearn():
    rng = np.random.default_rng(4)
    y = (rng.random((800, 1)) < 0.4).astype(np.float32)
    p = (1 / (1 + np.exp(-(1.5 * y - 0.75 + rng.normal(size=y.shape))))).astype(np.float32)
    m = M.AUC()
    m.update_state(y, p)
    exact = roc_auc_score(y.ravel(), p.ravel())
    assert 0.6 < exact < 0.95
    assert abs(float(m.result()) - exact) < 1e-2
    assert_close(m.result(), ref_auc(y, p))


def test_auc_coarse_thresholds_use_interpolated_trapezoid():
    y, p = binary_data(seed=5)
    m = M.AUC(num_thresholds=5)
    m.update_state(y, p)
    expected = ref_auc(y, p, 5)
    assert abs(expected - roc_auc_score(y.ravel(), p.ravel())) > 5e-3  # differs from the exact AUC
    assert_close(m.result(), expected)


def test_auc_from_logits_applies_sigmoid():
    rng = np.random.default_rng(6)
    y = (rng.random((300, 1)) < 0.5).astype(np.float32)
    logits = (2 * y - 1 + 1.5 * rng.normal(size=y.shape)).astype(np.float32)
    probs = (1 / (1 + np.exp(-logits.astype(np.float64)))).astype(np.float32)
    m = M.AUC(from_logits=True)
    m.update_state(y, logits)
    assert_close(m.result(), ref_auc(y, probs), atol=1e-5)
    assert abs(ref_auc(y, probs) - ref_auc(y, np.clip(logits, 0, 1))) > 1e-3


def test_mean_metric_sample_weight_is_weighted_mean():
    y, p = regression_data(seed=7, n=40)
    w = np.random.default_rng(7).uniform(0, 3, size=40).astype(np.float32)
    m = M.MeanAbsoluteError()
    m.update_state(y, p, sample_weight=w)
    per = np.mean(np.abs(f64(y) - f64(p)), axis=-1)
    expected = float(np.sum(w * per) / np.sum(w))
    assert abs(expected - ref_mae(y, p)) > 1e-3
    assert_close(m.result(), expected)


# --------------------------------------------------------------------------------------------
# metrics inside compile: evaluate / fit values
# --------------------------------------------------------------------------------------------

def dense_model(d, units, activation=None, seed=0, scale=0.7):
    rng = np.random.default_rng(seed)
    model = keras.Sequential([keras.Input((d,)), keras.layers.Dense(units, activation=activation)])
    model.set_weights([(rng.normal(size=(d, units)) * scale).astype(np.float32),
                       (rng.normal(size=(units,)) * 0.1).astype(np.float32)])
    return model


def test_compiled_regression_metrics_evaluate():
    rng = np.random.default_rng(10)
    x = rng.normal(size=(70, 4)).astype(np.float32)
    y = rng.uniform(0.2, 3.0, size=(70, 3)).astype(np.float32)
    model = dense_model(4, 3, seed=10)
    model.compile(optimizer="sgd", loss="mse",
                  metrics=["mae", "mse", "root_mean_squared_error", "mape", "msle"])
    out = model.evaluate(x, y, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    assert sorted(out) == sorted(["loss", "mae", "mape", "root_mean_squared_error", "mse", "msle"])
    assert (p < 0).any()  # exercises the msle clamp
    assert_close(out["loss"], ref_mse(y, p))
    assert_close(out["mae"], ref_mae(y, p))
    assert_close(out["mse"], ref_mse(y, p))
    assert_close(out["root_mean_squared_error"], ref_rmse(y, p))
    assert_close(out["mape"], ref_mape(y, p))
    assert_close(out["msle"], ref_msle(y, p))


def test_compiled_binary_metrics_evaluate():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(90, 5)).astype(np.float32)
    y = (x[:, :1] + 0.8 * rng.normal(size=(90, 1)) > 0).astype(np.float32)
    model = dense_model(5, 1, activation="sigmoid", seed=11)
    model.compile(optimizer="sgd", loss="binary_crossentropy",
                  metrics=["binary_accuracy", "precision", "recall", "auc", "binary_crossentropy"])
    out = model.evaluate(x, y, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    assert_close(out["binary_accuracy"], ref_binary_accuracy(y, p))
    assert_close(out["precision"], ref_precision(y, p))
    assert_close(out["recall"], ref_recall(y, p))
    assert_close(out["auc"], ref_auc(y, p))
    assert_close(out["binary_crossentropy"], ref_bce(y, p))
    assert_close(out["loss"], ref_bce(y, p))


def test_compiled_categorical_metrics_evaluate():
    rng = np.random.default_rng(12)
    x = rng.normal(size=(80, 6)).astype(np.float32)
    labels = rng.integers(0, 8, size=80)
    y = np.eye(8, dtype=np.float32)[labels]
    model = dense_model(6, 8, activation="softmax", seed=12, scale=1.5)
    model.compile(optimizer="sgd", loss="categorical_crossentropy",
                  metrics=["categorical_accuracy", "top_k_categorical_accuracy",
                           M.TopKCategoricalAccuracy(k=2, name="top2")])
    out = model.evaluate(x, y, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    assert_close(out["categorical_accuracy"], ref_categorical_accuracy(y, p))
    assert_close(out["top_k_categorical_accuracy"], ref_top_k(y, p, 5))
    assert_close(out["top2"], ref_top_k(y, p, 2))

    model = dense_model(6, 8, activation="softmax", seed=12, scale=1.5)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=["sparse_categorical_accuracy", M.SparseTopKCategoricalAccuracy(k=3, name="stop3")])
    out = model.evaluate(x, labels.astype(np.float32), verbose=0, return_dict=True)
    assert_close(out["sparse_categorical_accuracy"], ref_sparse_categorical_accuracy(labels, p))
    assert_close(out["stop3"], ref_sparse_top_k(labels, p, 3))


def test_epoch_metrics_are_streaming_sample_means_frozen_weights():
    """SGD(learning_rate=0.0): weights never change, so the epoch metrics are the data-set values
    (batches 16,16,16,2 — a mean of batch means would differ)."""
    rng = np.random.default_rng(13)
    x = rng.normal(size=(50, 4)).astype(np.float32)
    y = rng.normal(size=(50, 2)).astype(np.float32)
    model = dense_model(4, 2, seed=13)
    w0 = model.get_weights()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse",
                  metrics=["mae", M.RootMeanSquaredError()])
    h = model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), w0):
        np.testing.assert_array_equal(a, b)
    p = (f64(x) @ f64(w0[0]) + f64(w0[1]))
    batches = [(0, 16), (16, 32), (32, 48), (48, 50)]
    naive = np.mean([ref_mae(y[a:b], p[a:b]) for a, b in batches])
    assert abs(naive - ref_mae(y, p)) > 1e-3
    for epoch in range(2):
        assert_close(h.history["mae"][epoch], ref_mae(y, p))
        assert_close(h.history["loss"][epoch], ref_mse(y, p))
        assert_close(h.history["root_mean_squared_error"][epoch], ref_rmse(y, p))
    ev = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    assert_close(ev["mae"], h.history["mae"][0])


def test_epoch_metrics_use_pre_update_training_forward_pass():
    """With a real update per batch, the epoch MAE accumulates each batch's pre-update predictions."""
    rng = np.random.default_rng(14)
    x = rng.normal(size=(20, 3)).astype(np.float32)
    y = rng.normal(size=(20, 2)).astype(np.float32)
    model = dense_model(3, 2, seed=14)
    w, b = [f64(a) for a in model.get_weights()]
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.2), loss="mse", metrics=["mae"])
    h = model.fit(x, y, batch_size=6, epochs=1, verbose=0, shuffle=False)
    abs_sum = sq_sum = 0.0
    for lo in range(0, 20, 6):
        xb, yb = f64(x[lo:lo + 6]), f64(y[lo:lo + 6])
        pb = xb @ w + b
        abs_sum += np.sum(np.mean(np.abs(pb - yb), -1))
        sq_sum += np.sum(np.mean((pb - yb) ** 2, -1))
        dp = 2 * (pb - yb) / pb.size
        w, b = w - 0.2 * xb.T @ dp, b - 0.2 * dp.sum(0)
    assert_close(h.history["mae"][0], abs_sum / 20)
    assert_close(h.history["loss"][0], sq_sum / 20)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5, atol=1e-6)


def test_train_on_batch_resets_metrics_first():
    rng = np.random.default_rng(15)
    x = rng.normal(size=(10, 3)).astype(np.float32)
    y = rng.normal(size=(10, 2)).astype(np.float32)
    model = dense_model(3, 2, seed=15)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse", metrics=["mae"])
    p = model.predict(x, verbose=0)
    model.train_on_batch(x[:4], y[:4])
    loss, mae = model.train_on_batch(x[4:], y[4:])
    assert_close(mae, ref_mae(y[4:], p[4:]))
    assert_close(loss, ref_mse(y[4:], p[4:]))
    assert abs(ref_mae(y[4:], p[4:]) - ref_mae(y, p)) > 1e-3


# --------------------------------------------------------------------------------------------
# 5. "accuracy" resolution by shapes (keras/src/trainers/compile_utils.py)
# --------------------------------------------------------------------------------------------

def _fit_keys_and_eval(model, x, y, metric_string, loss):
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss=loss, metrics=[metric_string])
    h = model.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
    out = model.evaluate(x, y, verbose=0, return_dict=True)
    return sorted(h.history), h.history, out


@pytest.mark.parametrize("name", ["accuracy", "acc", "Accuracy", "ACC"])
def test_accuracy_resolves_binary_for_single_unit(name):
    rng = np.random.default_rng(20)
    x = rng.normal(size=(60, 4)).astype(np.float32)
    y = (rng.random((60, 1)) < 0.3).astype(np.float32)
    model = dense_model(4, 1, activation="sigmoid", seed=20)
    keys, hist, out = _fit_keys_and_eval(model, x, y, name, "binary_crossentropy")
    assert keys == sorted(["loss", name])
    p = model.predict(x, verbose=0)
    expected = ref_binary_accuracy(y, p)
    # distinguishable from the sparse (y == argmax = 0) and categorical (always 1) readings
    assert abs(expected - np.mean(y == 0)) > 1e-3 and abs(expected - 1.0) > 1e-3
    assert_close(out[name], expected)
    assert_close(hist[name][0], expected)


def test_accuracy_binary_wins_for_logit_output():
    """Dense(1) without activation still gets BinaryAccuracy with threshold 0.5."""
    rng = np.random.default_rng(21)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (rng.random((64, 1)) < 0.5).astype(np.float32)
    model = dense_model(3, 1, seed=21)
    _, _, out = _fit_keys_and_eval(model, x, y, "accuracy", "mse")
    p = model.predict(x, verbose=0)
    assert abs(ref_binary_accuracy(y, p, 0.5) - ref_binary_accuracy(y, p, 0.0)) > 1e-3
    assert_close(out["accuracy"], ref_binary_accuracy(y, p, 0.5))


@pytest.mark.parametrize("label_shape", ["flat", "column"])
def test_accuracy_resolves_sparse_for_integer_labels(label_shape):
    rng = np.random.default_rng(22)
    x = rng.normal(size=(60, 4)).astype(np.float32)
    labels = rng.integers(0, 5, size=60).astype(np.float32)
    y = labels if label_shape == "flat" else labels.reshape(-1, 1)
    model = dense_model(4, 5, activation="softmax", seed=22, scale=1.5)
    keys, _, out = _fit_keys_and_eval(model, x, y, "accuracy", "sparse_categorical_crossentropy")
    assert keys == ["accuracy", "loss"]
    p = model.predict(x, verbose=0)
    expected = ref_sparse_categorical_accuracy(labels, p)
    assert abs(expected - np.mean(np.argmax(p, -1) == 0)) > 1e-3  # a categorical reading of (N,1)
    assert_close(out["accuracy"], expected)


def test_accuracy_resolves_categorical_for_one_hot():
    rng = np.random.default_rng(23)
    x = rng.normal(size=(60, 4)).astype(np.float32)
    labels = rng.integers(0, 5, size=60)
    y = np.eye(5, dtype=np.float32)[labels]
    model = dense_model(4, 5, activation="softmax", seed=23, scale=1.5)
    keys, _, out = _fit_keys_and_eval(model, x, y, "acc", "categorical_crossentropy")
    assert keys == ["acc", "loss"]
    p = model.predict(x, verbose=0)
    expected = ref_categorical_accuracy(y, p)
    assert abs(expected - ref_binary_accuracy(y, p)) > 1e-3
    assert_close(out["acc"], expected)


# --------------------------------------------------------------------------------------------
# 5. naming rules (keras/src/trainers/compile_utils.py, keras/src/utils/naming.py) and the
# history keys measured with Keras 3.15.1
# --------------------------------------------------------------------------------------------

def _reg_data(n=40):
    rng = np.random.default_rng(30)
    return rng.normal(size=(n, 3)).astype(np.float32), rng.uniform(0.5, 2, size=(n, 2)).astype(np.float32)


def _history_keys(metrics, validation=False):
    x, y = _reg_data()
    model = dense_model(3, 2, seed=30)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse", metrics=metrics)
    kw = {"validation_data": (x[:10], y[:10])} if validation else {}
    h = model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False, **kw)
    return list(h.history)


@pytest.mark.parametrize("metric,key", [
    ("mae", "mae"), ("MAE", "MAE"), ("mse", "mse"), ("mape", "mape"), ("msle", "msle"),
    ("mean_absolute_error", "mean_absolute_error"), ("mean_squared_error", "mean_squared_error"),
    ("RootMeanSquaredError", "RootMeanSquaredError"), ("root_mean_squared_error", "root_mean_squared_error"),
    ("MeanAbsoluteError()", "mean_absolute_error"), ("MeanSquaredError()", "mean_squared_error"),
    ("RootMeanSquaredError()", "root_mean_squared_error"),
    ("MeanAbsolutePercentageError()", "mean_absolute_percentage_error"),
])
def test_metric_key_names(metric, key):
    keras.backend.clear_session()
    if metric.endswith("()"):
        metric = getattr(M, metric[:-2])()
    keys = _history_keys([metric], validation=True)
    assert keys == sorted(["loss", key, "val_loss", "val_" + key])


def test_string_key_values_match_reference():
    """'mae' and 'mean_absolute_error' are the same metric under two names."""
    x, y = _reg_data()
    model = dense_model(3, 2, seed=31)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse",
                  metrics=["mae", "mean_absolute_error", "RootMeanSquaredError"])
    out = model.evaluate(x, y, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    assert_close(out["mae"], ref_mae(y, p))
    assert_close(out["mean_absolute_error"], ref_mae(y, p))
    assert_close(out["RootMeanSquaredError"], ref_rmse(y, p))


def test_rmse_string_is_not_recognised():
    x, y = _reg_data()
    model = dense_model(3, 2, seed=32)
    with pytest.raises(ValueError, match="rmse"):
        model.compile(optimizer="sgd", loss="mse", metrics=["rmse"])
        model.fit(x, y, epochs=1, verbose=0)


def test_bare_string_metrics_raises():
    x, y = _reg_data()
    model = dense_model(3, 2, seed=33)
    with pytest.raises(ValueError):
        model.compile(optimizer="sgd", loss="mse", metrics="accuracy")
        model.fit(x, y, epochs=1, verbose=0)


def test_duplicate_metric_names_get_suffixes():
    keras.backend.clear_session()
    assert _history_keys(["mae", "mae", "mae"]) == ["loss", "mae", "mae_1", "mae_2"]
    keras.backend.clear_session()
    assert _history_keys([M.MeanAbsoluteError(), "mean_absolute_error"]) == \
        ["loss", "mean_absolute_error", "mean_absolute_error_1"]


def test_metric_instance_auto_names_and_clear_session():
    keras.backend.clear_session()
    assert M.Precision().name == "precision"
    assert M.Precision().name == "precision_1"
    assert M.Recall().name == "recall"
    assert M.AUC().name == "auc"
    assert M.Precision(name="custom").name == "custom"
    assert M.Precision().name == "precision_2"
    assert M.MeanAbsoluteError().name == "mean_absolute_error"
    assert M.MeanAbsoluteError().name == "mean_absolute_error"  # a default name is not made unique
    keras.backend.clear_session()
    assert M.Precision().name == "precision"
    assert M.AUC().name == "auc"


def test_spec15_history_keys_vector():
    keras.backend.clear_session()
    rng = np.random.default_rng(34)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = (x[:, :1] + rng.normal(size=(64, 1)) > 0).astype(np.float32)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=["acc", M.Precision(), M.Recall(), M.AUC(), M.Precision()])
    h = model.fit(x[:48], y[:48], validation_data=(x[48:], y[48:]), epochs=2, batch_size=16, verbose=0)
    assert list(h.history) == ['acc', 'auc', 'loss', 'precision', 'precision_1', 'recall', 'val_acc', 'val_auc',
                               'val_loss', 'val_precision', 'val_precision_1', 'val_recall']
    assert all(len(v) == 2 for v in h.history.values())
    # the two Precision() instances compute the same thing
    assert h.history["precision"] == pytest.approx(h.history["precision_1"])
    # validation values equal a fresh evaluate on the validation data (weights unchanged since)
    ev = model.evaluate(x[48:], y[48:], verbose=0, return_dict=True)
    p = model.predict(x[48:], verbose=0)
    for key in ["acc", "auc", "loss", "precision", "recall"]:
        assert_close(h.history["val_" + key][-1], ev[key])
    assert_close(ev["acc"], ref_binary_accuracy(y[48:], p))
    assert_close(ev["auc"], ref_auc(y[48:], p))
    assert_close(ev["precision"], ref_precision(y[48:], p))
    assert_close(ev["recall"], ref_recall(y[48:], p))
