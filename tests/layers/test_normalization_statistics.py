"""Normalization's ``mean`` / ``variance`` attributes and axis=None on 1-D data
(keras/src/layers/preprocessing/normalization.py: build, adapt, finalize_state), as the TF
regression tutorial uses them."""

import numpy as np
import pytest

import densekit as keras
from densekit import layers


def _horsepower(n=120, seed=0):
    rng = np.random.default_rng(seed)
    horsepower = rng.uniform(50.0, 200.0, size=n).astype(np.float32)
    mpg = (40.0 - 0.12 * horsepower + rng.normal(size=n)).astype(np.float32)
    return horsepower, mpg


def test_mean_and_variance_after_adapt_broadcast_against_the_inputs():
    rng = np.random.default_rng(1)
    data = rng.normal(loc=[1.0, -2.0, 5.0], scale=[0.5, 2.0, 3.0], size=(200, 3))
    norm = layers.Normalization(axis=-1)
    assert norm.mean is None and not hasattr(norm, "variance")  # Keras: set when built
    norm.adapt(data)
    assert norm.mean.shape == (1, 3) and norm.variance.shape == (1, 3) and norm.mean.dtype == np.float32
    np.testing.assert_allclose(norm.mean, data.mean(axis=0, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(norm.variance.numpy(), data.var(axis=0, keepdims=True), rtol=1e-6)
    keras.Sequential([keras.Input((3,)), norm])  # in a model: read from its weights, same values
    np.testing.assert_allclose(norm.mean.numpy(), data.mean(axis=0, keepdims=True), rtol=1e-6)


def test_given_mean_and_variance_that_do_not_broadcast_name_their_shape():
    norm = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"`mean` and `variance` of shape \(3,\) cannot be broadcast"):
        keras.Sequential([keras.Input((2,)), norm])


def test_mean_shapes_follow_the_kept_axes():
    data = np.random.default_rng(2).normal(size=(30, 4, 3))
    last, middle = layers.Normalization(axis=-1), layers.Normalization(axis=1)
    last.adapt(data)
    middle.adapt(data)
    assert last.mean.shape == (1, 1, 3) and middle.mean.shape == (1, 4, 1)
    np.testing.assert_allclose(middle.mean[0, :, 0], data.mean(axis=(0, 2)), rtol=1e-6, atol=1e-7)


def test_given_mean_and_variance_are_exposed_once_built():
    norm = layers.Normalization(axis=-1, mean=[1.0, 2.0], variance=[4.0, 9.0])
    assert norm.mean is None
    keras.Sequential([keras.Input((2,)), norm])
    np.testing.assert_array_equal(norm.mean, [[1.0, 2.0]])
    np.testing.assert_array_equal(norm.variance, [[4.0, 9.0]])
    scalar = layers.Normalization(axis=None, mean=3.0, variance=4.0)
    keras.Sequential([keras.Input((2,)), scalar])
    np.testing.assert_array_equal(scalar.mean, [[3.0]])  # axis=None: one value, every axis of size 1
    np.testing.assert_array_equal(scalar.variance, [[4.0]])


def test_regression_tutorial_one_variable_model():
    """``layers.Normalization(input_shape=[1,], axis=None)`` adapted on the 1-D horsepower
    column, then the first layer of a Sequential fitted on that 1-D column."""
    horsepower, mpg = _horsepower()
    with pytest.warns(UserWarning, match="input_shape"):
        normalizer = layers.Normalization(input_shape=[1], axis=None)
    normalizer.adapt(horsepower)
    assert normalizer.mean.shape == (1,)  # adapted on 1-D data: Keras's broadcast shape
    np.testing.assert_allclose(normalizer.mean.numpy(), [horsepower.mean()], rtol=1e-6)
    np.testing.assert_allclose(normalizer.variance.numpy(), [horsepower.var()], rtol=1e-5)
    model = keras.Sequential([normalizer, layers.Dense(units=1)])
    assert model.input_shape == (None, 1) and model.output_shape == (None, 1)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1), loss="mean_absolute_error")
    history = model.fit(horsepower, mpg, epochs=100, verbose=0, validation_split=0.2)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    x = np.linspace(0.0, 250.0, 251)
    y = model.predict(x, verbose=0)
    assert y.shape == (251, 1)
    # the model is Dense(normalized x): the statistics are the adapted ones
    kernel, bias = model.layers[-1].get_weights()
    expected = (x - horsepower.mean()) / horsepower.std() * kernel[0, 0] + bias[0]
    np.testing.assert_allclose(y[:, 0], expected, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(normalizer.mean.numpy(), [horsepower.mean()], rtol=1e-6)


def test_axis_none_adapted_on_one_shape_applies_to_another():
    norm = layers.Normalization(axis=None)
    norm.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0], np.float32))
    np.testing.assert_allclose(norm(np.array([[1.0, 3.0]], np.float32)), [[-1.4142135, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(norm(np.array([1.0, 3.0], np.float32)), [-1.4142135, 0.0], rtol=1e-6)
    model = keras.Sequential([keras.Input((2, 2)), norm])
    np.testing.assert_allclose(model.predict(np.full((1, 2, 2), 5.0), verbose=0), np.full((1, 2, 2), 1.4142135),
                               rtol=1e-6)


def test_kept_axes_still_tie_the_layer_to_its_shape():
    norm = layers.Normalization(axis=-1)
    norm.adapt(np.ones((4, 3)))
    with pytest.raises(ValueError, match="first built for input shape"):
        keras.Sequential([keras.Input((5,)), norm])


class _Batches(keras.utils.PyDataset):
    def __init__(self, items):
        super().__init__()
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]


def test_adapt_reads_a_pydataset_and_a_list_of_batch_tuples_as_keras_does():
    # keras/src/layers/preprocessing/normalization.py: a PyDataset's batches, and of each (x, y)
    # batch its x. Keras's mean of these: [5, 6].
    x = np.array([[1.0, 2.0], [3.0, 4.0], [7.0, 8.0], [9.0, 10.0]], dtype="float32")
    pairs = [(x[:2], np.zeros(2)), (x[2:], np.ones(2))]
    expected_mean, expected_variance = x.mean(axis=0), x.var(axis=0)
    for data in (_Batches(pairs), pairs, _Batches([x[:2], x[2:]])):
        layer = layers.Normalization()
        layer.adapt(data)
        np.testing.assert_allclose(np.ravel(layer.mean), expected_mean)
        np.testing.assert_allclose(np.ravel(layer.variance), expected_variance)


def test_adapt_refuses_an_endless_pydataset():
    class Endless(keras.utils.PyDataset):
        def __getitem__(self, index):
            return np.ones((2, 2))

    with pytest.raises(ValueError, match="endless PyDataset"):
        layers.Normalization().adapt(Endless())
