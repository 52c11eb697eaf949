"""model.losses after a call on arrays, as Keras's model(x) leaves them
(keras/src/layers/layer.py): each layer's activity penalty of that call (divided by the batch
size) and each add_loss term, one entry per add_loss call and per call of a shared layer, the
model's own first, then the weights' penalties. Expected values are Keras 3.15's."""

import numpy as np
import pytest

import densekit as keras
from densekit import layers, ops

X = np.ones((4, 3), np.float32)


def values(losses):
    return [round(float(v), 5) for v in losses]


def test_a_functional_models_call_records_its_layers_activity_penalties():
    inner_in = keras.Input((3,))
    inner = keras.Model(inner_in, layers.Dense(2, kernel_initializer="ones", activity_regularizer="l1")(inner_in))
    inputs = keras.Input((3,))
    dense = layers.Dense(1, kernel_initializer="ones", activity_regularizer=keras.regularizers.L2(0.5))
    model = keras.Model(inputs, dense(inner(inputs)))
    assert model.losses == []
    model(X)
    # 0.01 · Σ|3| over 4 x 2 / 4; 0.5 · 6² · 4 / 4
    assert values(model.losses) == [0.06, 18.0]
    assert values(inner.losses) == [0.06] and values(dense.losses) == [18.0]
    model(X[:2] * 0)  # each call replaces the last one's
    assert values(model.losses) == [0.0, 0.0]
    model(X)
    assert model(X[:0]).shape == (0, 1) and values(model.losses) == [0.0, 0.0]  # (it kept the last call's)


def test_a_shared_layer_adds_a_penalty_per_call_and_a_python_regularizer_counts():
    shared = layers.Dense(3, kernel_initializer="ones", activity_regularizer="l2")
    inputs = keras.Input((3,))
    model = keras.Model(inputs, shared(shared(inputs)))
    model(X)
    assert values(model.losses) == [0.27, 2.43]

    def penalty(t):
        return 0.1 * ops.sum(ops.abs(t))

    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dense(2, kernel_initializer="ones", activity_regularizer=penalty)(inputs))
    model(X)
    assert values(model.losses) == [0.6]


def test_a_sequentials_call_records_an_activity_regularization_layer():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, kernel_initializer="ones"),
                              layers.ActivityRegularization(l1=0.1)])
    model(X)
    assert values(model.losses) == [0.6]
    assert values(model.predict(X, verbose=0)[0]) == [3.0, 3.0]  # predict is unchanged


class AddsALoss(layers.Layer):
    def call(self, x):
        self.add_loss(ops.sum(x) * 0.01)
        return x


def test_add_loss_terms_of_a_call_go_to_the_layer_that_added_them():
    layer = AddsALoss()
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layer(layers.Dense(2, kernel_initializer="ones")(inputs)))
    model(X)
    assert values(model.losses) == [0.24] and values(layer.losses) == [0.24]

    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2, kernel_initializer="ones", kernel_regularizer="l2")

        def call(self, x):
            y = self.dense(x)
            self.add_loss(ops.mean(y) + ops.sum(y) * 0.01)  # two terms, one loss
            return y

    sub = Sub()
    sub(X)
    assert values(sub.losses) == [3.24, 0.06]  # its own add_loss, then the kernel's penalty
    sub(X[:2])
    assert values(sub.losses) == [3.12, 0.06]


def test_penalties_follow_the_calls_mode():
    inputs = keras.Input((3,))
    hidden = layers.Dropout(0.5)(layers.Dense(8, kernel_initializer="ones", activity_regularizer="l2")(inputs))
    model = keras.Model(inputs, layers.Dense(1, kernel_initializer="ones", activity_regularizer="l1")(hidden))
    model(X, training=True)
    assert len(model.losses) == 2 and values(model.losses)[0] == 0.72
    model(X, training=False)
    assert values(model.losses) == [0.72, 0.24]
    assert values(model.layers[1].losses) == [0.72]


def test_a_layer_returning_a_list_adds_a_penalty_per_output():
    class Two(layers.Layer):
        def call(self, x):
            return [x, x * 2.0]

    two = Two(activity_regularizer="l2")
    two(X)
    assert values(two.losses) == [0.03, 0.12]
    inputs = keras.Input((3,))
    first, second = Two(activity_regularizer="l2")(inputs)
    model = keras.Model(inputs, layers.Add()([first, second]))
    model(X)
    assert values(model.losses) == [0.03, 0.12]
    model.compile("sgd", "mse")
    # the penalties join the loss in training and evaluation: 9 + 0.03 + 0.12 (Keras: 9.15)
    assert model.evaluate(X, np.zeros((4, 3)), verbose=0) == pytest.approx(9.15, rel=1e-6)
