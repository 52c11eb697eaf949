"""Losses (keras/src/losses/loss.py, keras/src/losses/losses.py): per-sample values against
independent float64 references, reductions and sample weights, values measured with Keras
3.15.1, float64 gradients against central finite differences, and name lookup."""

import math

import numpy as np
import pytest

from densekit import losses
from densekit._core._testing import loss_per_sample_f64 as per_sample_f64
from densekit._core._testing import loss_value_and_grad_f64 as value_and_grad_f64

EPS = 1e-7


# ----------------------------------------------------------------------------------------
# Independent float64 references (keras/src/losses/losses.py; cross-entropy clipping as in
# keras/src/backend/jax/nn.py); per sample = last axis reduced
# ----------------------------------------------------------------------------------------

def _softplus(x):
    return np.logaddexp(x, 0.0)


def _hinge_labels(y):
    return 2.0 * y - 1.0 if np.all((y == 0) | (y == 1)) else y


def ref_mse(y, p):
    return np.mean((y - p) ** 2, axis=-1)


def ref_mae(y, p):
    return np.mean(np.abs(y - p), axis=-1)


def ref_mape(y, p):
    return 100.0 * np.mean(np.abs(y - p) / np.maximum(np.abs(y), EPS), axis=-1)


def ref_msle(y, p):
    return np.mean((np.log(np.maximum(p, EPS) + 1.0) - np.log(np.maximum(y, EPS) + 1.0)) ** 2, axis=-1)


def ref_huber(y, p, delta=1.0):
    e = np.abs(p - y)
    return np.mean(np.where(e <= delta, 0.5 * e ** 2, delta * e - 0.5 * delta ** 2), axis=-1)


def ref_log_cosh(y, p):
    e = p - y
    return np.mean(e + _softplus(-2.0 * e) - math.log(2.0), axis=-1)


def ref_hinge(y, p):
    return np.mean(np.maximum(1.0 - _hinge_labels(y) * p, 0.0), axis=-1)


def ref_squared_hinge(y, p):
    return np.mean(np.maximum(1.0 - _hinge_labels(y) * p, 0.0) ** 2, axis=-1)


def ref_categorical_hinge(y, p):
    pos = np.sum(y * p, axis=-1)
    neg = np.max((1.0 - y) * p, axis=-1)
    return np.maximum(neg - pos + 1.0, 0.0)


def ref_kld(y, p):
    y = np.clip(y, EPS, 1.0)
    p = np.clip(p, EPS, 1.0)
    return np.sum(y * np.log(y / p), axis=-1)


def ref_poisson(y, p):
    return np.mean(p - y * np.log(p + EPS), axis=-1)


def ref_cosine(y, p):
    yn = y / np.maximum(np.linalg.norm(y, axis=-1, keepdims=True), EPS)
    pn = p / np.maximum(np.linalg.norm(p, axis=-1, keepdims=True), EPS)
    return -np.sum(yn * pn, axis=-1)


def ref_bce(y, p, from_logits=False, label_smoothing=0.0):
    y = y * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        z = p
        return np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))), axis=-1)
    p = np.clip(p, EPS, 1.0 - EPS)
    return np.mean(-(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)), axis=-1)


def _log_softmax(z):
    s = z - z.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def ref_cce(y, p, from_logits=False, label_smoothing=0.0):
    k = y.shape[-1]
    y = y * (1.0 - label_smoothing) + label_smoothing / k
    if from_logits:
        return -np.sum(y * _log_softmax(p), axis=-1)
    p = p / np.sum(p, axis=-1, keepdims=True)
    p = np.clip(p, EPS, 1.0 - EPS)
    return -np.sum(y * np.log(p), axis=-1)


def ref_scce(y, p, from_logits=False):
    labels = np.asarray(y).reshape(-1).astype(int)
    if from_logits:
        return ref_cce(np.eye(p.shape[-1])[labels], p, from_logits=True)
    # Keras on TensorFlow clips first, then takes the softmax cross-entropy of the logs: a row
    # that does not sum to 1 is renormalised after the clip (CCE renormalises before it).
    c = np.clip(p, EPS, 1.0 - EPS)
    return np.log(c.sum(axis=-1)) - np.log(c[np.arange(len(labels)), labels])


# ----------------------------------------------------------------------------------------
# Test data: kept away from clip boundaries and kinks so finite differences are valid
# ----------------------------------------------------------------------------------------

N, K = 5, 3
_rng = np.random.default_rng(1234)


def _away(values, points, margin):
    """Push entries that are within `margin` of any of `points` to distance `margin`."""
    v = values.copy()
    for q in points:
        close = np.abs(v - q) < margin
        v[close] = q + np.where(v[close] >= q, margin, -margin)
    return v


def _regression():
    y = _rng.normal(size=(N, K))
    p = y + _away(_rng.normal(size=(N, K)) * 1.2, [0.0, 1.0, -1.0, 0.5, -0.5], 0.08)
    return y, p


def _positive():
    return _rng.uniform(0.2, 3.0, size=(N, K)), _rng.uniform(0.2, 3.0, size=(N, K))


def _mape_data():
    y = _away(_rng.normal(size=(N, K)) * 2, [0.0], 0.5)
    p = y + _away(_rng.normal(size=(N, K)), [0.0], 0.1)
    return y, p


def _binary_labels():
    return _rng.integers(0, 2, size=(N, K)).astype(float)


def _probs():
    return _rng.uniform(0.05, 0.95, size=(N, K))


def _hinge_data(labels):
    if labels == "01":
        y = _binary_labels()
    elif labels == "pm1":
        y = np.where(_binary_labels() > 0, 1.0, -1.0)
    else:  # not all 0/1: no mapping
        y = _rng.uniform(-1.0, 1.0, size=(N, K))
    yh = _hinge_labels(y)
    # choose margins m = y·p away from 1 (the kink), then p = m / y
    m = _away(_rng.uniform(-1.0, 3.0, size=(N, K)), [1.0], 0.1)
    yh = np.where(np.abs(yh) < 0.2, np.sign(yh + 1e-12) * 0.2, yh)
    y = yh if labels != "01" else (yh + 1.0) / 2.0
    return y, m / yh


def _categorical_hinge_data():
    """One-hot targets; the largest off-target score is unique and away from 0 (where the
    target's own zero term takes over as the max), the hinge argument away from 0."""
    y = np.eye(K)[_rng.integers(0, K, size=N)]
    p = np.empty((N, K))
    for i in range(N):
        off = np.flatnonzero(y[i] == 0)
        top = _rng.choice([-1.0, 1.0]) * _rng.uniform(0.2, 1.0)
        p[i, off] = top - np.concatenate([[0.0], _rng.uniform(0.3, 1.0, size=off.size - 1)])
        p[i, y[i] == 1] = top + _rng.choice([-1.0, 1.0]) * _rng.uniform(0.3, 0.7)
    return y, p


def _onehot():
    return np.eye(K)[_rng.integers(0, K, size=N)]


def _soft_targets():
    t = _rng.uniform(0.1, 1.0, size=(N, K))
    return t / t.sum(axis=-1, keepdims=True)


def _unnormalised_probs():
    return _rng.uniform(0.2, 2.0, size=(N, K))      # CCE renormalises; stays clear of the clip bounds


def _sparse_labels():
    return _rng.integers(0, K, size=N).astype(float)


# id -> (class factory, function, function kwargs, reference, (y, p))
CASES = {
    "mse": (losses.MeanSquaredError, losses.mean_squared_error, {}, ref_mse, _regression()),
    "mae": (losses.MeanAbsoluteError, losses.mean_absolute_error, {}, ref_mae, _regression()),
    "mape": (losses.MeanAbsolutePercentageError, losses.mean_absolute_percentage_error, {}, ref_mape, _mape_data()),
    "msle": (losses.MeanSquaredLogarithmicError, losses.mean_squared_logarithmic_error, {}, ref_msle, _positive()),
    "huber": (losses.Huber, losses.huber, {}, ref_huber, _regression()),
    "huber_delta_0.5": (lambda **kw: losses.Huber(delta=0.5, **kw), losses.huber, {"delta": 0.5},
                        lambda y, p: ref_huber(y, p, 0.5), _regression()),
    "log_cosh": (losses.LogCosh, losses.log_cosh, {}, ref_log_cosh, _regression()),
    "hinge_01": (losses.Hinge, losses.hinge, {}, ref_hinge, _hinge_data("01")),
    "hinge_pm1": (losses.Hinge, losses.hinge, {}, ref_hinge, _hinge_data("pm1")),
    "hinge_real": (losses.Hinge, losses.hinge, {}, ref_hinge, _hinge_data("real")),
    "squared_hinge_01": (losses.SquaredHinge, losses.squared_hinge, {}, ref_squared_hinge, _hinge_data("01")),
    "squared_hinge_real": (losses.SquaredHinge, losses.squared_hinge, {}, ref_squared_hinge, _hinge_data("real")),
    "categorical_hinge": (losses.CategoricalHinge, losses.categorical_hinge, {}, ref_categorical_hinge,
                          _categorical_hinge_data()),
    "kld": (losses.KLDivergence, losses.kl_divergence, {}, ref_kld, (_soft_targets(), _probs())),
    "poisson": (losses.Poisson, losses.poisson, {}, ref_poisson, _positive()),
    "cosine": (losses.CosineSimilarity, losses.cosine_similarity, {}, ref_cosine,
               (_rng.normal(size=(N, K)), _rng.normal(size=(N, K)))),
    "bce": (losses.BinaryCrossentropy, losses.binary_crossentropy, {}, ref_bce, (_binary_labels(), _probs())),
    "bce_soft_targets": (losses.BinaryCrossentropy, losses.binary_crossentropy, {}, ref_bce,
                         (_rng.uniform(0, 1, size=(N, K)), _probs())),
    "bce_ls": (lambda **kw: losses.BinaryCrossentropy(label_smoothing=0.1, **kw), losses.binary_crossentropy,
               {"label_smoothing": 0.1}, lambda y, p: ref_bce(y, p, label_smoothing=0.1),
               (_binary_labels(), _probs())),
    "bce_logits": (lambda **kw: losses.BinaryCrossentropy(from_logits=True, **kw), losses.binary_crossentropy,
                   {"from_logits": True}, lambda y, p: ref_bce(y, p, from_logits=True),
                   (_binary_labels(), _rng.normal(size=(N, K)) * 4)),
    "bce_logits_ls": (lambda **kw: losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2, **kw),
                      losses.binary_crossentropy, {"from_logits": True, "label_smoothing": 0.2},
                      lambda y, p: ref_bce(y, p, from_logits=True, label_smoothing=0.2),
                      (_binary_labels(), _rng.normal(size=(N, K)) * 4)),
    "cce": (losses.CategoricalCrossentropy, losses.categorical_crossentropy, {}, ref_cce,
            (_onehot(), _unnormalised_probs())),
    "cce_soft_targets": (losses.CategoricalCrossentropy, losses.categorical_crossentropy, {}, ref_cce,
                         (_soft_targets(), _unnormalised_probs())),
    "cce_ls": (lambda **kw: losses.CategoricalCrossentropy(label_smoothing=0.1, **kw),
               losses.categorical_crossentropy, {"label_smoothing": 0.1},
               lambda y, p: ref_cce(y, p, label_smoothing=0.1), (_onehot(), _unnormalised_probs())),
    "cce_logits": (lambda **kw: losses.CategoricalCrossentropy(from_logits=True, **kw),
                   losses.categorical_crossentropy, {"from_logits": True},
                   lambda y, p: ref_cce(y, p, from_logits=True), (_onehot(), _rng.normal(size=(N, K)) * 3)),
    "cce_logits_ls": (lambda **kw: losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.3, **kw),
                      losses.categorical_crossentropy, {"from_logits": True, "label_smoothing": 0.3},
                      lambda y, p: ref_cce(y, p, from_logits=True, label_smoothing=0.3),
                      (_onehot(), _rng.normal(size=(N, K)) * 3)),
    "scce": (losses.SparseCategoricalCrossentropy, losses.sparse_categorical_crossentropy, {}, ref_scce,
             (_sparse_labels(), _unnormalised_probs())),
    "scce_n1": (losses.SparseCategoricalCrossentropy, losses.sparse_categorical_crossentropy, {}, ref_scce,
                (_sparse_labels().reshape(N, 1), _unnormalised_probs())),
    "scce_logits": (lambda **kw: losses.SparseCategoricalCrossentropy(from_logits=True, **kw),
                    losses.sparse_categorical_crossentropy, {"from_logits": True},
                    lambda y, p: ref_scce(y, p, from_logits=True), (_sparse_labels(), _rng.normal(size=(N, K)) * 3)),
}

WEIGHTS = np.array([1.0, 2.0, 0.0, 0.5, 3.0])


def _reduce(per_sample, reduction, w=None):
    values = per_sample if w is None else per_sample * w
    if reduction in ("sum_over_batch_size", "mean"):
        return values.sum() / values.size
    if reduction == "sum":
        return values.sum()
    if reduction == "mean_with_sample_weight":
        return values.sum() / (w.sum() if w is not None else values.size)
    raise AssertionError(reduction)


# ----------------------------------------------------------------------------------------
# Per-sample values
# ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", list(CASES))
def test_per_sample_float32_function(case):
    _, fn, kwargs, ref, (y, p) = CASES[case]
    y32, p32 = y.astype(np.float32), p.astype(np.float32)
    out = fn(y32, p32, **kwargs)
    assert out.dtype == np.float32 and out.shape == (N,)
    expected = ref(y32.astype(np.float64), p32.astype(np.float64))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", list(CASES))
def test_per_sample_f64(case):
    make, _, _, ref, (y, p) = CASES[case]
    out = per_sample_f64(make()._core, y, p)
    assert out.shape == (N,)
    np.testing.assert_allclose(out, ref(y, p), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("case", ["mse", "huber", "hinge_01", "kld", "bce_ls", "cce", "scce_logits"])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_class_call_reductions_float32(case, reduction, weighted):
    make, _, _, ref, (y, p) = CASES[case]
    w = WEIGHTS if weighted else None
    loss = make(reduction=reduction)
    out = loss(y.astype(np.float32), p.astype(np.float32), sample_weight=w)
    per_sample = ref(y.astype(np.float32).astype(np.float64), p.astype(np.float32).astype(np.float64))
    if reduction == "none":
        expected = per_sample if w is None else per_sample * w
        assert np.shape(out) == (N,)
    else:
        expected = _reduce(per_sample, reduction, w)
        assert np.ndim(out) == 0
    assert np.asarray(out).dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_spec_reduction_example():
    y = np.array([1.0, 0.0, 1.0, 0.0]).reshape(4, 1)
    p = np.array([0.9, 0.2, 0.4, 0.6]).reshape(4, 1)
    w = np.array([1.0, 2.0, 0.0, 0.0])
    close = dict(rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(losses.MeanSquaredError()(y, p), 0.1925, **close)
    np.testing.assert_allclose(losses.MeanSquaredError()(y, p, sample_weight=w), 0.0225, **close)
    np.testing.assert_allclose(losses.MeanSquaredError(reduction="mean")(y, p, sample_weight=w), 0.0225, **close)
    np.testing.assert_allclose(losses.MeanSquaredError(reduction="mean_with_sample_weight")(y, p, sample_weight=w),
                               0.03, **close)
    np.testing.assert_allclose(losses.MeanSquaredError(reduction="sum")(y, p), 0.77, **close)
    np.testing.assert_allclose(losses.MeanSquaredError(reduction="sum")(y, p, sample_weight=w), 0.09, **close)
    np.testing.assert_allclose(losses.MeanSquaredError(reduction="none")(y, p), [0.01, 0.04, 0.36, 0.36], **close)
    np.testing.assert_allclose(losses.MeanSquaredError(reduction=None)(y, p, sample_weight=w),
                               [0.01, 0.08, 0.0, 0.0], **close)
    # the float64 path, and a weight column (N,1) aligns like a vector
    value, _ = value_and_grad_f64(losses.MeanSquaredError()._core, y, p, w)
    assert value == pytest.approx(0.0225, rel=1e-12)
    np.testing.assert_allclose(losses.MeanSquaredError()(y, p, sample_weight=w.reshape(4, 1)), 0.0225, **close)


def test_rank_reconciliation_vector_labels_column_predictions():
    """y of shape (N,) with predictions (N,1) does not broadcast to (N,N) (keras/src/losses/loss.py)."""
    y = np.array([1.0, 0.0, 1.0, 0.0])
    p = np.array([0.9, 0.2, 0.4, 0.6]).reshape(4, 1)
    np.testing.assert_allclose(losses.MeanSquaredError()(y, p), 0.1925, rtol=1e-6)


def test_spec_vectors_crossentropy_saturation():
    out = losses.binary_crossentropy([[0.0]], [[1.0]])
    assert out.dtype == np.float32
    np.testing.assert_array_max_ulp(out, np.float32([15.942385]), maxulp=2)
    np.testing.assert_array_max_ulp(losses.binary_crossentropy([[1.0]], [[0.0]]), np.float32([16.118095]), maxulp=2)
    np.testing.assert_array_max_ulp(losses.categorical_crossentropy([[0.0, 1.0]], [[1.0, 0.0]]),
                                    np.float32([16.118095]), maxulp=2)
    np.testing.assert_array_max_ulp(losses.sparse_categorical_crossentropy([1], [[1.0, 0.0]]),
                                    np.float32([16.118095]), maxulp=2)


def test_spec_vectors_huber_bce():
    y = [1.0, 0.0, 1.0, 0.0]
    p = [0.9, 0.2, 0.4, 0.6]
    np.testing.assert_allclose(losses.Huber()(y, p), 0.09625, rtol=1e-6)
    np.testing.assert_allclose(losses.BinaryCrossentropy()(y, p), 0.5402714, rtol=1e-6)
    np.testing.assert_allclose(losses.BinaryCrossentropy(label_smoothing=0.1)(y, p), 0.5749288, rtol=1e-6)


def test_spec_vectors_kld_hinge_cosine():
    np.testing.assert_array_max_ulp(losses.kl_divergence([[0.0, 1.0]], [[0.5, 0.5]]), np.float32([0.69314563]),
                                    maxulp=4)
    np.testing.assert_allclose(losses.hinge([[0.0, 1.0]], [[0.3, 0.8]]), [0.75], rtol=1e-6)
    np.testing.assert_array_max_ulp(losses.cosine_similarity([[0.0, 1.0]], [[1.0, 1.0]]),
                                    np.float32([-0.70710677]), maxulp=2)


def test_hinge_mapping_only_when_all_labels_binary():
    # all 0 -> all -1: max(1 + .3, 0), max(1 - .2, 0) -> 1.05 (unmapped would be 1.0)
    np.testing.assert_allclose(losses.hinge([[0.0, 0.0]], [[0.3, -0.2]]), [1.05], rtol=1e-6)
    # one non-binary label anywhere in the batch disables the mapping for every sample
    y = [[0.0, 1.0], [0.5, 1.0]]
    p = [[0.3, 0.8], [0.4, -0.5]]
    np.testing.assert_allclose(losses.hinge(y, p), [(1.0 + 0.2) / 2, (0.8 + 1.5) / 2], rtol=1e-6)
    np.testing.assert_allclose(losses.squared_hinge(y, p), [(1.0 + 0.04) / 2, (0.64 + 2.25) / 2], rtol=1e-6)
    # all 0/1 -> mapped for every sample
    np.testing.assert_allclose(losses.squared_hinge([[0.0, 1.0], [1.0, 1.0]], p),
                               [(1.69 + 0.04) / 2, (0.36 + 2.25) / 2], rtol=1e-6)
    # the same whole-batch rule through the class (reduced) path
    np.testing.assert_allclose(losses.Hinge()(y, p), ((1.0 + 0.2) / 2 + (0.8 + 1.5) / 2) / 2, rtol=1e-6)
    # ±1 labels are used as given
    np.testing.assert_allclose(losses.hinge([[-1.0, 1.0]], [[0.3, 0.8]]), [0.75], rtol=1e-6)


def test_clipping_and_eps_edges():
    # MAPE divides by max(|y|, eps)
    np.testing.assert_allclose(losses.mape([[0.0, 2.0]], [[1e-6, 1.0]]), [100 * (1e-6 / 1e-7 + 0.5) / 2], rtol=1e-5)
    # MSLE clips both sides at eps before log1p
    np.testing.assert_allclose(losses.msle([[-3.0, 1.0]], [[-2.0, 3.0]]),
                               [(0.0 + (math.log(4.0) - math.log(2.0)) ** 2) / 2], rtol=1e-5, atol=1e-9)
    # KLD clips y and p to [eps, 1]; sum over the last axis (not mean)
    y, p = np.array([[0.0, 0.3, 0.7]]), np.array([[0.2, 0.0, 1.5]])
    np.testing.assert_allclose(losses.kld(y, p), ref_kld(y, p), rtol=1e-5)
    np.testing.assert_allclose(losses.kld([[0.2, 0.8]], [[0.5, 0.5]]),
                               [0.2 * math.log(0.4) + 0.8 * math.log(1.6)], rtol=1e-5)
    # Poisson: mean(p - y log(p + eps)), also at p = 0
    np.testing.assert_allclose(losses.poisson([[2.0, 1.0]], [[0.0, 3.0]]),
                               [(0.0 - 2.0 * math.log(EPS) + 3.0 - math.log(3.0 + EPS)) / 2], rtol=1e-5)
    # BCE clips probabilities (float64 path: lower clip at eps)
    core = losses.BinaryCrossentropy()._core
    np.testing.assert_allclose(per_sample_f64(core, np.array([[1.0, 0.0]]), np.array([[0.0, 0.0]])),
                               [-math.log(EPS) / 2], rtol=1e-7)
    # CCE renormalises before clipping: [2, 6] is [.25, .75]
    np.testing.assert_allclose(losses.categorical_crossentropy([[0.0, 1.0]], [[2.0, 6.0]]), [-math.log(0.75)],
                               rtol=1e-6)
    # Sparse CE of a row of zeros (a Dropout after the softmax): Keras-TF clips each value to eps
    # first, so the row reads as uniform, log(classes), with no gradient (it was NaN: 0 / 0).
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy([1], [[0.0, 0.0, 0.0]]), [math.log(3.0)],
                               rtol=1e-6)
    value, grad = value_and_grad_f64(losses.SparseCategoricalCrossentropy()._core, np.array([[2.0]]), np.zeros((1, 4)))
    assert value == pytest.approx(math.log(4.0)) and not np.any(grad)


def test_categorical_crossentropy_single_class_warns():
    """As in keras/src/losses/losses.py, CCE warns (SyntaxWarning) when y_pred.shape[-1] == 1;
    the value is still computed (renormalised p = 1, clipped to 1 - eps)."""
    with pytest.warns(SyntaxWarning, match="categorical_crossentropy"):
        out = losses.categorical_crossentropy([[1.0], [0.0]], [[1.0], [1.0]])
    np.testing.assert_allclose(out, [-np.log(np.float32(1) - np.float32(EPS)), 0.0], rtol=1e-5, atol=1e-12)
    with pytest.warns(SyntaxWarning, match="categorical_crossentropy"):
        losses.CategoricalCrossentropy()([[1.0], [0.0]], [[1.0], [1.0]])


def test_label_smoothing_formulas():
    # BCE: y <- y(1 - ls) + ls/2 ; CCE: y <- y(1 - ls) + ls/K
    out = losses.binary_crossentropy([[1.0, 0.0]], [[0.8, 0.3]], label_smoothing=0.2)
    yt = np.array([0.9, 0.1])
    pp = np.array([0.8, 0.3])
    np.testing.assert_allclose(out, [np.mean(-(yt * np.log(pp) + (1 - yt) * np.log(1 - pp)))], rtol=1e-6)
    out = losses.categorical_crossentropy([[0.0, 1.0, 0.0, 0.0]], [[0.1, 0.6, 0.2, 0.1]], label_smoothing=0.4)
    yt = np.array([0.1, 0.7, 0.1, 0.1])
    np.testing.assert_allclose(out, [-np.sum(yt * np.log([0.1, 0.6, 0.2, 0.1]))], rtol=1e-6)


def test_from_logits_large_magnitudes_are_stable():
    z = np.array([[80.0, -80.0, 0.0]])
    y = np.array([[0.0, 1.0, 1.0]])
    out = losses.binary_crossentropy(y, z, from_logits=True)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, ref_bce(y, z, from_logits=True), rtol=1e-6)
    out = losses.categorical_crossentropy([[0.0, 1.0, 0.0]], [[500.0, -500.0, 0.0]], from_logits=True)
    np.testing.assert_allclose(out, [1000.0], rtol=1e-6)
    out = losses.sparse_categorical_crossentropy([2], [[500.0, -500.0, 0.0]], from_logits=True)
    np.testing.assert_allclose(out, [500.0], rtol=1e-6)



# ----------------------------------------------------------------------------------------
# Gradients (float64): value_and_grad_f64 vs central finite differences of the value
# ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum"])
@pytest.mark.parametrize("weighted", [False, True])
def test_value_and_grad_matches_finite_differences(case, reduction, weighted):
    make, _, _, ref, (y, p) = CASES[case]
    w = WEIGHTS if weighted else None
    core = make(reduction=reduction)._core
    value, grad = value_and_grad_f64(core, y, p, w)
    np.testing.assert_allclose(value, _reduce(ref(y, p), reduction, w), rtol=1e-12, atol=1e-13)
    grad = np.asarray(grad)
    assert grad.shape == p.shape
    h = 1e-6
    fd = np.empty_like(p)
    for idx in np.ndindex(p.shape):
        e = np.zeros_like(p)
        e[idx] = h
        fd[idx] = (value_and_grad_f64(core, y, p + e, w)[0] - value_and_grad_f64(core, y, p - e, w)[0]) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)
    if weighted:  # a zero-weight sample gets no gradient
        np.testing.assert_array_equal(grad[WEIGHTS == 0], 0.0)


@pytest.mark.parametrize("case", ["mse", "bce_logits", "cce"])
def test_gradient_mean_with_sample_weight(case):
    make, _, _, ref, (y, p) = CASES[case]
    core = make(reduction="mean_with_sample_weight")._core
    value, grad = value_and_grad_f64(core, y, p, WEIGHTS)
    np.testing.assert_allclose(value, np.sum(ref(y, p) * WEIGHTS) / WEIGHTS.sum(), rtol=1e-12)
    h = 1e-6
    fd = np.empty_like(p)
    for idx in np.ndindex(p.shape):
        e = np.zeros_like(p)
        e[idx] = h
        fd[idx] = (value_and_grad_f64(core, y, p + e, WEIGHTS)[0]
                   - value_and_grad_f64(core, y, p - e, WEIGHTS)[0]) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)


def test_gradient_closed_forms():
    """A few closed forms, so a gradient that is merely self-consistent cannot pass."""
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    p = np.array([[0.25, 0.5], [2.0, -1.0]])
    _, g = value_and_grad_f64(losses.MeanSquaredError()._core, y, p)
    np.testing.assert_allclose(g, 2 * (p - y) / p.size, rtol=1e-12)       # /K per sample, /N batch
    _, g = value_and_grad_f64(losses.MeanSquaredError(reduction="sum")._core, y, p)
    np.testing.assert_allclose(g, 2 * (p - y) / 2, rtol=1e-12)
    z = np.array([[0.3, -1.2], [2.0, 0.1]])
    _, g = value_and_grad_f64(losses.BinaryCrossentropy(from_logits=True, reduction="sum")._core, y, z)
    np.testing.assert_allclose(g, (1 / (1 + np.exp(-z)) - y) / 2, rtol=1e-10)
    _, g = value_and_grad_f64(losses.CategoricalCrossentropy(from_logits=True, reduction="sum")._core, y, z)
    np.testing.assert_allclose(g, np.exp(_log_softmax(z)) - y, rtol=1e-10)


# ----------------------------------------------------------------------------------------
# Names and lookup
# ----------------------------------------------------------------------------------------

ALIASES = {
    "mse": ref_mse, "MSE": ref_mse, "mean_squared_error": ref_mse, "MeanSquaredError": ref_mse,
    "mae": ref_mae, "MAE": ref_mae, "mean_absolute_error": ref_mae, "MeanAbsoluteError": ref_mae,
    "mape": ref_mape, "MAPE": ref_mape, "mean_absolute_percentage_error": ref_mape,
    "msle": ref_msle, "MSLE": ref_msle, "mean_squared_logarithmic_error": ref_msle,
    "bce": ref_bce, "BCE": ref_bce, "binary_crossentropy": ref_bce, "BinaryCrossentropy": ref_bce,
    "kld": ref_kld, "KLD": ref_kld, "kl_divergence": ref_kld, "KLDivergence": ref_kld,
    "huber": ref_huber, "Huber": ref_huber, "log_cosh": ref_log_cosh, "LogCosh": ref_log_cosh,
    "hinge": ref_hinge, "squared_hinge": ref_squared_hinge, "categorical_hinge": ref_categorical_hinge,
    "poisson": ref_poisson, "Poisson": ref_poisson, "cosine_similarity": ref_cosine,
    "categorical_crossentropy": ref_cce, "CategoricalCrossentropy": ref_cce,
}


@pytest.mark.parametrize("identifier", list(ALIASES))
def test_compile_identifiers(identifier):
    loss = losses.loss_object(identifier)
    assert isinstance(loss, losses.Loss)
    y = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]])
    p = np.array([[0.2, 0.7, 0.4], [0.9, 0.3, 0.6]])
    np.testing.assert_allclose(per_sample_f64(loss._core, y, p), ALIASES[identifier](y, p), rtol=1e-12)
    np.testing.assert_allclose(loss(y, p), ALIASES[identifier](y, p).mean(), rtol=1e-6)
    if identifier[0].isupper() and identifier not in ("MSE", "MAE", "MAPE", "MSLE", "BCE", "KLD"):
        assert type(loss).__name__ == identifier     # a class name gives an instance of that class
    else:
        assert loss.name == identifier               # wrapped function keeps its string as name


def test_compile_identifiers_sparse_and_instances():
    loss = losses.loss_object("sparse_categorical_crossentropy")
    np.testing.assert_allclose(per_sample_f64(loss._core, np.array([1.0]), np.array([[0.2, 0.8]])), [-math.log(0.8)],
                               rtol=1e-12)
    assert isinstance(losses.loss_object("SparseCategoricalCrossentropy"), losses.SparseCategoricalCrossentropy)
    instance = losses.Huber(delta=2.0)
    assert losses.loss_object(instance) is instance


@pytest.mark.parametrize("bad", ["huber_loss", "logcosh", "kullback_leibler_divergence", "cosine_proximity",
                                 "not_a_loss", "Mse"])
def test_compile_rejects_keras2_and_unknown_names(bad):
    with pytest.raises(ValueError):
        losses.loss_object(bad)


@pytest.mark.parametrize("cls,name", [
    (losses.MeanSquaredError, "mean_squared_error"),
    (losses.MeanAbsoluteError, "mean_absolute_error"),
    (losses.MeanAbsolutePercentageError, "mean_absolute_percentage_error"),
    (losses.MeanSquaredLogarithmicError, "mean_squared_logarithmic_error"),
    (losses.Huber, "huber_loss"),
    (losses.LogCosh, "log_cosh"),
    (losses.Hinge, "hinge"),
    (losses.SquaredHinge, "squared_hinge"),
    (losses.CategoricalHinge, "categorical_hinge"),
    (losses.KLDivergence, "kl_divergence"),
    (losses.Poisson, "poisson"),
    (losses.CosineSimilarity, "cosine_similarity"),
    (losses.BinaryCrossentropy, "binary_crossentropy"),
    (losses.CategoricalCrossentropy, "categorical_crossentropy"),
    (losses.SparseCategoricalCrossentropy, "sparse_categorical_crossentropy"),
])
def test_class_default_names_and_reduction(cls, name):
    loss = cls()
    assert loss.name == name
    assert loss.reduction == "sum_over_batch_size"
    assert cls(name="custom").name == "custom"


def test_sparse_categorical_crossentropy_has_no_label_smoothing():
    with pytest.raises(TypeError):
        losses.SparseCategoricalCrossentropy(label_smoothing=0.1)
    with pytest.raises(TypeError):
        losses.sparse_categorical_crossentropy([0], [[0.6, 0.4]], label_smoothing=0.1)


def test_class_parameters_take_effect():
    y = np.array([[0.0, 3.0]])
    p = np.array([[0.5, 0.0]])
    np.testing.assert_allclose(losses.Huber(delta=2.0)(y, p), ref_huber(y, p, 2.0).mean(), rtol=1e-6)
    np.testing.assert_allclose(losses.Huber()(y, p), ref_huber(y, p, 1.0).mean(), rtol=1e-6)
    np.testing.assert_allclose(losses.huber(y, p, delta=2.0), ref_huber(y, p, 2.0), rtol=1e-6)
