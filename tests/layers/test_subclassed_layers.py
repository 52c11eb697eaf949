"""Layer subclasses of the user's own, as the Keras guide "Making new layers and models via
subclassing" writes them: add_weight, build(input_shape), call run eagerly on arrays and traced
into the model's C++ graph on symbolic tensors (WeightOp layers hold their weights)."""

import numpy as np
import pytest

import densekit as keras
from densekit import layers, ops


class Linear(keras.layers.Layer):  # the guide's first Linear: weights created in __init__
    def __init__(self, units=32, input_dim=32):
        super().__init__()
        self.w = self.add_weight(shape=(input_dim, units), initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


class LazyLinear(keras.layers.Layer):  # weights created in build(input_shape)
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class ComputeSum(keras.layers.Layer):  # non-trainable state changed by an eager call
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

    def call(self, inputs):
        self.total.assign_add(ops.sum(inputs, axis=0))
        return self.total


class MLPBlock(keras.layers.Layer):  # layers of layers
    def __init__(self):
        super().__init__()
        self.linear_1 = LazyLinear(32)
        self.linear_2 = LazyLinear(32)
        self.linear_3 = LazyLinear(1)

    def call(self, inputs):
        x = self.linear_1(inputs)
        x = keras.activations.relu(x)
        x = self.linear_2(x)
        x = keras.activations.relu(x)
        return self.linear_3(x)


class Scaled(keras.layers.Layer):  # element-wise uses of weights, and training passed on
    def __init__(self, rate=0.5, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def build(self, input_shape):
        self.scale = self.add_weight(shape=input_shape[-1:], initializer="ones")
        self.shift = self.add_weight(shape=input_shape[-1:], initializer="zeros")
        self.dropout = layers.Dropout(self.rate)

    def call(self, inputs, training=None):
        return self.dropout((inputs - self.shift) / self.scale, training=training) * 1.0


def _mlp_reference(block, x):
    h = np.asarray(x, np.float64)
    for i, layer in enumerate([block.linear_1, block.linear_2, block.linear_3]):
        h = h @ layer.w.numpy().astype(np.float64) + layer.b.numpy()
        h = np.maximum(h, 0) if i < 2 else h
    return h


def test_the_guides_linear_runs_eagerly_and_lists_its_weights():
    x = ops.ones((2, 2))
    linear_layer = Linear(4, 2)
    y = linear_layer(x)
    np.testing.assert_allclose(y, np.ones((2, 2)) @ linear_layer.w.numpy() + linear_layer.b.numpy(), rtol=1e-6)
    assert linear_layer.weights == [linear_layer.w, linear_layer.b]
    # Unnamed variables are named as Keras names them, counted across layers: "variable", then
    # "variable_1", ...
    assert linear_layer.w.shape == (2, 4) and (linear_layer.w.path, linear_layer.b.path) == (
        "linear/variable", "linear/variable_1")
    assert Linear(4, 2).w.name == "variable_2"
    assert repr(linear_layer.b) == "<Variable path=linear/variable_1, shape=(4,), dtype=float32, value=[0. 0. 0. 0.]>"


def test_compute_sum_keeps_non_trainable_state_across_eager_calls():
    x = ops.ones((2, 2))
    my_sum = ComputeSum(2)
    np.testing.assert_array_equal(my_sum(x).numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(my_sum(x).numpy(), [4.0, 4.0])
    assert my_sum.weights == [my_sum.total]
    assert my_sum.non_trainable_weights == [my_sum.total]
    assert my_sum.trainable_weights == []


def test_a_weight_cannot_be_assigned_in_a_traced_call():
    class Remember(keras.layers.Layer):
        def build(self, input_shape):
            self.last = self.add_weight(shape=input_shape[1:], trainable=False)

        def call(self, inputs):
            self.last.assign(inputs)
            return inputs

    with pytest.raises(NotImplementedError, match="cannot change a weight's value"):
        Remember()(keras.Input((3,)))

    class Counter(keras.layers.Layer):  # (a number assigned at the trace would count once, not per batch)
        def __init__(self):
            super().__init__()
            self.count = self.add_weight(shape=(), initializer="zeros", trainable=False)

        def build(self, input_shape):
            self.start = self.add_weight(shape=(), trainable=False)
            self.start.assign(2.0)  # a build reached from a traced call sets values freely

        def call(self, inputs):
            self.count.assign_add(1)
            return inputs

    with pytest.raises(NotImplementedError, match="would change once, not at each batch"):
        keras.Sequential([keras.Input((3,)), Counter(), keras.layers.Dense(1)])

    class Started(Counter):
        def call(self, inputs):
            return inputs * self.start

    model = keras.Sequential([keras.Input((3,)), Started()])
    np.testing.assert_array_equal(model.predict(np.ones((1, 3)), verbose=0), [[2.0, 2.0, 2.0]])

    class Holding(keras.Model):  # its call is traced, and the layer built inside the trace
        def __init__(self):
            super().__init__()
            self.started = Started()

        def call(self, inputs):
            return self.started(inputs)

    np.testing.assert_array_equal(Holding().predict(np.ones((1, 3)), verbose=0), [[2.0, 2.0, 2.0]])
    counter = Counter()
    counter(np.ones((2, 3)))
    counter(np.ones((2, 3)))
    assert counter.count.numpy() == 2.0 and counter.start.numpy() == 2.0


def test_layers_of_layers_track_their_sublayers_weights():
    mlp = MLPBlock()
    y = mlp(ops.ones(shape=(3, 64)))
    assert y.shape == (3, 1)
    assert len(mlp.weights) == 6 and len(mlp.trainable_weights) == 6
    np.testing.assert_allclose(y, _mlp_reference(mlp, np.ones((3, 64))), rtol=1e-5, atol=1e-6)


def test_a_traced_block_trains_in_cpp_and_keeps_its_variables_in_sync():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((16,))
    block = MLPBlock()
    model = keras.Model(inputs, block(inputs))
    assert sorted({type(layer).__name__ for layer in model.layers}) == ["Activation", "InputLayer", "WeightOp"]
    x = np.random.default_rng(1).normal(size=(128, 16)).astype("float32")
    y = x[:, :1] * 2.0 + 1.0
    before = block.linear_1.w.numpy()
    model.compile(keras.optimizers.Adam(0.01), "mse")
    losses = model.fit(x, y, epochs=10, batch_size=32, verbose=0).history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    assert not np.allclose(block.linear_1.w.numpy(), before)  # the variable reads the trained value
    np.testing.assert_allclose(model.predict(x, verbose=0), _mlp_reference(block, x), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(block(x), _mlp_reference(block, x), rtol=1e-4, atol=1e-5)  # eager, same values
    block.linear_3.b.assign([5.0])  # and writes go to the graph
    assert model.predict(x[:2], verbose=0)[0, 0] == pytest.approx(_mlp_reference(block, x[:2])[0, 0], rel=1e-5)


def test_weight_gradients_match_float64_finite_differences():
    keras.utils.set_random_seed(2)
    inputs = keras.Input((3,))
    layer = Scaled(rate=0.0)  # (a flag training=False here would not hold: train_on_batch trains every layer)
    model = keras.Model(inputs, LazyLinear(2)(layer(inputs)))
    x = np.random.default_rng(3).normal(size=(8, 3)).astype("float32")
    y = np.random.default_rng(4).normal(size=(8, 2)).astype("float32")
    layer.scale.assign([1.5, 0.7, 1.2])
    layer.shift.assign([0.1, -0.2, 0.3])
    model.compile(keras.optimizers.SGD(1.0), "mse")
    linear = [lay for lay in model.layers if isinstance(lay, layers.WeightOp) and lay.op == "matmul"][0]
    variables = [layer.scale, layer.shift, linear.variable, None]
    bias = [lay for lay in model.layers if isinstance(lay, layers.WeightOp) and lay.variable._layer is
            linear.variable._layer and lay.op == "add"][0]
    variables[3] = bias.variable
    values = [v.numpy().astype(np.float64) for v in variables]

    def loss(ws):
        scale, shift, w, b = ws
        p = ((x - shift) / scale) @ w + b
        return np.mean((p - y) ** 2)

    numeric = []
    for i, w in enumerate(values):
        g = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            up = [v.copy() for v in values]
            down = [v.copy() for v in values]
            up[i][idx] += 1e-6
            down[i][idx] -= 1e-6
            g[idx] = (loss(up) - loss(down)) / 2e-6
        numeric.append(g)
    model.train_on_batch(x, y)
    for before, variable, g in zip(values, variables, numeric):
        np.testing.assert_allclose(before - variable.numpy(), g, rtol=2e-3, atol=1e-6)


def test_in_a_sequential_and_a_subclassed_model_and_saved(tmp_path):
    keras.utils.set_random_seed(5)
    seq = keras.Sequential([keras.Input((6,)), LazyLinear(8), layers.Dense(1)])
    assert [type(layer).__name__ for layer in seq.layers] == ["LazyLinear", "Dense"]
    assert seq.count_params() == 6 * 8 + 8 + 9

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = LazyLinear(8)
            self.out = layers.Dense(1)

        def call(self, x):
            return self.out(ops.tanh(self.hidden(x)))

    x = np.random.default_rng(6).normal(size=(64, 6)).astype("float32")
    y = np.sum(x, axis=1, keepdims=True)
    for model in (seq, Net()):
        model.compile("adam", "mse")
        model.fit(x, y, epochs=2, verbose=0)
        path = str(tmp_path / "m.dk")
        model.save(path)
        loaded = keras.models.load_model(path)  # the traced graph: no Python class needed
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_get_config_from_config_and_a_layer_without_call():
    layer = LazyLinear(units=3, name="lin")
    config = layer.get_config()
    assert config["units"] == 3 and config["name"] == "lin" and config["trainable"] is True
    assert LazyLinear.from_config(config).units == 3

    class Empty(keras.layers.Layer):
        pass

    assert Empty().get_config()["trainable"] is True  # once a crash
    with pytest.raises(NotImplementedError, match="Empty"):
        Empty()(keras.Input((3,)))


def test_what_cannot_be_recorded_names_the_layer_and_line():
    class TwoUses(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],))

        def call(self, x):
            return x * self.w + self.w

    class Branchy(keras.layers.Layer):
        def call(self, x):
            return x if ops.sum(x) > 0 else -x

    with pytest.raises(NotImplementedError, match="TwoUses.*used in `multiply` and in `add`"):
        TwoUses()(keras.Input((3,)))
    with pytest.raises(TypeError, match="Branchy.*test_subclassed_layers.py.*only be passed to add_loss"):
        Branchy()(keras.Input((3,)))
    with pytest.raises(ValueError, match="shape of positive integers"):
        Linear().add_weight(shape=(0, 3))


def scaled_tanh(x):
    return 1.7159 * ops.tanh(0.6666 * x)


def test_a_python_activation_function_runs_after_the_layer_traced_or_eagerly(tmp_path):
    keras.utils.set_random_seed(7)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation=scaled_tanh), layers.Dense(1)])
    x = np.random.default_rng(8).normal(size=(64, 4)).astype("float32")
    model.compile("adam", "mse")
    model.fit(x, x[:, :1], epochs=2, verbose=0)
    w = [v.astype(np.float64) for v in model.get_weights()]
    hidden = 1.7159 * np.tanh(0.6666 * (x @ w[0] + w[1]))
    np.testing.assert_allclose(model.predict(x, verbose=0), hidden @ w[2] + w[3], rtol=1e-5, atol=1e-6)
    dense = model.layers[0]
    np.testing.assert_allclose(dense(x), hidden, rtol=1e-5, atol=1e-6)
    assert dense.activation is scaled_tanh
    config = dense.get_config()
    assert config["activation"]["config"] == "scaled_tanh"
    assert layers.Dense.from_config(config).activation is scaled_tanh  # found in its module, as Keras finds it
    inputs = keras.Input((4,))
    square = keras.Model(inputs, layers.Activation(lambda t: ops.square(t))(inputs))
    np.testing.assert_array_equal(square.predict(np.array([[1, 2, 3, 4]], "float32"), verbose=0), [[1, 4, 9, 16]])


def test_add_weight_calls_a_python_initializer():
    class Fixed(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer=lambda shape, dtype=None: np.arange(shape[0]))

        def call(self, x):
            return x * self.w

    layer = Fixed()
    np.testing.assert_array_equal(layer(np.ones((1, 3), "float32")), [[0, 1, 2]])
    inputs = keras.Input((3,))
    model = keras.Model(inputs, Fixed()(inputs))
    np.testing.assert_array_equal(model.predict(np.ones((1, 3), "float32"), verbose=0), [[0, 1, 2]])


def test_a_call_branching_on_training_is_refused_rather_than_traced_for_one_mode():
    """The subclassing guide's CustomDropout (`if training: return keras.random.dropout(...)`):
    traced once into a graph that runs in both modes, the branch cannot be kept; it raises,
    naming the line, instead of silently never dropping."""
    class CustomDropout(keras.layers.Layer):
        def __init__(self, rate, **kwargs):
            super().__init__(**kwargs)
            self.rate = rate

        def call(self, inputs, training=None):
            if training:
                return keras.random.dropout(inputs, rate=self.rate)
            return inputs

    with pytest.raises(NotImplementedError, match=r"CustomDropout.*if training:.*no value while densekit traces"):
        CustomDropout(0.5)(keras.Input((4,)))
    dropped = CustomDropout(0.5)(np.ones((64, 4), "float32"), training=True)  # eagerly it is a Python bool
    assert set(np.unique(dropped)) <= {0.0, 2.0} and 0 < np.count_nonzero(dropped) < dropped.size


def test_training_passed_on_to_a_sublayer_decides_per_run():
    class Block(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dropout = keras.layers.Dropout(0.5)

        def call(self, inputs, training=None):
            return self.dropout(inputs, training=training)

    x = keras.Input((256,))
    model = keras.Model(x, Block()(x))
    ones = np.ones((8, 256), "float32")
    np.testing.assert_array_equal(model.predict(ones, verbose=0), ones)  # inference: identity
    dropped = np.asarray(model(ones, training=True))
    assert set(np.unique(dropped)) <= {0.0, 2.0} and 0.3 < np.mean(dropped == 0.0) < 0.7


def test_a_weight_that_would_need_stretching_is_refused_with_its_own_shape():
    class Scale(keras.layers.Layer):
        def build(self, input_shape):
            self.s = self.add_weight(shape=(1,), initializer="ones", name="s")

        def call(self, x):
            return x * self.s

    inputs = keras.Input((3,))
    with pytest.raises(ValueError, match=r"the weight 's' of shape \(1,\) does not broadcast against inputs of shape "
                                         r"\(None, 3\).*does not stretch a weight's axes of size 1"):
        Scale()(inputs)


class _Temperature(keras.layers.Layer):  # a learnable scalar, transformed before use
    def __init__(self, use, **kwargs):
        super().__init__(**kwargs)
        self.use = use

    def build(self, input_shape):
        self.log_t = self.add_weight(shape=(), initializer="zeros", name="log_t")

    def call(self, x):
        return self.use(x, self.log_t)


@pytest.mark.parametrize("use", [lambda x, w: x * ops.exp(w), lambda x, w: x * ops.sum(w), lambda x, w: x + (-w)])
def test_a_weight_used_by_its_values_in_a_traced_call_is_refused(use):
    """Its values were recorded as a constant: the weight never trained, silently."""
    layer = _Temperature(use, name="temp")
    np.testing.assert_allclose(layer(np.ones((2, 3), np.float32)), use(np.ones((2, 3)), 0.0))  # eager: values
    with pytest.raises(NotImplementedError, match="The weight 'sequential/temp2/log_t' was used by its values"):
        keras.Sequential([keras.Input((3,)), _Temperature(use, name="temp2")])


class _NoSuper(keras.layers.Layer):
    def __init__(self, units=2):
        self.units = units  # super().__init__() forgotten

    def call(self, x):
        return x


class _BuildWithoutShape(keras.layers.Layer):
    def build(self):  # Keras passes the shape only to a build() that takes one
        self.w = self.add_weight(shape=(3, 2), initializer="ones")

    def call(self, x):
        return ops.matmul(x, self.w)


class _ReturnsANumber(keras.layers.Layer):
    def call(self, x):
        return 1.0


def test_slips_in_a_subclass_get_kerass_messages():
    for x in (np.ones((2, 3), np.float32), keras.Input((3,))):
        with pytest.raises(RuntimeError, match=r"In layer '_NoSuper', you forgot to call `super\(\).__init__\(\)`"):
            _NoSuper()(x)
    np.testing.assert_array_equal(_BuildWithoutShape()(np.ones((2, 3), np.float32)), np.full((2, 2), 3.0))
    assert keras.Sequential([keras.Input((3,)), _BuildWithoutShape()]).output_shape == (None, 2)
    with pytest.raises(ValueError, match="All operation outputs must be tensors.*Non-tensor received: 1.0"):
        _ReturnsANumber()(keras.Input((3,)))


class _Maximum(keras.layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(3,), initializer="ones")

    def call(self, x):
        return ops.maximum(x, self.w)


def test_a_weight_in_an_op_densekit_cannot_record_with_it_is_refused_as_the_others_are():
    """It raised a ValueError from the C++ config ("Unknown WeightOp op")."""
    with pytest.raises(NotImplementedError, match="cannot record `maximum` of a symbolic tensor and the weight"):
        keras.Sequential([keras.Input((3,)), _Maximum()])
