"""R2Score, F1Score and FBetaScore against Keras's formulas (keras/src/metrics/regression_metrics.py,
keras/src/metrics/f_score_metrics.py), each reference float64 NumPy written from Keras's source."""

import numpy as np
import pytest

import densekit as keras
from file_helpers import requires_h5py

M = keras.metrics
EPS = 1e-7


# --------------------------------------------------------------------------------------------
# NumPy references
# --------------------------------------------------------------------------------------------

def ref_r2(y, p, w=None, class_aggregation="uniform_average", num_regressors=0):
    y, p = np.asarray(y, np.float64), np.asarray(p, np.float64)
    w = np.ones(len(y)) if w is None else np.asarray(w, np.float64)
    wb = np.broadcast_to(w[:, None], y.shape)
    total_sum = (wb * y).sum(0)
    squared_sum = (wb * y * y).sum(0)
    sse = (wb * (y - p) ** 2).sum(0)
    count = wb.sum(0)
    mean = total_sum / count
    variance = squared_sum - total_sum * mean
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = 1 - sse / variance
    raw = np.where(np.isinf(raw), 0.0, raw)
    if class_aggregation == "uniform_average":
        score = np.mean(raw)
    elif class_aggregation == "variance_weighted_average":
        score = np.sum(variance * raw) / np.sum(variance)
    else:
        score = raw
    n = float(y.size)  # Keras's num_samples: every element, weighted or not
    if num_regressors and num_regressors < n - 1:
        score = 1 - (1 - score) * (n - 1) / (n - num_regressors - 1)
    return score


def ref_fbeta(y, p, w=None, average=None, beta=1.0, threshold=None):
    y, p = np.asarray(y, np.float64), np.asarray(p, np.float64)
    if threshold is None:
        pred = (p >= p.max(axis=-1, keepdims=True)) & (np.abs(p) > 1e-9)
    else:
        pred = p > threshold
    pred = pred.astype(np.float64)
    w = np.ones((len(y), 1)) if w is None else np.asarray(w, np.float64)[:, None]
    axis = None if average == "micro" else 0
    tp = np.sum(w * pred * y, axis=axis)
    fp = np.sum(w * pred * (1 - y), axis=axis)
    fn = np.sum(w * (1 - pred) * y, axis=axis)
    support = np.sum(w * y, axis=axis)
    precision = tp / (tp + fp + EPS)
    recall = tp / (tp + fn + EPS)
    f = precision * recall / (beta ** 2 * precision + recall + EPS) * (1 + beta ** 2)
    if average == "weighted":
        return np.sum(f * support / (np.sum(support) + EPS))
    if average is not None:
        return np.mean(f)
    return f


def close(a, b, tol=2e-5):
    np.testing.assert_allclose(np.asarray(a, np.float64), b, rtol=tol, atol=tol)


def regression_data(seed, rows=30, cols=3):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=(rows, cols)).astype(np.float32) * [1.0, 3.0, 0.5][:cols]
    p = (y + rng.normal(scale=0.6, size=(rows, cols))).astype(np.float32)
    w = rng.uniform(0.0, 2.0, rows).astype(np.float32)
    w[:3] = 0.0  # samples that do not count toward the adjusted score's n
    return y, p, w


def class_data(seed, rows=40, cols=4):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, cols, rows)
    y = np.eye(cols, dtype=np.float32)[labels]
    p = rng.random((rows, cols)).astype(np.float32) + 0.6 * y
    p /= p.sum(-1, keepdims=True)
    w = rng.uniform(0.2, 2.0, rows).astype(np.float32)
    return y, p, w


# --------------------------------------------------------------------------------------------
# R2Score
# --------------------------------------------------------------------------------------------

def test_r2_docstring_value():
    m = M.R2Score()
    m.update_state(np.array([[1], [4], [3]], np.float32), np.array([[2], [4], [4]], np.float32))
    close(m.result(), 0.57142854)
    assert m.name == "r2_score"


@pytest.mark.parametrize("aggregation", ["uniform_average", "variance_weighted_average", None])
@pytest.mark.parametrize("weighted", [False, True])
def test_r2_aggregations_and_weights(aggregation, weighted):
    y, p, w = regression_data(1)
    m = M.R2Score(class_aggregation=aggregation)
    m.update_state(y[:17], p[:17], w[:17] if weighted else None)  # streaming over two batches
    m.update_state(y[17:], p[17:], w[17:] if weighted else None)
    result = m.result()
    expected = ref_r2(y, p, w if weighted else None, aggregation)
    close(result, expected)
    assert np.shape(result) == np.shape(expected)
    m.reset_state()
    m.update_state(y[:5], p[:5])
    close(m.result(), ref_r2(y[:5], p[:5], None, aggregation))


def test_r2_adjusted_and_its_fallback():
    y, p, w = regression_data(2)
    m = M.R2Score(num_regressors=4)
    m.update_state(y, p, w)
    adjusted = ref_r2(y, p, w, num_regressors=4)
    close(m.result(), adjusted)
    assert abs(adjusted - ref_r2(y, p, w)) > 1e-3
    few = M.R2Score(num_regressors=2)  # 3 elements: n - 1 == p, Keras keeps the plain score
    few.update_state(y[3:6, :1], p[3:6, :1])
    close(few.result(), ref_r2(y[3:6, :1], p[3:6, :1]))


@pytest.mark.parametrize("aggregation, regressors, expected", [
    (None, 1, [0.054920673, -10.241904, -0.7382858]), (None, 2, [-0.10259259, -12.115555, -1.0280001]),
    ("uniform_average", 2, -4.415382385253906), ("variance_weighted_average", 1, -1.7097399234771729)])
def test_r2_adjusted_counts_every_element_as_keras(aggregation, regressors, expected):
    """Keras's n is ops.size(y_true) (regression_metrics_test.py's tfa comparison): with 3 rows
    of 3 outputs, n = 9; counting rows (3) fell back to the plain score at 2 regressors."""
    m = M.R2Score(aggregation, regressors)
    m.update_state([[0, 0, 1], [0, 1, 0], [1, 0, 0]], [[.4, .9, 1.6], [.1, 1.2, .6], [1.5, .8, .6]], [.8, .1, .4])
    close(m.result(), expected, tol=1e-5)
    with pytest.raises(ValueError, match="expects 2D inputs with shape"):
        M.R2Score().update_state([0.0, 1.0], [0.0, 1.0])


def test_r2_constant_target_scores_zero():
    y = np.array([[2.0, 1.0], [2.0, 3.0], [2.0, 0.0]], np.float32)
    p = np.array([[1.5, 1.0], [2.5, 2.0], [2.0, 0.5]], np.float32)
    m = M.R2Score(class_aggregation=None)
    m.update_state(y, p)
    close(m.result(), ref_r2(y, p, class_aggregation=None))
    assert m.result()[0] == 0.0


def test_r2_refuses_bad_arguments_and_widths():
    with pytest.raises(ValueError, match="class_aggregation"):
        M.R2Score(class_aggregation="mean")
    with pytest.raises(ValueError, match="num_regressors"):
        M.R2Score(num_regressors=-1)
    m = M.R2Score()
    m.update_state(np.zeros((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="3 outputs"):
        m.update_state(np.zeros((2, 2)), np.ones((2, 2)))


# --------------------------------------------------------------------------------------------
# F1Score, FBetaScore
# --------------------------------------------------------------------------------------------

def test_f1_docstring_value():
    m = M.F1Score(threshold=0.5)
    y = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]], np.int32)
    p = np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]], np.float32)
    m.update_state(y, p)
    close(m.result(), [0.5, 0.8, 0.6666667])
    assert m.name == "f1_score" and M.FBetaScore().name == "fbeta_score"


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("threshold", [None, 0.3])
@pytest.mark.parametrize("beta", [1.0, 2.0, 0.5])
def test_fbeta_averages_thresholds_and_weights(average, threshold, beta):
    y, p, w = class_data(3)
    m = M.FBetaScore(average=average, beta=beta, threshold=threshold)
    m.update_state(y[:25], p[:25], w[:25])
    m.update_state(y[25:], p[25:], w[25:])
    expected = ref_fbeta(y, p, w, average, beta, threshold)
    close(m.result(), expected)
    assert np.shape(m.result()) == np.shape(expected)
    f1 = M.F1Score(average=average, threshold=threshold)
    f1.update_state(y, p, w)
    close(f1.result(), ref_fbeta(y, p, w, average, 1.0, threshold))


def test_fbeta_config_and_bad_arguments():
    assert M.F1Score(average="macro").get_config() == {"name": "f1_score", "dtype": "float32", "average": "macro",
                                                       "threshold": None}
    assert M.FBetaScore(beta=2.0, threshold=0.4).get_config()["beta"] == 2.0
    with pytest.raises(ValueError, match="average"):
        M.F1Score(average="samples")
    with pytest.raises(ValueError, match="beta"):
        M.FBetaScore(beta=0.0)
    with pytest.raises(ValueError, match="threshold"):
        M.F1Score(threshold=1.5)
    # Keras takes Python floats only (keras/src/metrics/f_score_metrics.py): an int or a NumPy
    # float32 is refused, naming its type; a NumPy float64 is a Python float.
    for bad in (2, True, np.float32(2.0)):
        with pytest.raises(ValueError, match="It should be a Python float. Received: beta=.* of type"):
            M.FBetaScore(beta=bad)
    with pytest.raises(ValueError, match="It should be a Python float. Received: threshold=1 of type"):
        M.F1Score(threshold=1)
    assert M.FBetaScore(beta=np.float64(2.0), threshold=np.float64(0.5)).get_config()["beta"] == 2.0


def test_fbeta_class_without_samples_scores_zero():
    y = np.array([[1, 0, 0], [0, 1, 0]], np.float32)
    p = np.array([[0.9, 0.05, 0.05], [0.2, 0.7, 0.1]], np.float32)
    m = M.F1Score()
    m.update_state(y, p)
    close(m.result(), ref_fbeta(y, p))
    assert m.result()[2] == 0.0


# --------------------------------------------------------------------------------------------
# In fit and in saved models
# --------------------------------------------------------------------------------------------

def compiled(seed=5):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(48, 4)).astype(np.float32)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.set_weights([rng.normal(size=(4, 3)).astype(np.float32), np.zeros(3, np.float32)])
    labels = np.argmax(model.predict(x, verbose=0) + rng.normal(scale=0.3, size=(48, 3)), -1)
    y = np.eye(3, dtype=np.float32)[labels]
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="categorical_crossentropy",
                  metrics=[M.R2Score(class_aggregation="variance_weighted_average", num_regressors=2),
                           M.F1Score(average="macro"), M.FBetaScore(average="weighted", beta=2.0, threshold=0.4)])
    return model, x, y


def check_values(logs, model, x, y):
    p = model.predict(x, verbose=0)
    close(logs["r2_score"], ref_r2(y, p, class_aggregation="variance_weighted_average", num_regressors=2))
    close(logs["f1_score"], ref_fbeta(y, p, average="macro"))
    close(logs["fbeta_score"], ref_fbeta(y, p, average="weighted", beta=2.0, threshold=0.4))


def test_fit_history_keys_and_values():
    model, x, y = compiled()
    h = model.fit(x, y, batch_size=10, epochs=2, verbose=0, shuffle=False)
    assert set(h.history) == {"loss", "r2_score", "f1_score", "fbeta_score"}
    check_values({k: v[-1] for k, v in h.history.items()}, model, x, y)
    check_values(model.evaluate(x, y, batch_size=7, verbose=0, return_dict=True), model, x, y)


def test_fit_logs_a_score_per_class_as_an_array():
    model, x, y = compiled()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="categorical_crossentropy",
                  metrics=[M.F1Score(), M.R2Score(class_aggregation=None)])
    h = model.fit(x, y, batch_size=10, epochs=1, verbose=0)
    p = model.predict(x, verbose=0)
    assert h.history["f1_score"][0].shape == (3,)
    close(h.history["f1_score"][0], ref_fbeta(y, p))
    close(h.history["r2_score"][0], ref_r2(y, p, class_aggregation=None))


@pytest.mark.parametrize("suffix", [".dk", pytest.param(".keras", marks=requires_h5py)])
def test_saved_compiled_model_keeps_the_scores(suffix, tmp_path):
    model, x, y = compiled()
    path = tmp_path / f"model{suffix}"
    model.save(path)
    loaded = keras.models.load_model(path)
    cores = {core.name: core for cores in loaded._compiled_metrics for core in cores}
    assert (cores["r2_score"].class_aggregation, cores["r2_score"].num_regressors) == ("variance_weighted_average", 2)
    assert (cores["f1_score"].average, cores["f1_score"].top_only) == ("macro", True)
    fbeta = cores["fbeta_score"]
    assert (fbeta.beta, fbeta.threshold, fbeta.top_only) == (2.0, 0.4, False)
    after = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert after == model.evaluate(x, y, verbose=0, return_dict=True)
    check_values(after, loaded, x, y)


# --------------------------------------------------------------------------------------------
# Probabilistic metrics' arguments (keras/src/metrics/probabilistic_metrics.py, losses.py)
# --------------------------------------------------------------------------------------------

def ref_bce(y, x, from_logits, label_smoothing):
    y, x = np.asarray(y, np.float64), np.asarray(x, np.float64)
    y = y * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        return np.mean(np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x))), -1)
    p = np.clip(x, EPS, 1 - EPS)
    return np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)), -1)


def log_softmax(x):
    x = np.asarray(x, np.float64)
    z = x - x.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def ref_cce(y, x, from_logits, label_smoothing):
    y = np.asarray(y, np.float64)
    y = y * (1 - label_smoothing) + label_smoothing / y.shape[-1]
    if from_logits:
        return -np.sum(y * log_softmax(x), -1)
    p = np.asarray(x, np.float64)
    p = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return -np.sum(y * np.log(p), -1)


def weighted_mean(values, w):
    return np.sum(values * w) / np.sum(w)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_crossentropy_metrics_arguments(from_logits, label_smoothing):
    rng = np.random.default_rng(6)
    y, p, w = class_data(6, rows=20, cols=3)
    x = rng.normal(size=p.shape).astype(np.float32) if from_logits else p
    bce = M.BinaryCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing)
    bce.update_state(y, x, w)
    close(bce.result(), weighted_mean(ref_bce(y, x, from_logits, label_smoothing), w))
    cce = M.CategoricalCrossentropy(from_logits=from_logits, label_smoothing=label_smoothing)
    cce.update_state(y, x, w)
    close(cce.result(), weighted_mean(ref_cce(y, x, from_logits, label_smoothing), w))
    labels = np.argmax(y, -1)[:, None]
    scce = M.SparseCategoricalCrossentropy(from_logits=from_logits)
    scce.update_state(labels, x, w)
    close(scce.result(), weighted_mean(ref_cce(y, x, from_logits, 0.0), w))
    assert bce.get_config() == {"name": "binary_crossentropy", "dtype": "float32", "from_logits": from_logits,
                                "label_smoothing": label_smoothing}


def test_kl_divergence_and_poisson_docstring_values():
    kl = M.KLDivergence()
    kl.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    close(kl.result(), 0.45814306)
    poisson = M.Poisson()
    poisson.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    close(poisson.result(), 0.49999997)
    assert (kl.name, poisson.name) == ("kl_divergence", "poisson")


def test_crossentropy_metrics_refuse_what_densekit_does_not_compute():
    with pytest.raises(ValueError, match="axis"):
        M.CategoricalCrossentropy(axis=0)
    with pytest.raises(ValueError, match="ignore_class"):
        M.SparseCategoricalCrossentropy(ignore_class=0)
    with pytest.raises(ValueError, match="label_smoothing"):
        M.BinaryCrossentropy(label_smoothing=2.0)


@pytest.mark.parametrize("suffix", [".dk", pytest.param(".keras", marks=requires_h5py)])
def test_saved_model_keeps_crossentropy_metric_arguments(suffix, tmp_path):
    rng = np.random.default_rng(8)
    x = rng.normal(size=(30, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 30)]
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(optimizer="sgd", loss=keras.losses.CategoricalCrossentropy(from_logits=True),
                  metrics=[M.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, name="cce"),
                           M.BinaryCrossentropy(from_logits=True), M.KLDivergence(), M.LogCoshError()])
    model.save(tmp_path / f"m{suffix}")
    loaded = keras.models.load_model(tmp_path / f"m{suffix}")
    cores = {core.name: core for cores in loaded._compiled_metrics for core in cores}
    assert (cores["cce"].loss.from_logits, cores["cce"].loss.label_smoothing) == (True, pytest.approx(0.1))
    assert cores["binary_crossentropy"].loss.from_logits
    logs = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert logs == model.evaluate(x, y, verbose=0, return_dict=True)
    logits = model.predict(x, verbose=0)
    close(logs["cce"], np.mean(ref_cce(y, logits, True, 0.1)))
    close(logs["binary_crossentropy"], np.mean(ref_bce(y, logits, True, 0.0)))


def test_hinge_and_log_cosh_metric_classes():
    hinge = M.Hinge()
    hinge.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    close(hinge.result(), 1.3)
    log_cosh = M.LogCoshError()
    log_cosh.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    close(log_cosh.result(), np.mean([np.log(np.cosh(1.0)) / 2, 0.0]))
    assert [M.SquaredHinge().name, M.CategoricalHinge().name, log_cosh.name] == \
        ["squared_hinge", "categorical_hinge", "logcosh"]  # Keras's name for LogCoshError


def test_directions_for_callbacks():
    """Keras's KLDivergence and Poisson metrics go down, as every metric computing a loss does
    (keras/src/metrics/reduction_metrics.py, MeanMetricWrapper); the scores go up."""
    from densekit.trainers.compile_utils import metric_core, metric_directions
    cores = [metric_core(M.KLDivergence()), metric_core("poisson"), metric_core(M.BinaryCrossentropy()), metric_core(M.R2Score()),
             metric_core(M.F1Score())]
    assert metric_directions([cores]) == {"kl_divergence": "down", "poisson": "down", "binary_crossentropy": "down",
                                          "r2_score": "up", "f1_score": "up"}


# --------------------------------------------------------------------------------------------
# Mean, Sum, MeanMetricWrapper (keras/src/metrics/reduction_metrics.py)
# --------------------------------------------------------------------------------------------

def test_mean_and_sum_docstring_values():
    mean, total = M.Mean(), M.Sum()
    mean.update_state([1, 3, 5, 7])
    total.update_state([1, 3, 5, 7])
    assert (mean.result(), total.result()) == (4.0, 16.0)
    mean.reset_state(), total.reset_state()
    mean.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    total.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert (mean.result(), total.result()) == (2.0, 4.0)
    assert (mean.name, total.name) == ("mean", "sum")


def test_mean_and_sum_reduce_each_sample_first():
    rng = np.random.default_rng(9)
    values = rng.normal(size=(6, 4)).astype(np.float32)
    w = rng.uniform(0.0, 2.0, 6).astype(np.float32)
    mean, total = M.Mean(), M.Sum()
    mean.update_state(values, sample_weight=w)
    mean.update_state(3.0)  # a scalar is one sample
    total.update_state(values, sample_weight=w)
    close(mean.result(), (np.sum(values.astype(np.float64).mean(-1) * w) + 3.0) / (np.sum(w) + 1.0))
    close(total.result(), np.sum(values.astype(np.float64).sum(-1) * w))
    with pytest.raises(ValueError, match="one weight per sample"):
        total.update_state(values, sample_weight=np.ones((6, 4)))


def test_mean_metric_wrapper_of_a_densekit_function():
    y, p, w = regression_data(10)
    m = M.MeanMetricWrapper(keras.losses.mean_absolute_error)
    m.update_state(y, p, w)
    close(m.result(), np.sum(np.abs(y - p).astype(np.float64).mean(-1) * w) / np.sum(w))
    assert m.name.startswith("mean_metric_wrapper")  # Keras names it by its class, not by fn
    # A function of the user's (here a lambda) runs eagerly on arrays; compile() traces it.
    diff = M.MeanMetricWrapper(lambda a, b: a - b, name="diff")
    diff.update_state(y, p, w)
    close(diff.result(), np.sum((y - p).astype(np.float64).mean(-1) * w) / np.sum(w))


def test_fbeta_takes_2d_inputs_only():
    """f_score_metrics_test.py: 3-D data is refused with Keras's message (densekit scored it)."""
    for metric in (M.FBetaScore(), M.F1Score()):
        with pytest.raises(ValueError, match="FBetaScore expects 2D inputs with shape"):
            metric.update_state(np.ones((2, 2, 2)), np.ones((2, 2, 2)))
