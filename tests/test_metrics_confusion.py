"""Confusion-count metrics against Keras's formulas (keras/src/metrics/confusion_metrics.py and
metrics_utils.py): TruePositives & co., AUC (ROC and PR, every summation method, multi-label) and
the rate-at-rate metrics. Each reference below is float64 NumPy written from Keras's source."""

import numpy as np
import pytest

import densekit as keras
from file_helpers import requires_h5py

M = keras.metrics
EPS = 1e-7


# --------------------------------------------------------------------------------------------
# NumPy references
# --------------------------------------------------------------------------------------------

def div_no_nan(a, b):
    a, b = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64))
    return np.where(b != 0, a / np.where(b != 0, b, 1.0), 0.0)


def ref_counts(y, p, thresholds, w=None, per_label=False):
    """(tp, fp, tn, fn), each (thresholds,) or (thresholds, labels): prediction > threshold is positive."""
    y, p = np.asarray(y, np.float64), np.asarray(p, np.float64)
    if y.ndim == 1:
        y, p = y[:, None], p[:, None]
    w = np.ones(len(y)) if w is None else np.asarray(w, np.float64)
    w = np.broadcast_to(w[:, None], y.shape)
    pos = y != 0
    out = []
    for cond in ("tp", "fp", "tn", "fn"):
        rows = []
        for t in thresholds:
            pred = p > t
            mask = {"tp": pos & pred, "fp": ~pos & pred, "tn": ~pos & ~pred, "fn": pos & ~pred}[cond]
            rows.append((w * mask).sum(axis=0) if per_label else (w * mask).sum())
        out.append(np.array(rows))
    return out


def auc_thresholds(n):
    return [-EPS] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1 + EPS]


def ref_auc(y, p, n=200, curve="ROC", summation="interpolation", w=None, multi_label=False):
    tp, fp, tn, fn = ref_counts(y, p, auc_thresholds(n), w, per_label=multi_label)
    if curve == "PR" and summation == "interpolation":
        dtp = tp[:-1] - tp[1:]
        pp = tp + fp
        slope = div_no_nan(dtp, np.maximum(pp[:-1] - pp[1:], 0))
        intercept = tp[1:] - slope * pp[1:]
        ratio = np.where((pp[:-1] > 0) & (pp[1:] > 0), div_no_nan(pp[:-1], np.maximum(pp[1:], 0)), 1.0)
        area = div_no_nan(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0)).sum(axis=0)
        return float(np.mean(area))
    recall = div_no_nan(tp, tp + fn)
    if curve == "ROC":
        x, yy = div_no_nan(fp, fp + tn), recall
    else:
        x, yy = recall, div_no_nan(tp, tp + fp)
    heights = {"interpolation": (yy[:-1] + yy[1:]) / 2, "minoring": np.minimum(yy[:-1], yy[1:]),
               "majoring": np.maximum(yy[:-1], yy[1:])}[summation]
    return float(np.mean(((x[:-1] - x[1:]) * heights).sum(axis=0)))


def at_thresholds(n):
    return [0.5] if n == 1 else [0.0] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1.0]


def ref_at(kind, value, y, p, n=200, w=None, class_id=None):
    if class_id is not None:
        y, p = np.asarray(y)[:, class_id], np.asarray(p)[:, class_id]
    tp, fp, tn, fn = ref_counts(y, p, at_thresholds(n), w)
    sens, spec, prec = div_no_nan(tp, tp + fn), div_no_nan(tn, tn + fp), div_no_nan(tp, tp + fp)
    constrained, dependent = {"SensitivityAtSpecificity": (spec, sens), "SpecificityAtSensitivity": (sens, spec),
                              "PrecisionAtRecall": (sens, prec), "RecallAtPrecision": (prec, sens)}[kind]
    return float(np.max(np.where(constrained >= value, dependent, 0.0), initial=0.0))


def data(seed, rows=40, cols=1):
    rng = np.random.default_rng(seed)
    y = (rng.random((rows, cols)) < 0.4).astype(np.float32)
    # Scores correlated with the labels, on a grid that avoids sitting exactly on a threshold.
    p = np.clip(0.35 * y + 0.65 * rng.random((rows, cols)), 0.003, 0.997).astype(np.float32)
    w = rng.uniform(0.2, 2.0, rows).astype(np.float32)
    return y, p, w


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a, np.float64), b, rtol=tol, atol=tol)


# --------------------------------------------------------------------------------------------
# TruePositives, FalsePositives, TrueNegatives, FalseNegatives
# --------------------------------------------------------------------------------------------

COUNTS = [(M.TruePositives, 0, "true_positives"), (M.FalsePositives, 1, "false_positives"),
          (M.TrueNegatives, 2, "true_negatives"), (M.FalseNegatives, 3, "false_negatives")]


@pytest.mark.parametrize("cls,index,name", COUNTS)
def test_counts_default_threshold_is_half_and_weighted(cls, index, name):
    y, p, w = data(1, cols=3)
    m = cls()
    assert m.name.startswith(name)
    m.update_state(y, p, sample_weight=w)
    result = m.result()
    assert np.ndim(result) == 0
    close(result, ref_counts(y, p, [0.5], w)[index][0])
    m.update_state(y[:5], p[:5])  # streaming: adds
    close(m.result(), ref_counts(y, p, [0.5], w)[index][0] + ref_counts(y[:5], p[:5], [0.5])[index][0])
    m.reset_state()
    assert m.result() == 0.0


@pytest.mark.parametrize("cls,index,name", COUNTS)
def test_counts_threshold_list_gives_an_array(cls, index, name):
    y, p, w = data(2)
    thresholds = [0.1, 0.35, 0.5, 0.9]
    m = cls(thresholds=thresholds)
    m.update_state(y, p, w)
    result = m.result()
    assert result.shape == (4,) and result.dtype == np.float32
    close(result, ref_counts(y, p, thresholds, w)[index])
    one = cls(thresholds=[0.35])  # a one-element list: a scalar, as Keras returns it
    one.update_state(y, p, w)
    assert np.ndim(one.result()) == 0
    close(one.result(), ref_counts(y, p, [0.35], w)[index][0])
    single = cls(thresholds=0.35)
    single.update_state(y, p, w)
    close(single.result(), one.result())


def test_counts_docstring_values():
    m = M.TruePositives()
    m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    assert m.result() == 2.0
    m = M.FalseNegatives()
    m.update_state([0, 1, 1, 1], [0, 1, 0, 0], sample_weight=[0, 0, 1, 0])
    assert m.result() == 1.0


def test_counts_refuse_thresholds_outside_unit_interval():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        M.TruePositives(thresholds=[0.2, 1.5])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        M.FalsePositives(thresholds=-0.1)


def test_counts_strings_name_the_metric_as_given():
    from densekit.trainers.compile_utils import metric_core  # what compile() makes of a string
    for alias in ("true_positives", "TruePositives", "false_negatives", "TrueNegatives", "FalsePositives"):
        core = metric_core(alias)
        assert core.name == alias


# --------------------------------------------------------------------------------------------
# AUC
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("summation", ["interpolation", "minoring", "majoring"])
def test_auc_curves_and_summation_methods(curve, summation):
    y, p, w = data(3, rows=60, cols=2)
    for n in (200, 7):
        m = M.AUC(num_thresholds=n, curve=curve, summation_method=summation)
        m.update_state(y, p, w)
        close(m.result(), ref_auc(y, p, n, curve, summation, w))


def test_auc_pr_interpolation_differs_from_trapezoids():
    """Keras's PR interpolation is not the trapezoid rule: the test would not tell them apart otherwise."""
    y, p, w = data(4, rows=60)
    m = M.AUC(num_thresholds=11, curve="PR")
    m.update_state(y, p, w)
    tp, fp, tn, fn = ref_counts(y, p, auc_thresholds(11), w)
    recall, precision = div_no_nan(tp, tp + fn), div_no_nan(tp, tp + fp)
    trapezoids = float(np.sum((recall[:-1] - recall[1:]) * (precision[:-1] + precision[1:]) / 2))
    assert abs(ref_auc(y, p, 11, "PR", "interpolation", w) - trapezoids) > 1e-3
    close(m.result(), ref_auc(y, p, 11, "PR", "interpolation", w))


@pytest.mark.parametrize("curve", ["ROC", "PR"])
def test_auc_multi_label_is_the_mean_of_the_labels_areas(curve):
    y, p, w = data(5, rows=50, cols=3)
    m = M.AUC(curve=curve, multi_label=True)
    m.update_state(y, p, w)
    expected = ref_auc(y, p, 200, curve, "interpolation", w, multi_label=True)
    close(m.result(), expected)
    pooled = ref_auc(y, p, 200, curve, "interpolation", w)
    assert abs(expected - pooled) > 1e-4  # pooling every column would give another value
    with pytest.raises(ValueError, match="labels"):
        m.update_state(y[:, :2], p[:, :2])


def test_auc_from_logits_and_no_positives():
    y, p, w = data(6, rows=30)
    logits = np.log(p / (1 - p))
    m = M.AUC(curve="PR", from_logits=True)
    m.update_state(y, logits, w)
    close(m.result(), ref_auc(y, p, 200, "PR", "interpolation", w), tol=1e-4)
    for curve in ("ROC", "PR"):
        empty = M.AUC(curve=curve)
        empty.update_state(np.zeros(5), [0.1, 0.4, 0.6, 0.8, 0.9])
        assert empty.result() == 0.0


def test_auc_refuses_unknown_arguments():
    with pytest.raises(ValueError, match="curve"):
        M.AUC(curve="XY")
    with pytest.raises(ValueError, match="summation_method"):
        M.AUC(summation_method="simpson")
    with pytest.raises(ValueError, match="num_thresholds"):
        M.AUC(num_thresholds=1)


# --------------------------------------------------------------------------------------------
# SensitivityAtSpecificity, SpecificityAtSensitivity, PrecisionAtRecall, RecallAtPrecision
# --------------------------------------------------------------------------------------------

AT = [(M.SensitivityAtSpecificity, "specificity"), (M.SpecificityAtSensitivity, "sensitivity"),
      (M.PrecisionAtRecall, "recall"), (M.RecallAtPrecision, "precision")]


@pytest.mark.parametrize("cls,arg", AT)
@pytest.mark.parametrize("value", [0.0, 0.4, 0.8, 1.0])
def test_rate_at_rate(cls, arg, value):
    y, p, w = data(7, rows=80)
    for n in (200, 13, 1):
        m = cls(value, num_thresholds=n)
        m.update_state(y, p, w)
        close(m.result(), ref_at(cls.__name__, value, y, p, n, w))
    assert m.get_config()[arg] == value


@pytest.mark.parametrize("cls,arg", AT)
def test_rate_at_rate_class_id_reads_one_column(cls, arg):
    y, p, w = data(8, rows=60, cols=3)
    m = cls(0.5, num_thresholds=50, class_id=2)
    m.update_state(y, p, w)
    close(m.result(), ref_at(cls.__name__, 0.5, y, p, 50, w, class_id=2))
    with pytest.raises(ValueError, match="class_id"):
        cls(0.5, class_id=3).update_state(y, p)


def test_rate_at_rate_docstring_and_no_positives():
    m = M.PrecisionAtRecall(0.5)
    m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    close(m.result(), 0.5)
    m = M.SensitivityAtSpecificity(0.5)
    m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], sample_weight=[1, 1, 2, 2, 1])
    close(m.result(), 0.333333)
    none = M.PrecisionAtRecall(0.5)
    none.update_state(np.zeros(4), [0.2, 0.4, 0.6, 0.8])
    assert none.result() == 0.0


def test_rate_at_rate_strings_need_their_argument():
    with pytest.raises(TypeError, match="recall"):
        M.get("precision_at_recall")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        M.RecallAtPrecision(1.2)


# --------------------------------------------------------------------------------------------
# In fit, evaluate, callbacks and saved models
# --------------------------------------------------------------------------------------------

def frozen_model(d, units, seed):
    rng = np.random.default_rng(seed)
    model = keras.Sequential([keras.Input((d,)), keras.layers.Dense(units, activation="sigmoid")])
    model.set_weights([(rng.normal(size=(d, units)) * 0.8).astype(np.float32), np.zeros(units, np.float32)])
    return model


def compiled(seed=9, units=2):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(64, 5)).astype(np.float32)
    model = frozen_model(5, units, seed)
    y = (model.predict(x, verbose=0) + rng.normal(scale=0.25, size=(64, units)) > 0.5).astype(np.float32)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="binary_crossentropy",
                  metrics=[M.TruePositives(thresholds=0.3), "false_negatives",
                           M.AUC(curve="PR", summation_method="majoring", num_thresholds=31),
                           M.AUC(multi_label=True, name="ml_auc"),
                           M.PrecisionAtRecall(0.6, num_thresholds=50, class_id=1),
                           M.SpecificityAtSensitivity(0.7)])
    return model, x, y


def check_values(logs, model, x, y):
    p = model.predict(x, verbose=0).astype(np.float64)
    close(logs["true_positives"], ref_counts(y, p, [0.3])[0][0])
    close(logs["false_negatives"], ref_counts(y, p, [0.5])[3][0])
    close(logs["auc"], ref_auc(y, p, 31, "PR", "majoring"))
    close(logs["ml_auc"], ref_auc(y, p, 200, multi_label=True))
    close(logs["precision_at_recall"], ref_at("PrecisionAtRecall", 0.6, y, p, 50, class_id=1))
    close(logs["specificity_at_sensitivity"], ref_at("SpecificityAtSensitivity", 0.7, y, p))


def test_fit_history_keys_and_epoch_values():
    model, x, y = compiled()
    h = model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    assert set(h.history) == {"loss", "true_positives", "false_negatives", "auc", "ml_auc",
                              "precision_at_recall", "specificity_at_sensitivity"}
    check_values({k: v[1] for k, v in h.history.items()}, model, x, y)
    check_values(model.evaluate(x, y, batch_size=10, verbose=0, return_dict=True), model, x, y)


def test_fit_logs_one_value_per_threshold_as_an_array(capsys):
    """Keras logs the metric's array: history holds float32 arrays, evaluate returns them, the
    progress bar shows their mean."""
    model, x, y = compiled()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="binary_crossentropy",
                  metrics=[M.TruePositives(thresholds=[0.2, 0.5, 0.8], name="true_positives"),
                           M.FalsePositives(thresholds=[0.4], name="false_positives")])
    h = model.fit(x, y, batch_size=16, epochs=2, verbose=2, shuffle=False, validation_data=(x[:20], y[:20]))
    assert list(h.history) == ["false_positives", "loss", "true_positives", "val_false_positives", "val_loss",
                               "val_true_positives"]
    p = model.predict(x, verbose=0)
    expected = ref_counts(y, p, [0.2, 0.5, 0.8])[0]
    for epoch in range(2):
        value = h.history["true_positives"][epoch]
        assert isinstance(value, np.ndarray) and value.dtype == np.float32 and value.shape == (3,)
        close(value, expected)
        close(h.history["val_true_positives"][epoch], ref_counts(y[:20], p[:20], [0.2, 0.5, 0.8])[0])
        assert isinstance(h.history["false_positives"][epoch], float)
    assert f"true_positives: {np.mean(expected):.4f}" in capsys.readouterr().out
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    close(logs["true_positives"], expected)
    loss, tp, fp = model.evaluate(x, y, verbose=0)  # loss, then the metrics in compile order
    close(tp, expected)


def test_directions_for_callbacks():
    from densekit.trainers.compile_utils import metric_core, metric_directions
    cores = [metric_core(M.AUC(curve="PR", name="auc")), metric_core(M.PrecisionAtRecall(0.5, name="p_at_r")),
             metric_core(M.FalsePositives(name="false_positives")), metric_core("true_positives")]
    # Keras gives the confusion counts no direction: mode="auto" cannot monitor them.
    assert metric_directions([cores]) == {"auc": "up", "p_at_r": "up", "false_positives": None,
                                          "true_positives": None}
    model, x, y = compiled()
    with pytest.raises(ValueError, match="maximized or minimized"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.EarlyStopping(monitor="true_positives")])
    stop = keras.callbacks.EarlyStopping(monitor="precision_at_recall", patience=0)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[stop])  # "up": constant value, stops after epoch 2
    assert stop.stopped_epoch == 1


@pytest.mark.parametrize("suffix", [".dk", pytest.param(".keras", marks=requires_h5py)])
def test_saved_compiled_model_keeps_the_metrics(suffix, tmp_path):
    model, x, y = compiled()
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    path = tmp_path / f"model{suffix}"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded._metric_names == model._metric_names
    cores = {core.name: core for cores in loaded._compiled_metrics for core in cores}
    assert (cores["auc"].curve, cores["auc"].summation_method, cores["auc"].num_thresholds) == ("PR", "majoring", 31)
    assert cores["ml_auc"].multi_label and cores["true_positives"].thresholds == pytest.approx([0.3])
    assert (cores["precision_at_recall"].value, cores["precision_at_recall"].class_id) == (pytest.approx(0.6), 1)
    before = model.evaluate(x, y, verbose=0, return_dict=True)
    after = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert before == after
    check_values(after, loaded, x, y)


def test_predictions_outside_0_1_count_as_keras_clips_them():
    # Keras clips predictions to [0, 1] before counting them against evenly spaced thresholds
    # (AUC, the *At* metrics, threshold lists 0, 1/(n-1), ..., 1): figures from Keras 3.15.1.
    y = np.array([1, 0, 1, 0, 1, 0, 1, 1], np.float32)
    p = np.array([2.5, -1.0, 0.7, 1.8, -0.3, 0.2, 3.0, 0.6], np.float32)

    def result(metric):
        metric.update_state(y, p)
        return np.asarray(metric.result()).tolist()

    assert result(keras.metrics.AUC()) == pytest.approx(0.63333333, abs=1e-6)
    assert result(keras.metrics.AUC(curve="PR")) == pytest.approx(0.69326973, abs=1e-6)
    assert result(keras.metrics.AUC(summation_method="minoring")) == pytest.approx(0.53333333, abs=1e-6)
    assert result(keras.metrics.PrecisionAtRecall(0.5)) == pytest.approx(0.8, abs=1e-6)
    # an evenly spaced list: 2.5 and 3.0 count as 1, not above the threshold 1
    assert result(keras.metrics.TruePositives(thresholds=[0.0, 0.5, 1.0])) == pytest.approx([4, 4, 0])
    assert result(keras.metrics.FalsePositives(thresholds=[0.0, 0.5, 1.0])) == pytest.approx([2, 1, 0])
    # uneven thresholds compare the predictions as they are (Keras's other path)
    assert result(keras.metrics.TruePositives(thresholds=[0.2, 0.9])) == pytest.approx([4, 2])


def test_precision_and_recall_take_a_list_of_thresholds():
    # one value per threshold, a scalar for one; Keras 3.15.1's figures
    y = np.array([1, 0, 1, 0, 1, 0, 1, 1], np.float32)
    p = np.array([0.9, 0.4, 0.7, 0.8, 0.3, 0.2, 0.95, 0.6], np.float32)
    cases = [(keras.metrics.Precision(thresholds=[0.3, 0.6, 0.85]), [2 / 3, 0.75, 1.0]),
             (keras.metrics.Recall(thresholds=[0.3, 0.6, 0.85]), [0.8, 0.6, 0.4]),
             (keras.metrics.Precision(thresholds=[0.5]), 0.8), (keras.metrics.Recall(thresholds=0.65), 0.6)]
    for metric, expected in cases:
        metric.update_state(y, p)
        np.testing.assert_allclose(metric.result(), expected, rtol=1e-6)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", metrics=[keras.metrics.Precision(thresholds=[0.3, 0.6])])
    logs = model.evaluate(p.reshape(-1, 1), y, verbose=0, return_dict=True)
    (values,) = [v for k, v in logs.items() if k.startswith("precision")]
    assert np.shape(values) == (2,)


def test_metrics_keep_their_arguments_as_attributes():
    """Keras's metric tests read them (confusion_metrics_test.py, f_score_metrics_test.py, ...);
    values as Keras 3.15 gives them."""
    assert keras.metrics.Precision().thresholds == [0.5]
    assert keras.metrics.FalseNegatives(thresholds=0.3).thresholds == [0.3]
    assert keras.metrics.Recall(thresholds=[0.3, 0.6]).thresholds == [0.3, 0.6]
    assert keras.metrics.AUC(num_thresholds=3).thresholds == pytest.approx([-1e-7, 0.5, 1 + 1e-7])
    assert keras.metrics.PrecisionAtRecall(0.3, num_thresholds=3).thresholds == [0.0, 0.5, 1.0]
    assert keras.metrics.PrecisionAtRecall(0.3, num_thresholds=1).thresholds == [0.5]
    assert keras.metrics.PrecisionAtRecall(0.3).recall == 0.3
    assert keras.metrics.SensitivityAtSpecificity(0.5).specificity == 0.5
    assert keras.metrics.TopKCategoricalAccuracy(k=3).k == 3
    fbeta = keras.metrics.FBetaScore(average="macro", beta=2.0, threshold=0.4)
    assert (fbeta.average, fbeta.beta, fbeta.threshold) == ("macro", 2.0, 0.4)
    r2 = keras.metrics.R2Score(class_aggregation=None, num_regressors=2)
    assert (r2.class_aggregation, r2.num_regressors) == (None, 2)
    assert keras.metrics.AUC(num_thresholds=50).num_thresholds == 50
    with pytest.raises(AttributeError):
        keras.metrics.Mean().k
