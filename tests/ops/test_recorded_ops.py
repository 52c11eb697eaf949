"""densekit.ops on symbolic tensors: each op records a layer of the C++ graph whose forward pass
matches NumPy (the ops' eager path, in float64) and whose gradient matches float64 finite
differences of that NumPy reference, broadcasting included; the model then trains, saves and
loads like any other."""

import numpy as np
import pytest

import densekit as keras
from densekit import layers, ops

# name: (op on a tensor, shape of a sample, the input needs positive values)
UNARY = {
    "abs": (ops.abs, False), "sign": (ops.sign, False), "sqrt": (ops.sqrt, True), "square": (ops.square, False),
    "exp": (ops.exp, False), "expm1": (ops.expm1, False), "log": (ops.log, True), "log1p": (ops.log1p, True),
    "sin": (ops.sin, False), "cos": (ops.cos, False), "tanh": (ops.tanh, False), "reciprocal": (ops.reciprocal, True),
    "floor": (ops.floor, False), "round": (ops.round, False), "negative": (ops.negative, False),
    "x + 2": (lambda t: t + 2.0, False), "2 - x": (lambda t: 2 - t, False), "x * 3": (lambda t: 3 * t, False),
    "x / 4": (lambda t: t / 4, False), "4 / x": (lambda t: 4.0 / t, True), "x ** 3": (lambda t: t ** 3, False),
    "x ** 0.5": (lambda t: t ** 0.5, True), "2 ** x": (lambda t: 2.0 ** t, False),
    "maximum": (lambda t: ops.maximum(t, 0.1), False), "minimum": (lambda t: ops.minimum(0.1, t), False),
    "clip": (lambda t: ops.clip(t, -0.3, 0.3), False), "abs()": (abs, False), "-x": (lambda t: -t, False),
    "relu": (ops.relu, False), "sigmoid": (ops.sigmoid, False), "softplus": (ops.softplus, False),
    "silu": (ops.silu, False), "gelu": (ops.gelu, False), "elu": (ops.elu, False),
    "leaky_relu": (ops.leaky_relu, False), "softmax": (ops.softmax, False), "log_softmax": (ops.log_softmax, False),
}

# The activation ops compute in float32 C++ on arrays too: their float64 references.
_sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
REFERENCES = {
    "relu": lambda v: np.maximum(v, 0), "sigmoid": _sigmoid, "softplus": lambda v: np.log1p(np.exp(v)),
    "silu": lambda v: v * _sigmoid(v), "elu": lambda v: np.where(v > 0, v, np.expm1(v)),
    "gelu": lambda v: 0.5 * v * (1 + np.tanh(np.sqrt(2 / np.pi) * (v + 0.044715 * v ** 3))),  # ops.gelu: approximate
    "leaky_relu": lambda v: np.where(v > 0, v, 0.2 * v),
    "softmax": lambda v: np.exp(v) / np.exp(v).sum(-1, keepdims=True),
    "log_softmax": lambda v: v - np.log(np.exp(v).sum(-1, keepdims=True)),
}

# On a (None, 2, 4) tensor.
SHAPED = {
    "sum -1": lambda t: ops.sum(t, axis=-1), "mean 1 keepdims": lambda t: ops.mean(t, axis=1, keepdims=True),
    "max (1, 2)": lambda t: ops.max(t, axis=(1, 2)), "min -1 keepdims": lambda t: ops.min(t, axis=-1, keepdims=True),
    "prod -1": lambda t: ops.prod(t, axis=-1), "var -1": lambda t: ops.var(t, axis=-1),
    "std 1": lambda t: ops.std(t, axis=1), "logsumexp -1": lambda t: ops.logsumexp(t, axis=-1),
    "x[:, 1]": lambda t: t[:, 1], "x[:, :, 1:3]": lambda t: t[:, :, 1:3], "x[:, ::-1, ::2]": lambda t: t[:, ::-1, ::2],
    "x[..., -1]": lambda t: t[..., -1], "x[:, 0, 2]": lambda t: t[:, 0, 2], "x[:, :, -3:-1]": lambda t: t[:, :, -3:-1],
    "transpose": lambda t: ops.transpose(t, (0, 2, 1)), "take": lambda t: ops.take(t, [3, 0, 3], axis=-1),
    "expand_dims": lambda t: ops.expand_dims(t, 1), "squeeze": lambda t: ops.squeeze(t[:, :1], axis=1),
    "reshape": lambda t: ops.reshape(t, (-1, 8)), "split": lambda t: ops.split(t, 2, axis=-1)[1],
    "stack": lambda t: ops.stack([t, t * 2.0], axis=1), "concatenate": lambda t: ops.concatenate([t, t[:, :1]], axis=1),
    "x / y broadcast": lambda t: t / (ops.sum(ops.square(t), axis=-1, keepdims=True) + 1.0),
    "x ** y": lambda t: (ops.abs(t) + 0.5) ** t[:, :1], "y / x": lambda t: t[:, :1] / (ops.abs(t) + 0.5),
    "maximum tensors": lambda t: ops.maximum(t, t[:, ::-1]), "x - y broadcast": lambda t: t - ops.mean(t, axis=1,
                                                                                                         keepdims=True),
}


def _run(fn, sample_shape, positive, gradcheck, seed, reference=None):
    """Input → Dense(tanh) → [+ 1.5] → fn: the C++ model against ``reference`` (default: fn)
    on float64 arrays."""
    reference = reference or fn
    rng = np.random.default_rng(seed)
    keras.utils.set_random_seed(seed)  # the Dense weights too: a discontinuous op (mod) must not land on its jump
    x = keras.Input(sample_shape)
    h = layers.Dense(sample_shape[-1], activation="tanh")(x)
    out = fn(h + 1.5 if positive else h)
    op_shape = out.shape
    # densekit's losses compare (batch, features): flatten what the op made.
    out = ops.reshape(out, (-1, int(np.prod(out.shape[1:])))) if len(out.shape) != 2 else out
    model = keras.Model(x, out)
    model.compile("sgd", "mse")
    xs = rng.normal(size=(5,) + sample_shape)
    ys = rng.normal(size=(5,) + tuple(out.shape[1:]))
    name = model.layers[1].name

    def forward(w, inputs):
        hv = np.tanh(inputs[0] @ w[name][0] + w[name][1])
        return [np.asarray(reference(hv + 1.5 if positive else hv), dtype=np.float64).reshape(len(hv), -1)]

    predicted, _ = gradcheck(model, [xs], [ys], forward, rtol=3e-3, atol=3e-5)
    return op_shape, predicted[0]


@pytest.mark.parametrize("name", sorted(UNARY))
def test_element_wise_ops_forward_and_gradient(name, gradcheck):
    fn, positive = UNARY[name]
    if name in ("sign", "floor", "round"):  # no gradient of their own: the check needs one through them
        fn = (lambda f: lambda t: f(t) + t)(fn)
    _run(fn, (3,), positive, gradcheck, seed=len(name), reference=REFERENCES.get(name))


@pytest.mark.parametrize("name", sorted(SHAPED))
def test_shaped_ops_forward_and_gradient(name, gradcheck):
    op_shape, _ = _run(SHAPED[name], (2, 4), False, gradcheck, seed=len(name))
    # The shape Keras gives: the op on a (batch, 2, 4) array.
    assert op_shape[1:] == np.asarray(SHAPED[name](np.zeros((5, 2, 4)))).shape[1:] and op_shape[0] is None


def test_eager_ops_return_numpy_arrays_with_keras_dtypes():
    x = np.array([[1.0, -2.0, 3.0]], dtype=np.float32)
    assert ops.square(x).dtype == np.float32 and isinstance(ops.square(x), np.ndarray)
    assert ops.convert_to_tensor([1.5, 2.0]).dtype == np.float32  # Python floats: floatx
    assert ops.convert_to_tensor([1, 2]).dtype.kind == "i"
    np.testing.assert_array_equal(ops.sum(x, axis=-1), [2.0])
    np.testing.assert_allclose(ops.logsumexp(x), np.log(np.exp(x).sum()), rtol=1e-6)
    np.testing.assert_array_equal(ops.one_hot([0, 2], 3), [[1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(ops.argmax(x, axis=-1), [2])
    np.testing.assert_array_equal(ops.relu(x), [[1.0, 0.0, 3.0]])  # the C++ activation, eagerly
    np.testing.assert_array_equal(ops.where(x > 0, x, 0.0), [[1.0, 0.0, 3.0]])


def test_eager_and_recorded_ops_agree_in_float32():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 2, 4)).astype(np.float32)
    t = keras.Input((2, 4))
    outs = [ops.sin(t) * t ** 2, ops.std(t, axis=-1), t[:, 1, ::-1] / (ops.abs(t[:, 0]) + 1.0)]
    got = keras.Model(t, outs).predict(x, verbose=0)
    want = [ops.sin(x) * x ** 2, ops.std(x, axis=-1), x[:, 1, ::-1] / (ops.abs(x[:, 0]) + 1.0)]
    for g, w in zip(got, want):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, w, rtol=2e-6, atol=1e-7)


def test_stop_gradient_blocks_the_gradient():
    from densekit._core._testing import compute_gradients

    x = keras.Input((3,))
    h = layers.Dense(3)(x)
    model = keras.Model(x, layers.Dense(1)(ops.stop_gradient(h)))
    model.compile("sgd", "mse")
    g = compute_gradients(model._core, [np.ones((2, 3), "float32")], [np.zeros((2, 1), "float32")])
    assert not g[:12].any() and g[12:].any()  # the first Dense gets nothing; the second learns


def test_max_shares_the_gradient_between_ties_and_prod_handles_a_zero():
    from densekit._core._testing import compute_gradients

    x = keras.Input((3,))
    model = keras.Model(x, [ops.max(layers.Dense(3, use_bias=False)(x), axis=-1, keepdims=True)])
    model.compile("sgd", "mse")
    model.layers[1].set_weights([np.eye(3, dtype=np.float32)])
    g = compute_gradients(model._core, [np.array([[2.0, 2.0, 1.0]], "float32")], [np.zeros((1, 1), "float32")])
    # d(mse)/d(out) = 2 * 2 = 4, shared by the two tied maxima: 2 each, into row 0 and 1 of the kernel's diagonal.
    np.testing.assert_allclose(g.reshape(3, 3).diagonal(), [4.0, 4.0, 0.0])
    model = keras.Model(x, [ops.prod(layers.Dense(3, use_bias=False)(x), axis=-1, keepdims=True)])
    model.compile("sgd", "mse")
    model.layers[1].set_weights([np.eye(3, dtype=np.float32)])
    g = compute_gradients(model._core, [np.array([[0.0, 2.0, 3.0]], "float32")], [np.ones((1, 1), "float32")])
    # out = 0 * 2 * 3 = 0, d(mse)/d(out) = -2; only the zero factor gets a gradient, the product of the others
    # (6): d/dh = [-12, 0, 0], and the kernel's gradient is x ⊗ that (no division by the zero, no NaN).
    np.testing.assert_array_equal(g.reshape(3, 3), [[0.0, 0.0, 0.0], [-24.0, 0.0, 0.0], [-36.0, 0.0, 0.0]])


def test_a_model_with_ops_trains_saves_and_loads(tmp_path):
    rng = np.random.default_rng(1)
    xs = rng.normal(size=(64, 4)).astype(np.float32)
    ys = (np.sin(xs[:, :1]) + xs[:, 1:2] ** 2).astype(np.float32)
    keras.utils.set_random_seed(3)
    x = keras.Input((4,))
    h = layers.Dense(8, activation="tanh")(x)
    out = layers.Dense(1)(ops.concatenate([ops.sin(h), h[:, :4] ** 2, ops.mean(h, axis=-1, keepdims=True)], axis=-1))
    model = keras.Model(x, out)
    model.compile("adam", "mse")
    history = model.fit(xs, ys, epochs=20, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = tmp_path / "ops.dk"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(xs, verbose=0), model.predict(xs, verbose=0))
    assert {"ElementwiseOp", "IndexMapOp", "Reduce"} <= {type(layer).__name__ for layer in loaded.layers}
    config = keras.Model.from_config(model.get_config())  # fresh weights, same graph
    assert config.predict(xs, verbose=0).shape == (64, 1)


def test_a_subclassed_model_with_ops_between_layers_traces_into_the_graph():
    class Residual(keras.Model):
        def __init__(self):
            super().__init__()
            self.a, self.b = layers.Dense(4, activation="tanh"), layers.Dense(1)

        def call(self, x):
            h = self.a(x)
            return self.b(x + h * ops.sigmoid(h))

    rng = np.random.default_rng(2)
    xs = rng.normal(size=(32, 4)).astype(np.float32)
    model = Residual()
    model.compile("adam", "mse")
    model.fit(xs, xs[:, :1], epochs=2, verbose=0)
    w = model.get_weights()
    h = np.tanh(xs @ w[0] + w[1])
    np.testing.assert_allclose(model.predict(xs, verbose=0), (xs + h / (1 + np.exp(-h))) @ w[2] + w[3], rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda t: keras.layers.Dense(2)(ops.sum(t)), "only be passed to add_loss"),  # over the batch: a loss term
    (lambda t: ops.max(t), "batch axis"),
    (lambda t: ops.mean(t, axis=0), "batch axis"),
    (lambda t: t[0], "batch axis"),
    (lambda t: t[:, None], "expand_dims"),
    (lambda t: t[:, [0, 1]], "ops.take"),
    (lambda t: t @ np.ones((3, 2), "float32"), "Dense"),
    (lambda t: t + np.ones(3, "float32"), "constant array"),
    (lambda t: np.ones(3, "float32") * t, "constant array"),
    (lambda t: ops.where(t > 0.0, t, 0.0), "boolean condition"),
    (lambda t: ops.transpose(t), "batch axis"),
    (lambda t: ops.cast(t, "complex64"), "real numbers only"),
    (lambda t: ops.argmax(t), "axis=None"),
])
def test_what_cannot_be_recorded_is_refused_clearly(call, message):
    with pytest.raises((NotImplementedError, TypeError, ValueError), match=message):
        call(keras.Input((3,)))


def test_out_of_range_indices_and_bad_axes_raise_value_errors():
    t = keras.Input((3,))
    with pytest.raises(ValueError, match="out of bounds"):
        t[:, 3]
    with pytest.raises(ValueError, match="out of bounds"):
        ops.take(t, [5], axis=1)
    with pytest.raises(ValueError, match="selects no element"):
        t[:, 2:1]
    with pytest.raises(ValueError, match="out of bounds"):
        ops.sum(t, axis=2)
    with pytest.raises(ValueError, match="incompatible shapes"):
        keras.Input((3,)) / keras.Input((2,))
    with pytest.raises(ValueError, match="step cannot be zero"):
        t[:, ::0]


def test_comparisons_logic_argmax_and_integer_casts_record_as_numpy_computes_them():
    """Recorded in the float graph as 1.0 / 0.0 and float positions (what a metric's update_state
    counts with), broadcasting as NumPy, a number on either side."""
    a_in, b_in = keras.Input((2, 3)), keras.Input((3,))
    outputs = [a_in == b_in, a_in != b_in, a_in > b_in, a_in >= b_in, a_in < b_in, a_in <= b_in,
               0.5 < a_in, ops.greater_equal(0.5, a_in), ops.equal(a_in, 0.5),
               ops.logical_and(a_in > 0.2, b_in > 0.2), ops.logical_or(a_in > 0.8, b_in > 0.8), ~(a_in > 0.5),
               (a_in > 0.2) & True, (a_in > 0.2) | False,
               ops.argmax(a_in, axis=-1), ops.argmin(a_in, axis=1, keepdims=True),
               ops.cast(a_in * 4.0 - 2.0, "int32"), ops.cast(a_in - 0.5, "bool")]
    from densekit.layers import trace_call
    with trace_call.symbolic_scope():  # == and != compare element-wise in traced code
        outputs[0], outputs[1] = a_in == b_in, a_in != b_in
    model = keras.Model([a_in, b_in], outputs)
    rng = np.random.default_rng(0)
    a = np.round(rng.random((4, 2, 3)), 1).astype("float32")
    b = np.round(rng.random((4, 3)), 1).astype("float32")
    a[0, 0, 1] = a[0, 0, 2]  # a tie: the first position wins, as NumPy
    b3 = b[:, None, :]
    expected = [a == b3, a != b3, a > b3, a >= b3, a < b3, a <= b3, 0.5 < a, 0.5 >= a, a == 0.5,
                (a > 0.2) & (b3 > 0.2), (a > 0.8) | (b3 > 0.8), ~(a > 0.5), a > 0.2, a > 0.2,
                np.argmax(a, axis=-1), np.argmin(a, axis=1, keepdims=True),
                np.trunc(a * 4.0 - 2.0), (a - 0.5) != 0]
    for got, want in zip(model.predict([a, b], verbose=0), expected):
        np.testing.assert_array_equal(got, np.asarray(want, dtype=np.float32))


def test_outside_traced_code_tensors_compare_by_identity():
    x, y = keras.Input((3,)), keras.Input((3,))
    assert (x == x) is True and (x == y) is False and (x != y) is True
    assert x in [y, x] and [x].index(x) == 0


def test_a_model_masking_with_a_comparison_trains_and_passes_no_gradient_through_it():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(128, 4)).astype("float32")
    y = (x[:, :1] * (x[:, 1:2] > 0)).astype("float32")
    inputs = keras.Input((4,))
    mask = ops.cast(inputs[:, 1:2] > 0.0, "float32")
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs) * mask)
    model.compile(keras.optimizers.SGD(0.1), loss="mse")
    history = model.fit(x, y, epochs=30, batch_size=32, verbose=0).history["loss"]
    assert np.isfinite(history).all() and history[-1] < 0.2 * history[0]


def test_a_repeat_count_of_zero_in_a_model_is_refused_by_the_op_called():
    inputs = keras.Input((3,))
    with pytest.raises(NotImplementedError, match="densekit.ops.repeat cannot be recorded.*a repeat count of 0"):
        ops.repeat(inputs, 0, axis=1)
    with pytest.raises(NotImplementedError, match="densekit.ops.tile cannot be recorded.*a repeat count of 0"):
        ops.tile(inputs, (1, 0))


def test_tensors_keras_would_broadcast_across_the_batch_are_refused():
    """(batch,) against (batch, 1): Keras broadcasts whole shapes, giving (batch, batch); densekit
    combined them per sample, another result, silently (the training guide's CategoricalTruePositives
    counted 3 where Keras counted 24). Per-sample ranks that agree, and the merge layers, are kept."""
    inputs = keras.Input((3,))
    column, row = ops.reshape(inputs[:, 1], (-1, 1)), inputs[:, 0]
    for op in (ops.add, ops.multiply, ops.equal, ops.maximum, ops.logical_and):
        with pytest.raises(ValueError, match="batch axis included"):
            op(row, column)
    with pytest.raises(ValueError, match="batch axis included"):
        row * column
    assert tuple(ops.add(column, ops.expand_dims(row, -1)).shape) == (None, 1)
    assert tuple(keras.layers.Add()([row, column]).shape) == (None, 1)  # Keras's merge layers align per sample
