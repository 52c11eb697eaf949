"""The cross-entropies of a softmax or sigmoid output, read from its logits as Keras on TensorFlow
reads them (keras/src/backend/tensorflow/nn.py, _get_logits): the loss, the metrics and the
gradient of a saturated output are the logits' (no clipping to [1e-7, 1 - 1e-7]), whatever
`from_logits` says, and even when the cross-entropy's kind does not match the activation
(binary cross-entropy of a softmax output is the sigmoid's of its logits). Checked against an
independent float64 reference, finite differences and, when it is installed, Keras itself."""

import numpy as np
import pytest

import densekit as keras
from densekit._core._testing import compute_gradients
from gradient_helpers import numeric_gradient
from file_helpers import requires_h5py
from keras_live import run_keras

# Logits far apart: the probabilities of the wrong classes fall below 1e-7.
X = np.array([[30.0, 0.0, 0.0], [0.0, 30.0, 0.0], [1.0, 2.0, 3.0], [0.0, 0.0, 40.0], [-25.0, 5.0, 0.5]], np.float32)
LABELS = np.array([1, 0, 2, 2, 0])
ONE_HOT = np.eye(3, dtype=np.float32)[LABELS]
BINARY = (ONE_HOT[:, :1] > 0).astype(np.float32)


def _log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _softmax_ce(z, one_hot):
    return -(one_hot * _log_softmax(z)).sum(axis=-1).mean()


def _sigmoid_ce(z, t):
    return (np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))).mean(axis=-1).mean()


def _identity_dense(units, activation=None, name="d"):
    return keras.layers.Dense(units, activation=activation, kernel_initializer="identity", name=name)


def _models(activation):
    """Three ways to end a model in `activation`: Dense's argument, an Activation layer, and
    (for softmax) the Softmax layer."""
    def sequential(*layers):
        return keras.Sequential([keras.Input((3,)), *layers])
    models = {"Dense": sequential(_identity_dense(3, activation)),
              "Activation": sequential(_identity_dense(3), keras.layers.Activation(activation))}
    if activation == "softmax":
        models["Softmax"] = sequential(_identity_dense(3), keras.layers.Softmax())
    return models


@pytest.mark.parametrize("activation", ["softmax", "sigmoid"])
def test_the_loss_and_its_metric_are_the_logits_cross_entropy(activation):
    z = X.astype(np.float64)
    cases = [("categorical_crossentropy", ONE_HOT, _softmax_ce(z, ONE_HOT)),
             ("sparse_categorical_crossentropy", LABELS, _softmax_ce(z, ONE_HOT)),
             ("binary_crossentropy", ONE_HOT, _sigmoid_ce(z, ONE_HOT))]
    for kind, model in _models(activation).items():
        for loss, y, expected in cases:
            model.compile(loss=loss, metrics=[loss])
            value, metric = model.evaluate(X, y, verbose=0)
            assert value == pytest.approx(expected, rel=1e-6), (kind, loss)
            assert metric == pytest.approx(expected, rel=1e-6), (kind, loss)
            # Clipped probabilities would cost at most -log(1e-7) = 16.1 a sample.
            assert expected > 16.2 / 5 * 2


def test_from_logits_true_on_a_softmax_output_reads_its_logits_too():
    model = _models("softmax")["Dense"]
    with pytest.warns(UserWarning, match="does not represent logits"):
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=[keras.metrics.SparseCategoricalCrossentropy(from_logits=True)])
    expected = _softmax_ce(X.astype(np.float64), ONE_HOT)
    assert model.evaluate(X, LABELS, verbose=0) == pytest.approx([expected, expected], rel=1e-6)


def test_label_smoothing_and_sample_weights_apply_to_the_logits():
    model = _models("softmax")["Activation"]
    model.compile(loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1))
    weights = np.array([1.0, 0.5, 2.0, 0.0, 1.5], np.float32)
    smoothed = ONE_HOT * 0.9 + 0.1 / 3
    per_sample = -(smoothed * _log_softmax(X.astype(np.float64))).sum(axis=-1)
    expected = (per_sample * weights).sum() / len(X)
    assert model.evaluate(X, ONE_HOT, sample_weight=weights, verbose=0) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("ending", ["Dense", "Activation"])
@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "binary_crossentropy"])
def test_the_gradient_is_the_logits_one_where_probabilities_saturate(ending, loss):
    # With clipped probabilities a saturated wrong class would give no gradient; from the logits
    # it gives softmax(z) - y, as Keras on TensorFlow trains.
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(6, 4)) * 30).astype(np.float32)
    layers = ([keras.layers.Dense(3, activation="softmax", name="d")] if ending == "Dense"
              else [keras.layers.Dense(3, name="d"), keras.layers.Activation("softmax")])
    model = keras.Sequential([keras.Input((4,)), *layers])
    model.compile("sgd", loss)
    labels = np.array([0, 1, 2, 0, 1, 2])
    y = labels if loss.startswith("sparse") else np.eye(3, dtype=np.float32)[labels]
    kernel, bias = model.get_weights()
    assert np.max(_softmax_ce_rows(x @ kernel + bias, labels)) > 16.2  # some samples saturate

    def reference(params):
        w, b = params[0][:12].reshape(4, 3), params[0][12:]
        z = x.astype(np.float64) @ w + b
        return _softmax_ce(z, np.eye(3)[labels]) if loss.startswith("sparse") else _sigmoid_ce(z, np.eye(3)[labels])

    params = np.concatenate([kernel.ravel(), bias]).astype(np.float64)
    analytic = compute_gradients(model._core, [x], [np.asarray(y, np.float32).reshape(6, -1)])
    np.testing.assert_allclose(analytic, numeric_gradient(reference, [params]), rtol=1e-4, atol=1e-5)


def _softmax_ce_rows(z, labels):
    return -_log_softmax(z.astype(np.float64))[np.arange(len(labels)), labels]


def test_an_output_that_feeds_another_layer_reports_the_logits_loss():
    # Its gradient cannot go straight to the logits (the other layer's comes through the
    # probabilities), so it is the probabilities'; the value is still the logits'.
    inputs = keras.Input((3,))
    probabilities = _identity_dense(3, "softmax")(inputs)
    doubled = keras.layers.Rescaling(2.0)(probabilities)
    model = keras.Model(inputs, [probabilities, doubled])
    model.compile("sgd", loss=["categorical_crossentropy", "mse"])
    logs = model.evaluate(X, [ONE_HOT, ONE_HOT], return_dict=True, verbose=0)
    name = model.output_names[0]
    assert logs[f"{name}_loss"] == pytest.approx(_softmax_ce(X.astype(np.float64), ONE_HOT), rel=1e-6)
    history = model.fit(X, [ONE_HOT, ONE_HOT], epochs=2, batch_size=5, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


def test_the_other_losses_read_the_probabilities():
    model = _models("softmax")["Dense"]
    model.compile(loss="kl_divergence", metrics=["mse"])
    p = np.exp(_log_softmax(X.astype(np.float64)))
    clipped_y, clipped_p = np.clip(ONE_HOT, 1e-7, 1), np.clip(p, 1e-7, 1)
    expected = (clipped_y * np.log(clipped_y / clipped_p)).sum(axis=-1).mean()
    value, mse = model.evaluate(X, ONE_HOT, verbose=0)
    assert value == pytest.approx(expected, rel=1e-5)
    assert mse == pytest.approx(((p - ONE_HOT) ** 2).mean(), rel=1e-5)


KERAS_EVALUATES = """
import json, sys
import numpy as np, keras
data = np.load(sys.argv[1])
out = {}
for path in sys.argv[2:]:
    model = keras.saving.load_model(path)
    out[path] = model.evaluate(data["x"], data["y"], verbose=0)
print(json.dumps(out))
"""


@requires_h5py
def test_keras_on_tensorflow_computes_the_same(tmp_path):
    paths, ours = [], {}
    for activation in ("softmax", "sigmoid"):
        for kind, model in _models(activation).items():
            # (the binary focal loss of a softmax output: Keras mixes the logits' cross-entropy with
            # the probabilities' focal factor; densekit reads the probabilities, as README says)
            focal = ("binary_focal_crossentropy",) if activation == "sigmoid" else ()
            for loss in ("categorical_crossentropy", "binary_crossentropy", *focal):
                model.compile(loss=loss, metrics=None if "focal" in loss else [loss])
                path = str(tmp_path / f"{activation}-{kind}-{loss}.keras")
                model.save(path)
                paths.append(path)
                ours[path] = model.evaluate(X, ONE_HOT, verbose=0)
    data = str(tmp_path / "data.npz")
    np.savez(data, x=X, y=ONE_HOT)
    theirs = run_keras(KERAS_EVALUATES, data, *paths)
    for path in paths:
        assert ours[path] == pytest.approx(theirs[path], rel=1e-5), path


def test_from_logits_true_on_a_softmax_output_warns_as_keras_on_tensorflow():
    model = _models("softmax")["Dense"]
    with pytest.warns(UserWarning, match=r"`sparse_categorical_crossentropy` received `from_logits=True`, but the "
                                         r"`output` argument was produced by a Softmax activation"):
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with pytest.warns(UserWarning, match="produced by a Sigmoid activation and thus does not represent logits"):
        _models("softmax")["Activation"].compile(loss=keras.losses.BinaryCrossentropy(from_logits=True))
    with pytest.warns(UserWarning, match=r"`categorical_crossentropy` received `from_logits=True`.*Softmax"):
        model.compile(loss="sparse_categorical_crossentropy",  # metrics call the same function as the loss
                      metrics=[keras.metrics.CategoricalCrossentropy(from_logits=True)])
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.compile(loss="sparse_categorical_crossentropy", metrics=[keras.metrics.CategoricalCrossentropy()])
        linear = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
        linear.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))


def _sigmoid_focal(z, t, gamma=2.0):
    """Keras's binary focal loss on TensorFlow: the cross-entropy from the logits, the focal
    factor from the sigmoid's output."""
    p = 1.0 / (1.0 + np.exp(-z))
    p_t = t * p + (1 - t) * (1 - p)
    bce = np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))
    return ((1 - p_t) ** gamma * bce).mean(axis=-1).mean()


def test_the_binary_focal_loss_of_a_sigmoid_output_reads_its_logits():
    """It clipped the probabilities, so a saturated wrong sample cost at most 16.1 (times its
    focal factor) and gave no gradient; Keras on TensorFlow reads the logits, as for the
    binary cross-entropy."""
    z = X.astype(np.float64)
    for kind, model in _models("sigmoid").items():
        model.compile("sgd", loss="binary_focal_crossentropy")
        assert model.evaluate(X, ONE_HOT, verbose=0) == pytest.approx(_sigmoid_focal(z, ONE_HOT), rel=1e-5), kind
    model = keras.Sequential([keras.Input((3,)), _identity_dense(3, "sigmoid")])
    model.compile("sgd", loss="binary_focal_crossentropy")
    kernel, bias = model.get_weights()

    def reference(params):
        w, b = params[0][:9].reshape(3, 3), params[0][9:]
        return _sigmoid_focal(X.astype(np.float64) @ w + b, ONE_HOT)

    params = np.concatenate([kernel.ravel(), bias]).astype(np.float64)
    analytic = compute_gradients(model._core, [X], [ONE_HOT])
    np.testing.assert_allclose(analytic, numeric_gradient(reference, [params]), rtol=1e-4, atol=1e-6)
