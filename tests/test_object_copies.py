"""copy.copy, copy.deepcopy and pickle of layers, optimizers, schedules, losses, metrics,
regularizers and initializers (utils/pickling.py): as in Keras, each works and gives an object
independent of the original (before, deepcopy and pickle raised "cannot pickle ..._core...",
and copy.copy shared the C++ state, so updating the copy changed the original)."""

import copy
import pickle

import numpy as np
import pytest

import densekit as keras

COPIES = {"copy": copy.copy, "deepcopy": copy.deepcopy, "pickle": lambda o: pickle.loads(pickle.dumps(o))}

OBJECTS = {
    "Adam with a schedule": lambda: keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5),
                                                          beta_1=0.8, clipnorm=1.0),
    "Ftrl": lambda: keras.optimizers.Ftrl(0.05, l1_regularization_strength=0.01),
    "ExponentialDecay": lambda: keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
    "Huber": lambda: keras.losses.Huber(delta=2.0, reduction="sum"),
    "BinaryCrossentropy": lambda: keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    "AUC": lambda: keras.metrics.AUC(num_thresholds=50, curve="PR"),
    "L1L2": lambda: keras.regularizers.L1L2(l1=0.01, l2=0.02),
    "GlorotUniform": lambda: keras.initializers.GlorotUniform(seed=3),
    "unbuilt Dense": lambda: keras.layers.Dense(3, activation="relu", kernel_regularizer="l2"),
}


@pytest.mark.parametrize("how", COPIES)
@pytest.mark.parametrize("kind", OBJECTS)
def test_each_kind_copies_to_an_equal_new_object(kind, how):
    original = OBJECTS[kind]()
    again = COPIES[how](original)
    assert type(again) is type(original) and again is not original
    assert again.get_config() == original.get_config()
    assert getattr(again, "_core", None) is not getattr(original, "_core", None) or original._core is None


@pytest.mark.parametrize("how", COPIES)
def test_a_copied_metric_starts_empty_and_leaves_the_original_alone(how):
    metric = keras.metrics.Mean()
    metric.update_state([1.0, 3.0])
    again = COPIES[how](metric)
    assert float(again.result()) == 0.0  # state reset, as Keras's pickle resets it
    again.update_state([100.0])
    again.reset_state()
    assert float(metric.result()) == 2.0 and float(again.result()) == 0.0


@pytest.mark.parametrize("how", COPIES)
def test_a_copied_built_layer_has_its_own_weights(how):
    layer = keras.layers.Dense(3)
    layer.build((None, 4))
    layer.set_weights([np.ones((4, 3), "float32"), np.arange(3, dtype="float32")])
    again = COPIES[how](layer)
    for a, b in zip(again.get_weights(), layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    again.kernel.assign(np.zeros((4, 3), "float32"))
    assert layer.get_weights()[0].sum() == 12.0
    x = np.ones((2, 4), "float32")
    np.testing.assert_array_equal(np.asarray(layer(x)), np.asarray(COPIES[how](layer)(x)))


@pytest.mark.parametrize("how", COPIES)
def test_a_copied_optimizer_starts_afresh_with_its_own_learning_rate(how):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    model.train_on_batch(np.ones((4, 2), "float32"), np.ones((4, 1), "float32"))
    again = COPIES[how](model.optimizer)
    assert again.iterations == 0 and not again.built  # as Keras's copy
    again.learning_rate = 0.5
    assert float(model.optimizer.learning_rate) == pytest.approx(0.1)


def test_an_unbuilt_model_is_refused_with_a_type_error():
    model = keras.Sequential([keras.layers.Dense(2)])
    for how in COPIES.values():
        with pytest.raises(TypeError, match="has not been built yet"):
            how(model)
