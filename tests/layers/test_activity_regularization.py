"""ActivityRegularization (keras/src/layers/regularization/activity_regularization.py): the
identity, with L1L2(l1, l2) of its output added to the loss divided by the batch size; its
gradient checked by finite differences; its config (l1, l2, no activity_regularizer) and files."""

import numpy as np
import pytest

import densekit as keras
from file_helpers import requires_h5py
from keras_live import run_keras


def _model(l1, l2):
    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="d"),
                              keras.layers.ActivityRegularization(l1=l1, l2=l2, name="reg")])
    model.compile("sgd", "mse")
    return model


def test_identity_with_the_penalty_in_the_loss(gradcheck):
    model = _model(0.01, 0.1)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 4))
    np.testing.assert_array_equal(model.layers[1](x.astype(np.float32)), x.astype(np.float32))
    p = model.predict(x, verbose=0).astype(np.float64)
    expected = np.mean((p - y) ** 2) + (0.01 * np.abs(p).sum() + 0.1 * (p ** 2).sum()) / len(x)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_gradient_includes_the_penalty():
    from densekit._core._testing import compute_gradients
    model = _model(0.0, 0.5)
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(5, 3)).astype(np.float32), rng.normal(size=(5, 4)).astype(np.float32)
    kernel, bias = [w.astype(np.float64) for w in model.get_weights()]

    def loss(k, b):
        p = x @ k + b
        return np.mean((p - y) ** 2) + 0.5 * (p ** 2).sum() / len(x)

    h = 1e-6
    numeric = []
    for w, other, first in ((kernel, bias, True), (bias, kernel, False)):
        g = np.zeros_like(w)
        for i in np.ndindex(w.shape):
            up, down = w.copy(), w.copy()
            up[i] += h
            down[i] -= h
            g[i] = ((loss(up, other) - loss(down, other)) if first else (loss(other, up) - loss(other, down))) / (2 * h)
        numeric.append(g.ravel())
    analytic = compute_gradients(model._core, [x], [y])
    np.testing.assert_allclose(analytic, np.concatenate(numeric), rtol=1e-4, atol=1e-5)


@requires_h5py
def test_config_and_file(tmp_path):
    layer = keras.layers.ActivityRegularization(l1=0.2, l2=0.3, name="r")
    config = layer.get_config()
    assert config["l1"] == 0.2 and config["l2"] == 0.3 and "activity_regularizer" not in config
    assert keras.layers.ActivityRegularization.from_config(config).get_config() == config
    model = _model(0.01, 0.1)
    x, y = np.ones((2, 3), np.float32), np.zeros((2, 4), np.float32)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-6)
    with pytest.raises(ValueError, match="l1"):
        keras.layers.ActivityRegularization(l1="0.1")
    with pytest.raises(ValueError):
        keras.layers.ActivityRegularization(l2=-0.1)


KERAS_EVALUATES = """
import json, sys
import numpy as np, keras
model = keras.saving.load_model(sys.argv[1])
print(json.dumps(float(model.evaluate(np.ones((2, 3)), np.zeros((2, 4)), verbose=0))))
"""


@requires_h5py
def test_keras_computes_the_same_loss_from_densekits_file(tmp_path):
    model = _model(0.01, 0.1)
    path = str(tmp_path / "m.keras")
    model.save(path)
    ours = model.evaluate(np.ones((2, 3), np.float32), np.zeros((2, 4), np.float32), verbose=0)
    assert run_keras(KERAS_EVALUATES, path) == pytest.approx(ours, rel=1e-5)


class _Linear(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer=keras.initializers.Constant(0.5))

    def call(self, x):
        return keras.ops.matmul(x, self.w)


@pytest.mark.parametrize("regularizer, penalty", [(keras.regularizers.L2(0.1), 0.8), (keras.regularizers.L1(0.1), 0.4),
                                                  (keras.regularizers.L1L2(0.1, 0.1), 1.2)])
def test_a_built_in_activity_regularizer_given_to_a_layer_subclass_counts(regularizer, penalty):
    """The base Layer takes it; a subclass has no C++ layer to apply it, and it was ignored."""
    x, y = np.ones((8, 4), np.float32), np.zeros((8, 2), np.float32)
    model = keras.Sequential([keras.Input((4,)), _Linear(2, activity_regularizer=regularizer)])
    model.compile(keras.optimizers.SGD(0.01), "mse")
    # Each output is 2.0: the MSE is 4.0, and the penalty is the regularizer of one sample's output.
    assert model.evaluate(x, y, verbose=0) == pytest.approx(4.0 + penalty, rel=1e-6)


def test_an_eager_call_keeps_its_activity_penalty_in_losses_as_keras_does():
    """keras/src/layers/layer.py adds regularizer(output) / batch size at every call; values as
    Keras 3.15.1 gives them. Each call's penalty replaces the last one's."""
    x = np.arange(12, dtype="float32").reshape(2, 6) / 10
    layer = keras.layers.ActivityRegularization(l1=0.1)
    layer(x)
    np.testing.assert_allclose(layer.losses, [0.33], rtol=1e-6)
    dense = keras.layers.Dense(2, activity_regularizer="l1", kernel_initializer="ones")
    dense(x)
    dense(x)
    np.testing.assert_allclose(dense.losses, [0.066], rtol=1e-6)
    python = keras.layers.Dense(2, activity_regularizer=lambda t: 0.5 * keras.ops.sum(t), kernel_initializer="ones")
    python(x)
    np.testing.assert_allclose(python.losses, [3.3], rtol=1e-6)
    plain = keras.layers.Dense(2)
    plain(x)
    assert plain.losses == []
    dense.activity_regularizer = None
    dense(x)
    assert dense.losses == []  # (the last call's penalty goes with the next call)
