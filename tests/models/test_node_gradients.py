"""A node's gradient that one Dense layer consumes whole is written by that layer's backward
instead of zeroed first and added to (cpp/src/graph.cpp, grad_written_by_consumer). The
gradients must be those of the same model with an identity Activation on every use of a node
(which takes every gradient back to zeroed-and-added), bit for bit, and must not depend on what
an earlier batch left in the buffers. Nodes with two consumers, model outputs and nodes a
non-Dense layer consumes are still zeroed."""

import numpy as np
import pytest

import densekit as keras
from densekit import layers
from densekit._core._testing import compute_gradients


def use(h, apart):
    """h as a layer reads it: through an identity Activation of its own when apart."""
    return layers.Activation("linear")(h) if apart else h


def chain(apart):
    x = keras.Input((13,))
    h = layers.Dense(37, activation="relu")(x)
    h = layers.Dense(19, activation="tanh")(use(h, apart))
    return keras.Model(x, layers.Dense(5, activation="softmax")(use(h, apart)))


def branches(apart):  # the first layer's output feeds two Dense layers
    x = keras.Input((13,))
    h = layers.Dense(37, activation="relu")(x)
    s = layers.Add()([layers.Dense(11)(use(h, apart)), layers.Dense(11, activation="relu")(use(h, apart))])
    return keras.Model(x, layers.Dense(5, activation="softmax")(use(s, apart)))


def output_and_input(apart):  # the first layer's output is also an output of the model
    x = keras.Input((13,))
    h = layers.Dense(5, activation="sigmoid")(x)
    return keras.Model(x, [h, layers.Dense(5, activation="softmax")(use(h, apart))])


def twice_to_one_layer(apart):
    x = keras.Input((13,))
    h = layers.Dense(7, activation="relu")(x)
    return keras.Model(x, layers.Dense(5, activation="softmax")(layers.Concatenate()([use(h, apart), use(h, apart)])))


def activity_regularized(apart):
    x = keras.Input((13,))
    h = layers.Dense(23, activation="relu", activity_regularizer="l2")(x)
    return keras.Model(x, layers.Dense(5, activation="softmax")(use(h, apart)))


TOPOLOGIES = [chain, branches, output_and_input, twice_to_one_layer, activity_regularized]


def batch(seed, outputs):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(29, 13)).astype(np.float32)
    y = np.eye(5, dtype=np.float32)[rng.integers(0, 5, size=29)]
    return [x], [y] * outputs


@pytest.mark.parametrize("topology", TOPOLOGIES, ids=lambda t: t.__name__)
def test_written_gradients_are_the_zeroed_and_added_ones(topology):
    keras.utils.set_random_seed(3)
    direct, apart = topology(False), topology(True)
    apart.set_weights(direct.get_weights())
    outputs = len(direct.outputs)
    for model in (direct, apart):
        model.compile(optimizer="sgd", loss=["categorical_crossentropy"] * outputs)
    fresh = topology(False)
    fresh.set_weights(direct.get_weights())
    fresh.compile(optimizer="sgd", loss=["categorical_crossentropy"] * outputs)

    compute_gradients(direct._core, *batch(1, outputs))  # leaves values in the node gradients
    compute_gradients(apart._core, *batch(1, outputs))
    got = compute_gradients(direct._core, *batch(2, outputs))
    assert np.all(np.isfinite(got)) and np.any(got != 0)
    np.testing.assert_array_equal(got, compute_gradients(apart._core, *batch(2, outputs)))
    np.testing.assert_array_equal(got, compute_gradients(fresh._core, *batch(2, outputs)))


def test_fit_trains_the_same_either_way():
    """Through fit (the optimizer updating during backward), a few epochs in the same bits."""
    x, y = batch(4, 1)
    trained = []
    for apart in (False, True):
        keras.utils.set_random_seed(5)
        model = chain(apart)
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(x[0], y[0], batch_size=8, epochs=3, shuffle=False, verbose=0)
        trained.append(model.get_weights())
    for a, b in zip(*trained):
        np.testing.assert_array_equal(a, b)
