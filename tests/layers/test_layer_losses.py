"""layer.losses and model.losses as Keras gives them (keras/src/layers/layer.py): what add_loss
gave in the last call, then each trainable weight's regularization penalty at its current
value, in the weights' order (the Keras guides read model.losses)."""

import numpy as np
import pytest

import densekit as keras


def test_a_built_in_layers_and_a_models_losses_are_the_weight_penalties():
    inputs = keras.Input((5,))
    dense = keras.layers.Dense(3, kernel_regularizer=keras.regularizers.L2(0.1), kernel_initializer="ones")
    model = keras.Model(inputs, keras.layers.Dense(1)(dense(inputs)))
    assert dense.losses == [pytest.approx(1.5)]  # 0.1 · 15 ones (Keras: [1.5])
    assert model.losses == [pytest.approx(1.5)]
    stacked = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(3, kernel_regularizer="l2", bias_regularizer=keras.regularizers.L1(0.1),
                           bias_initializer="ones"),
        keras.layers.BatchNormalization(gamma_regularizer="l1"), keras.layers.Dense(1)])
    kernel = stacked.layers[0].get_weights()[0].astype(np.float64)
    assert stacked.losses == [pytest.approx(0.01 * np.sum(kernel ** 2), rel=1e-6), pytest.approx(0.3),
                              pytest.approx(0.03)]
    stacked.layers[0].trainable = False  # only trainable weights count, as in Keras
    assert stacked.losses == [pytest.approx(0.03)]


def test_a_subclassed_layer_lists_its_added_losses_then_its_penalties():
    class Scaled(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(2,), initializer="ones", regularizer=keras.regularizers.L2(0.5), name="w")

        def call(self, x):
            self.add_loss(3.0)
            return x * self.w

    layer = Scaled()
    layer(np.ones((1, 2), np.float32))
    assert layer.losses == [3.0, 1.0]
