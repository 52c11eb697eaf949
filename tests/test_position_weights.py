"""A weight per position, `sample_weight` of shape (batch, steps), for outputs of several positions
a sample such as (batch, steps, classes): Keras weighs each position's loss and each position in
the weighted metrics, the loss summed over the batch's positions and divided by their count
(sum_over_batch_size). Checked against a float64 NumPy reference and, when installed, Keras."""

import numpy as np
import pytest

import densekit as keras
from file_helpers import requires_h5py
from keras_live import run_keras

STEPS, CLASSES = 5, 4


def _data(n=12, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 20, size=(n, STEPS))
    labels = rng.integers(0, CLASSES, size=(n, STEPS))
    weights = rng.random((n, STEPS)).astype(np.float32)
    weights[0, :2] = 0.0  # positions that do not count, as padding
    return x, labels, weights


def _model(loss="sparse_categorical_crossentropy"):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((STEPS,), dtype="int32"), keras.layers.Embedding(20, 6),
                              keras.layers.Dense(CLASSES, activation="softmax")])
    model.compile("adam", loss, metrics=["accuracy"], weighted_metrics=["accuracy"])
    return model


def _reference(model, x, labels, weights):
    p = model.predict(x, verbose=0).astype(np.float64)
    losses = -np.log(np.take_along_axis(p, labels[..., None], axis=-1)[..., 0])
    hits = (p.argmax(axis=-1) == labels).astype(np.float64)
    # Keras lists the weighted accuracy's own name, "accuracy", again before "weighted_accuracy".
    return (losses * weights).sum() / losses.size, hits.mean(), hits.mean(), (hits * weights).sum() / weights.sum()


@pytest.mark.parametrize("batch_size", [32, 5])
def test_each_position_weighs_as_its_weight(batch_size):
    x, labels, weights = _data()
    model = _model()
    got = model.evaluate(x, labels, sample_weight=weights, batch_size=batch_size, verbose=0)
    np.testing.assert_allclose(got, _reference(model, x, labels, weights), rtol=2e-6)


def test_a_weight_per_sample_repeated_over_the_positions_is_the_same():
    x, labels, weights = _data()
    model = _model()
    per_sample = weights[:, 0]
    repeated = np.repeat(per_sample[:, None], STEPS, axis=1)
    assert model.evaluate(x, labels, sample_weight=repeated, verbose=0) == pytest.approx(
        model.evaluate(x, labels, sample_weight=per_sample, verbose=0), rel=1e-6)


def test_fit_shuffles_and_splits_the_weights_with_their_samples():
    x, labels, weights = _data(n=40, seed=1)
    model = _model()
    history = model.fit(x, labels, sample_weight=weights, validation_split=0.25, shuffle=True, batch_size=8,
                        epochs=2, verbose=0)
    val = model.evaluate(x[30:], labels[30:], sample_weight=weights[30:], verbose=0)
    assert history.history["val_loss"][-1] == pytest.approx(val[0], rel=1e-5)
    # Positions of weight 0 teach nothing: their targets may be anything.
    zero = np.zeros_like(weights)
    zero[:, 0] = 1.0
    scrambled = labels.copy()
    scrambled[:, 1:] = (labels[:, 1:] + 1) % CLASSES
    a, b = _model(), _model()
    a.fit(x, labels, sample_weight=zero, shuffle=False, epochs=2, verbose=0)
    b.fit(x, scrambled, sample_weight=zero, shuffle=False, epochs=2, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_train_and_test_on_batch_and_streamed_batches_take_them():
    x, labels, weights = _data()
    model = _model()
    expected = _reference(model, x, labels, weights)
    np.testing.assert_allclose(model.test_on_batch(x, labels, sample_weight=weights), expected, rtol=2e-6)
    batches = [(x[i:i + 4], labels[i:i + 4], weights[i:i + 4]) for i in range(0, 12, 4)]
    np.testing.assert_allclose(model.evaluate((b for b in batches), verbose=0), expected, rtol=2e-6)
    model.train_on_batch(x, labels, sample_weight=weights)


def test_weights_that_do_not_match_the_positions_are_refused():
    x, labels, weights = _data()
    model = _model()
    with pytest.raises(ValueError, match=r"has 3 values a sample, one per position, but output 0 has 5 position"):
        model.evaluate(x, labels, sample_weight=weights[:, :3], verbose=0)
    with pytest.raises(ValueError, match="expected 12 values, received 11"):
        model.evaluate(x, labels, sample_weight=weights.ravel()[:11], verbose=0)
    flat = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    flat.compile("sgd", "mse")
    with pytest.raises(ValueError, match="output 0 has 1 position"):
        flat.fit(np.ones((4, 3)), np.ones((4, 2)), sample_weight=np.ones((4, 2)), verbose=0)
    bad = weights.copy()
    bad[2, 3] = np.nan
    with pytest.raises(ValueError, match="sample_weight"):
        model.fit(x, labels, sample_weight=bad, verbose=0)


def test_weights_whose_rows_are_not_the_samples_are_refused():
    # (steps, batch) holds as many values as (batch, steps); Keras refuses it (the cardinality of
    # sample_weight is its first axis), and so does densekit on every path, streamed batches too.
    x, labels, weights = _data()
    model = _model()
    swapped = np.ascontiguousarray(weights.T)
    message = "expected 12 values, received 60 in 5 rows"
    with pytest.raises(ValueError, match=message):
        model.fit(x, labels, sample_weight=swapped, verbose=0)
    with pytest.raises(ValueError, match=message):
        model.evaluate(x, labels, sample_weight=swapped, verbose=0)
    with pytest.raises(ValueError, match=message):
        model.train_on_batch(x, labels, sample_weight=swapped)
    with pytest.raises(ValueError, match="expected 4 values, received 20 in 5 rows"):
        model.evaluate(((x[i:i + 4], labels[i:i + 4], swapped[:, i:i + 4]) for i in range(0, 12, 4)), verbose=0)
    flat = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    flat.compile("sgd", "mse")
    with pytest.raises(ValueError, match="expected 4 values, received 4 in 1 row"):
        flat.fit(np.ones((4, 3)), np.ones((4, 2)), sample_weight=np.ones((1, 4)), verbose=0)
    flat.fit(np.ones((4, 3)), np.ones((4, 2)), sample_weight=np.ones((4, 1)), verbose=0)  # a column: a weight a sample


def test_a_python_loss_traced_for_a_weight_a_sample_refuses_them():
    def loss(y_true, y_pred):
        return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)

    x, labels, weights = _data()
    model = keras.Sequential([keras.Input((STEPS,), dtype="int32"), keras.layers.Embedding(20, 6),
                              keras.layers.Dense(CLASSES)])
    model.compile("sgd", loss)
    with pytest.raises(ValueError, match="written in Python"):
        model.evaluate(x, np.eye(CLASSES)[labels], sample_weight=weights, verbose=0)


KERAS_EVALUATES = """
import json, sys
import numpy as np, keras
model = keras.saving.load_model(sys.argv[1])
data = np.load(sys.argv[2])
print(json.dumps(model.evaluate(data["x"], data["y"], sample_weight=data["w"], batch_size=5, verbose=0)))
"""


@requires_h5py
@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "categorical_crossentropy", "mse"])
def test_keras_weighs_the_same(loss, tmp_path):
    x, labels, weights = _data()
    y = labels if loss.startswith("sparse") else np.eye(CLASSES, dtype=np.float32)[labels]
    model = _model(loss)
    ours = model.evaluate(x, y, sample_weight=weights, batch_size=5, verbose=0)
    path, data = str(tmp_path / "m.keras"), str(tmp_path / "data.npz")
    model.save(path)
    np.savez(data, x=x, y=y, w=weights)
    assert ours == pytest.approx(run_keras(KERAS_EVALUATES, path, data), rel=1e-5)
