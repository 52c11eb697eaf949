"""Outputs of several positions a sample, (batch, steps, classes), as Keras computes their losses
and built-in metrics: each position a row of the last axis, weighted by its sample's weight;
targets (batch, steps) for the sparse losses. Against Keras itself, and by finite differences."""

import numpy as np
import pytest

import densekit as keras
from file_helpers import requires_h5py
from keras_live import run_keras


def test_mse_gradient_of_a_sequence_output(gradcheck):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((3, 2))
    model = keras.Model(inputs, keras.layers.Dense(4, name="d")(inputs))
    model.compile(loss="mse")
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(5, 3, 2)), rng.normal(size=(5, 3, 4))
    gradcheck(model, [x], [y.reshape(5, -1)], lambda w, xs: [(xs[0] @ w["d"][0] + w["d"][1]).reshape(5, -1)])


def test_targets_that_do_not_split_over_the_positions_are_refused():
    inputs = keras.Input((2, 3))
    model = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    model.compile("sgd", "mse")
    x = np.ones((4, 2, 3), np.float32)
    with pytest.raises(ValueError, match="must have the same shape"):
        model.fit(x, np.ones((4, 3), np.float32), verbose=0)


KERAS_EVALUATES = """
import json, sys
import numpy as np, keras
model = keras.saving.load_model(sys.argv[1])
data = np.load(sys.argv[2])
print(json.dumps(model.evaluate(data["x"], data["y"], return_dict=True, verbose=0)))
"""


@requires_h5py
@pytest.mark.parametrize("loss, metrics, sparse", [
    ("sparse_categorical_crossentropy", ["accuracy", "sparse_top_k_categorical_accuracy"], True),
    ("categorical_crossentropy", ["accuracy", "categorical_accuracy", "mae"], False),
    ("mse", ["mae", "mean_squared_error"], False),
])
def test_losses_and_metrics_match_keras(loss, metrics, sparse, tmp_path):
    rng = np.random.default_rng(2)
    x = rng.integers(0, 8, (12, 5))
    labels = rng.integers(0, 4, (12, 5))
    y = labels if sparse else np.eye(4)[labels]
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((5,), dtype="int32"), keras.layers.Embedding(8, 6),
                              keras.layers.Dense(4, activation="softmax")])
    model.compile("sgd", loss, metrics=metrics)
    ours = model.evaluate(x, y, return_dict=True, verbose=0)
    path, data = str(tmp_path / "m.keras"), str(tmp_path / "data.npz")
    model.save(path)
    np.savez(data, x=x, y=y)
    theirs = run_keras(KERAS_EVALUATES, path, data)
    assert ours.keys() == theirs.keys()
    for key in ours:
        assert ours[key] == pytest.approx(theirs[key], rel=1e-5, abs=1e-6), key
    # A sample's weight weighs each of its positions (Keras 3.15.1 refuses per-sample weights for
    # per-position losses: "Incompatible shapes: [12] vs. [12,5]").
    doubled = model.evaluate(x, y, sample_weight=np.full(12, 2.0, np.float32), return_dict=True, verbose=0)
    assert doubled["loss"] == pytest.approx(2 * ours["loss"], rel=1e-6)
    w = np.zeros(12, np.float32)
    w[:6] = 1
    half = model.evaluate(x[:6], y[:6], return_dict=True, verbose=0)
    weighted = model.evaluate(x, y, sample_weight=w, return_dict=True, verbose=0)
    assert weighted["loss"] == pytest.approx(half["loss"] / 2, rel=1e-5)
