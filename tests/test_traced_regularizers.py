"""Weight regularizers written in Python (a function of the weight, a Regularizer subclass),
traced for the weight's shape once the layer is built and computed in C++ with their gradient."""

import json

import numpy as np
import pytest

import densekit as keras
from densekit import _core, layers, ops
from densekit._core._testing import compute_gradients
from file_helpers import format_version
from gradient_helpers import numeric_gradient


def _l2_function(w):
    return 0.01 * ops.sum(ops.square(w))


class _ColumnSums(keras.regularizers.Regularizer):
    """Penalizes the square of each unit's summed kernel column, a reduction along one of the
    weight's own axes."""

    def __init__(self, strength=0.1):
        self.strength = strength

    def __call__(self, w):
        return self.strength * ops.sum(ops.square(ops.sum(w, axis=0)))

    def get_config(self):
        return {"strength": self.strength}


def _column_sums(w, strength=0.1):
    return strength * np.sum(np.sum(w, axis=0) ** 2)


def _data(n=32, features=5, outputs=1, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, features)).astype("float32"), rng.normal(size=(n, outputs)).astype("float32")


@pytest.mark.parametrize("python_regularizer", [_l2_function, lambda w: 0.01 * ops.sum(w ** 2)],
                         ids=["function", "lambda"])
def test_a_function_regularizer_trains_bitwise_like_the_built_in_l2(python_regularizer):
    x, y = _data()
    runs = []
    for regularizer in (keras.regularizers.L2(0.01), python_regularizer):
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input((5,)), layers.Dense(4, activation="tanh", kernel_regularizer=regularizer,
                                                                  bias_regularizer=regularizer), layers.Dense(1)])
        model.compile(keras.optimizers.Adam(0.01), "mse")
        before = model.evaluate(x, y, verbose=0)
        history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
        runs.append((before, history.history["loss"], model.get_weights()))
    assert runs[1][0] == pytest.approx(runs[0][0], rel=1e-6)
    np.testing.assert_allclose(runs[1][1], runs[0][1], rtol=1e-6)
    for built_in, traced in zip(runs[0][2], runs[1][2]):
        np.testing.assert_allclose(traced, built_in, rtol=1e-5, atol=1e-7)


def test_a_subclass_reducing_along_the_weights_axis_matches_numpy_with_its_gradient():
    x, y = _data(outputs=3)
    model = keras.Sequential([keras.Input((5,)), layers.Dense(3, kernel_regularizer=_ColumnSums(0.1))])
    model.compile("sgd", "mse")
    k, b = [w.astype(np.float64) for w in model.get_weights()]
    expected = np.mean((x @ k + b - y) ** 2) + _column_sums(k)
    assert model.evaluate(x, y, batch_size=32, verbose=0) == pytest.approx(expected, rel=1e-5)

    def total(params):
        return np.mean((x.astype(np.float64) @ params[0] + params[1] - y) ** 2) + _column_sums(params[0])

    np.testing.assert_allclose(compute_gradients(model._core, [x], [y]), numeric_gradient(total, [k, b]),
                               rtol=1e-3, atol=1e-5)


def test_shape_ops_count_the_weights_own_axes():
    """Slicing, transpose and a last-axis reduction on the weight, as Keras sees it (no batch
    axis): w[:, 0] is the first unit's column."""
    def first_column_and_rows(w):
        return ops.sum(ops.abs(w[:, 0])) + ops.mean(ops.max(ops.transpose(w), axis=-1)) + 0.5 * ops.sum(w[1])

    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, use_bias=False, kernel_regularizer=first_column_and_rows)])
    model.compile("sgd", "mse")
    k = model.get_weights()[0].astype(np.float64)
    x, y = np.zeros((2, 4), np.float32), np.zeros((2, 3), np.float32)
    expected = np.abs(k[:, 0]).sum() + k.T.max(axis=-1).mean() + 0.5 * k[1].sum()
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_a_frozen_layer_adds_no_weight_penalty_as_in_keras():
    x, y = _data()
    for regularizer in (keras.regularizers.L2(0.5), _l2_function):
        dense = layers.Dense(1, kernel_regularizer=regularizer)
        model = keras.Sequential([keras.Input((5,)), dense])
        model.compile("sgd", "mse")
        k, b = model.get_weights()
        plain = np.mean((x @ k + b - y) ** 2)
        assert model.evaluate(x, y, batch_size=32, verbose=0) > plain * 1.0001
        dense.trainable = False
        model.compile("sgd", "mse")
        assert model.evaluate(x, y, batch_size=32, verbose=0) == pytest.approx(plain, rel=1e-5)


def test_a_layer_subclass_weight_with_a_python_regularizer():
    class Linear(layers.Layer):
        def __init__(self, units):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                     regularizer=lambda w: 0.2 * ops.sum(ops.abs(w)))

        def call(self, inputs):
            return ops.matmul(inputs, self.w)

    inputs = keras.Input((4,))
    model = keras.Model(inputs, Linear(2)(inputs))
    model.compile("sgd", "mse")
    x, y = _data(features=4, outputs=2)
    w = model.get_weights()[0].astype(np.float64)
    expected = np.mean((x @ w - y) ** 2) + 0.2 * np.abs(w).sum()
    assert model.evaluate(x, y, batch_size=32, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_save_and_load_with_custom_objects_and_in_cpp_without_the_python_code(tmp_path):
    class Unlisted(_ColumnSums):  # not found in its module: loading needs custom_objects
        pass

    x, y = _data(outputs=3)
    model = keras.Sequential([keras.Input((5,)), layers.Dense(3, kernel_regularizer=Unlisted(0.25))])
    model.compile("sgd", "mse")
    expected = model.evaluate(x, y, verbose=0)
    path = tmp_path / "regularized.dk"
    model.save(path)

    with pytest.raises(TypeError, match="Could not locate class 'Unlisted'"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, custom_objects={"Unlisted": Unlisted})
    assert isinstance(loaded.layers[0].kernel_regularizer, Unlisted)
    assert loaded.layers[0].kernel_regularizer.strength == 0.25
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-6)
    loaded.fit(x, y, epochs=1, verbose=0)

    assert format_version(path) == "2"
    core = _core.load_model(str(path), True)  # the C++ core alone: the traced graph, no Python
    assert core.evaluate([x], [y], None, 32)[0] == ("loss", pytest.approx(expected, rel=1e-6))


def test_a_registered_function_round_trips_through_get_config():
    @keras.saving.register_keras_serializable(package="traced_regularizer_tests")
    def penalty(w):
        return 0.03 * ops.sum(ops.square(w))

    dense = layers.Dense(2, kernel_regularizer=penalty)
    config = dense.get_config()
    assert config["kernel_regularizer"]["class_name"] == "function"
    assert config["kernel_regularizer"]["config"] == "traced_regularizer_tests>penalty"  # as Keras names it
    again = layers.Dense.from_config(config)
    assert again.kernel_regularizer.fn is penalty
    model = keras.Sequential([keras.Input((3,)), again])
    model.compile("sgd", "mse")
    k, b = model.get_weights()
    x = np.ones((1, 3), np.float32)
    assert model.evaluate(x, np.zeros((1, 2), np.float32), verbose=0) == pytest.approx(
        np.mean((x @ k + b) ** 2) + 0.03 * np.sum(k.astype(np.float64) ** 2), rel=1e-5)


def test_what_cannot_be_traced_is_refused_naming_the_regularizer_and_the_line():
    def with_numpy(w):
        return np.sum(w)

    with pytest.raises(TypeError, match=r"regularizer .*with_numpy.* of the weight 'kernel' of layer .*test_traced_regu"):
        keras.Sequential([keras.Input((3,)), layers.Dense(2, kernel_regularizer=with_numpy)])
    with pytest.raises(TypeError, match="must return a value computed from the weight"):
        keras.Sequential([keras.Input((3,)), layers.Dense(2, kernel_regularizer=lambda w: 0.5)])
    with pytest.raises(ValueError, match="out of bounds"):
        keras.Sequential([keras.Input((3,)), layers.Dense(2, kernel_regularizer=lambda w: ops.sum(w, axis=2))])


def test_a_malformed_traced_regularizer_in_a_config_is_refused():
    config = {"module": "x", "class_name": "Mine", "config": {}, "registered_name": None, "densekit_traced": 3}
    with pytest.raises(ValueError, match="malformed graph"):
        _core.layer_from_config_json("Dense", '{"name": "d", "units": 2, "kernel_regularizer": %s}'
                                     % json.dumps(config))
    pending = _core.Regularizer.python("mine", "{}")
    assert pending.pending
    with pytest.raises(ValueError, match="never traced"):
        pending(np.ones(3, np.float32))
