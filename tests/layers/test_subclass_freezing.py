"""Freezing and the weights of Layer subclasses of the user's own (keras/src/layers/layer.py's
``trainable`` setter: a layer's switch turns its variables made trainable and its sublayers), and
the Variable API of built-in layers' weights (keras/src/backend/common/variables.py)."""

import numpy as np
import pytest

import densekit as keras
from densekit import layers, ops


class Scale(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 2), initializer="ones", name="w")
        self.b = self.add_weight(shape=(2,), initializer="zeros", name="b")

    def call(self, x):
        return ops.matmul(x, self.w) + self.b


class Heads(keras.layers.Layer):  # sublayers kept in a dict and in a list
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.heads = {"a": layers.Dense(2, name="a"), "b": layers.Dense(2, name="b")}
        self.tail = [layers.Dense(2, name="t")]

    def call(self, x):
        return self.tail[0](self.heads["a"](x) + self.heads["b"](x))


def _fit(model, epochs=2):
    x = np.linspace(-1, 1, 24, dtype=np.float32).reshape(8, 3)
    y = np.ones((8, 1), np.float32)
    model.compile(keras.optimizers.SGD(0.1), "mse")
    model.fit(x, y, epochs=epochs, verbose=0)


def _model(layer, width=3):
    return keras.Sequential([keras.Input((width,)), layer, layers.Dense(1, name="head")])


@pytest.mark.parametrize("freeze", ["after", "constructor"])
@pytest.mark.parametrize("make", [lambda **kw: Scale(**kw), lambda **kw: Heads(**kw)])
def test_a_frozen_subclass_keeps_its_own_weights_and_its_sublayers(make, freeze):
    layer = make(trainable=False) if freeze == "constructor" else make()
    if freeze == "after":
        layer.trainable = False
    model = _model(layer)
    before = [w.numpy().copy() for w in layer.weights]
    head = model.get_layer("head").kernel.numpy().copy()
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == len(before) > 0
    assert [w.path for w in model.trainable_weights] == [f"{model.name}/head/kernel", f"{model.name}/head/bias"]
    _fit(model)
    for old, new in zip(before, layer.weights):
        np.testing.assert_array_equal(new.numpy(), old)
    assert not np.array_equal(model.get_layer("head").kernel.numpy(), head)  # the rest trains


def test_unfreezing_at_the_next_compile_trains_them_again():
    layer = Scale()
    model = _model(layer)
    layer.trainable = False
    _fit(model)
    frozen = layer.w.numpy().copy()
    layer.trainable = True
    _fit(model)
    assert not np.array_equal(layer.w.numpy(), frozen)


def test_one_frozen_variable_stays_and_keeps_its_place_in_the_weights():
    layer = Scale(name="scale")
    model = _model(layer)
    order = [w.path for w in model.weights]
    layer.w.trainable = False
    w_before, b_before = layer.w.numpy().copy(), layer.b.numpy().copy()
    _fit(model)
    assert [w.path for w in model.weights] == order  # the order of creation, as in Keras
    assert [w.name for w in layer.trainable_weights] == ["b"]
    np.testing.assert_array_equal(layer.w.numpy(), w_before)
    assert not np.array_equal(layer.b.numpy(), b_before)


def test_sublayers_in_a_dict_are_tracked_and_built_in_the_layers_scope():
    heads = Heads(name="heads")
    heads(np.ones((2, 3), np.float32))  # an eager call builds them, as Keras, inside "heads/"
    assert [w.path for w in heads.weights] == ["heads/a/kernel", "heads/a/bias", "heads/b/kernel", "heads/b/bias",
                                               "heads/t/kernel", "heads/t/bias"]
    values = [np.full(w.shape, 0.5, np.float32) for w in heads.weights]
    heads.set_weights(values)
    for w, v in zip(heads.get_weights(), values):
        np.testing.assert_array_equal(w, v)


def test_a_built_in_layers_weights_are_keras_variables():
    dense = layers.Dense(3, name="dd")
    with pytest.raises(AttributeError, match="You must build the layer before accessing `kernel`"):
        dense.kernel
    dense.build((None, 2))
    kernel = dense.kernel
    assert kernel is dense.kernel and kernel in dense.weights and dense.bias in dense.weights
    assert kernel.ndim == 2 and kernel.constraint is None
    start = kernel.numpy().copy()
    assert kernel.assign_add(np.ones((2, 3))) is kernel
    np.testing.assert_allclose(kernel.value, start + 1)
    kernel.assign_sub(np.ones((2, 3)))
    # (start + 1 - 1 is start to float32 rounding of numbers near 1)
    np.testing.assert_allclose(kernel + 1, start + 1, atol=1e-6)
    np.testing.assert_allclose(kernel[0], start[0], atol=1e-6)
    # One weight of a built-in layer cannot be frozen alone: refused rather than kept silently
    # while the weight went on training.
    with pytest.raises(NotImplementedError, match="set `trainable` on the layer \\('dd'\\)"):
        dense.bias.trainable = False
    dense.bias.trainable = True  # (no change: allowed)
    dense.trainable = False
    assert dense.kernel.trainable is False and dense.trainable_weights == []


def test_a_wrong_shaped_value_is_refused_not_broadcast():
    layer = Scale(name="scale")
    layer(np.ones((4, 3), np.float32))
    with pytest.raises(ValueError, match=r"Layer scale weight shape \(3, 2\) is not compatible with provided weight "
                                         r"shape \(1, 2\)"):
        layer.set_weights([np.full((1, 2), 5.0), np.zeros(2)])
    with pytest.raises(ValueError, match=r"shape \(\)"):
        layer.w.assign(3.0)
    np.testing.assert_array_equal(layer.w.numpy(), np.ones((3, 2)))


class _WeightInCall(keras.layers.Layer):
    def call(self, x):
        return x + self.add_weight(shape=(x.shape[-1],), initializer="zeros")


def test_a_weight_created_in_call_is_refused_as_keras_does():
    """Created at every call, the weights piled up (one more in layer.weights each time)."""
    layer = _WeightInCall()
    for _ in range(2):
        with pytest.raises(ValueError, match="You cannot add new elements of state"):
            layer(np.ones((2, 3), np.float32))
    assert layer.weights == []


class _BaseBuildFirst(keras.layers.Layer):
    def build(self, input_shape):
        super().build(input_shape)  # the base build first, a Keras 2 habit Keras 3 still takes
        self.w = self.add_weight(shape=(input_shape[-1], 2), initializer="ones")

    def call(self, x):
        return ops.matmul(x, self.w)


def test_the_layer_takes_state_until_its_own_build_returns():
    np.testing.assert_array_equal(_BaseBuildFirst()(np.ones((1, 3), np.float32)), [[3.0, 3.0]])
    i = keras.Input((3,))
    assert len(keras.Model(i, _BaseBuildFirst()(i)).weights) == 1
    # build() called directly builds the layer, as Keras's wrapper marks it: a call then does
    # not build it (and create its weights) again.
    layer = Scale()
    layer.build((None, 3))
    assert layer.built and len(layer.weights) == 2
    layer(np.ones((1, 3), np.float32))
    assert len(layer.weights) == 2
    with pytest.raises(ValueError, match="You cannot add new elements of state"):
        layer.add_weight(shape=(1,))
