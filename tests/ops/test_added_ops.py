"""The keras.ops functions added after the first set: the further element-wise functions
(recorded as ElementwiseOp / BinaryOp with C++ gradients), the composite ones (all, any, norm,
normalize, moments, moveaxis, flip, roll, repeat, tile, ...), the cross-entropy ops and the ops
computed on arrays only. Recorded ones: forward against NumPy in float64 and gradients against
finite differences (test_recorded_ops._run); then values Keras computes, and bad input."""

import math

import numpy as np
import pytest

import densekit as keras
from densekit import ops
from keras_live import run_keras
from test_recorded_ops import _run
from file_helpers import requires_h5py

_erf64 = np.vectorize(math.erf)

# name: (op, the input's domain: None (any), "positive" (from 1.5 up), "unit" (inside (-1, 1)), "above1")
UNARY = {
    "tan": (ops.tan, None), "sinh": (ops.sinh, None), "cosh": (ops.cosh, None), "arctan": (ops.arctan, None),
    "arcsinh": (ops.arcsinh, None), "arcsin": (ops.arcsin, "unit"), "arccos": (ops.arccos, "unit"),
    "arctanh": (ops.arctanh, "unit"), "arccosh": (ops.arccosh, "above1"), "log2": (ops.log2, "positive"),
    "log10": (ops.log10, "positive"), "exp2": (ops.exp2, None), "cbrt": (ops.cbrt, "positive"),
    "rsqrt": (ops.rsqrt, "positive"), "erf": (ops.erf, None), "fabs": (ops.fabs, None),
    "deg2rad": (ops.deg2rad, None), "rad2deg": (ops.rad2deg, None),
    "mod x 0.7": (lambda t: ops.mod(t, 0.7), None), "mod 0.7 x": (lambda t: ops.mod(0.7, t), "positive"),
    "arctan2 x 0.5": (lambda t: ops.arctan2(t, 0.5), None), "arctan2 0.5 x": (lambda t: ops.arctan2(0.5, t), None),
    "hypot": (lambda t: ops.hypot(t, 0.3), None), "logaddexp": (lambda t: ops.logaddexp(0.2, t), None),
    "nan_to_num": (lambda t: ops.nan_to_num(t, nan=2.0), None),
}
# Where NumPy has no float64 function of the same name.
REFERENCES = {"erf": _erf64, "rsqrt": lambda v: 1 / np.sqrt(v)}

# On a (None, 2, 4) tensor: (op, reference on float64 arrays).
SHAPED = {
    "mod tensors": (lambda t: ops.mod(t, ops.abs(t[:, :1]) + 0.5), lambda v: np.mod(v, np.abs(v[:, :1]) + 0.5)),
    "arctan2 tensors": (lambda t: ops.arctan2(t, t[:, ::-1]), lambda v: np.arctan2(v, v[:, ::-1])),
    "hypot tensors": (lambda t: ops.hypot(t, t[:, :1]), lambda v: np.hypot(v, v[:, :1])),
    "logaddexp tensors": (lambda t: ops.logaddexp(t, t[:, ::-1]), lambda v: np.logaddexp(v, v[:, ::-1])),
    "norm": (lambda t: ops.norm(t, axis=-1), lambda v: np.linalg.norm(v, axis=-1)),
    "norm ord 1": (lambda t: ops.norm(t, ord=1, axis=1), lambda v: np.linalg.norm(v, ord=1, axis=1)),
    "norm ord 3": (lambda t: ops.norm(t, ord=3, axis=-1, keepdims=True),
                   lambda v: np.linalg.norm(v, ord=3, axis=-1, keepdims=True)),
    "norm ord inf": (lambda t: ops.norm(t, ord=np.inf, axis=-1), lambda v: np.abs(v).max(-1)),
    "norm fro": (lambda t: ops.norm(t, axis=(1, 2)), lambda v: np.sqrt((v * v).sum((1, 2)))),
    "normalize": (lambda t: ops.normalize(t), lambda v: v / np.linalg.norm(v, axis=-1, keepdims=True)),
    "normalize order 1": (lambda t: ops.normalize(t, axis=1, order=1),
                          lambda v: v / np.abs(v).sum(1, keepdims=True)),
    "rms_normalization": (lambda t: ops.rms_normalization(t, scale=1.5),
                          lambda v: 1.5 * v / np.sqrt((v * v).mean(-1, keepdims=True) + 1e-7)),
    "moments mean": (lambda t: ops.moments(t, axes=[2])[0], lambda v: v.mean(2)),
    "moments var": (lambda t: ops.moments(t, axes=[1, 2], keepdims=True)[1], lambda v: v.var((1, 2), keepdims=True)),
    "moveaxis": (lambda t: ops.moveaxis(t, 1, -1), lambda v: np.moveaxis(v, 1, -1)),
    "swapaxes": (lambda t: ops.swapaxes(t, 2, 1), lambda v: np.swapaxes(v, 2, 1)),
    "flip": (lambda t: ops.flip(t, axis=(1, 2)), lambda v: np.flip(v, axis=(1, 2))),
    "roll": (lambda t: ops.roll(t, (1, -3), axis=(1, 2)), lambda v: np.roll(v, (1, -3), axis=(1, 2))),
    "repeat": (lambda t: ops.repeat(t, [2, 0, 1, 3], axis=-1), lambda v: np.repeat(v, [2, 0, 1, 3], axis=-1)),
    "tile": (lambda t: ops.tile(t, (2, 1)), lambda v: np.tile(v, (1, 2, 1))),
    "unstack": (lambda t: ops.unstack(t, axis=2)[3], lambda v: v[:, :, 3]),
    "hstack": (lambda t: ops.hstack([t, t * 2.0]), lambda v: np.concatenate([v, v * 2], axis=1)),
    "binary_crossentropy": (lambda t: ops.binary_crossentropy(ops.sigmoid(t[:, ::-1]), ops.sigmoid(t)),
                            lambda v: -(_sig(v[:, ::-1]) * np.log(_sig(v)) + (1 - _sig(v[:, ::-1])) * np.log(1 - _sig(v)))),
    "binary_crossentropy logits": (lambda t: ops.binary_crossentropy(ops.sigmoid(t[:, ::-1]), t, from_logits=True),
                                   lambda v: np.logaddexp(0, v) - _sig(v[:, ::-1]) * v),
}


def _sig(v):
    return 1 / (1 + np.exp(-v))


def _domain(fn, domain):
    """fn applied to the layer's tanh output moved into the op's domain (the reference the same)."""
    move = {None: lambda t: t, "positive": lambda t: t + 1.5, "unit": lambda t: t * 0.9,
            "above1": lambda t: t + 2.5}[domain]
    return lambda t: fn(move(t))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_element_wise_ops_forward_and_gradient(name, gradcheck):
    fn, domain = UNARY[name]
    reference = REFERENCES.get(name, fn)
    _run(_domain(fn, domain), (3,), False, gradcheck, seed=len(name), reference=_domain(reference, domain))


@pytest.mark.parametrize("name", sorted(SHAPED))
def test_shaped_ops_forward_and_gradient(name, gradcheck):
    fn, reference = SHAPED[name]
    op_shape, _ = _run(fn, (2, 4), False, gradcheck, seed=len(name), reference=reference)
    assert op_shape[1:] == np.asarray(reference(np.full((5, 2, 4), 0.5))).shape[1:]


def test_piecewise_constant_and_boolean_ops_record_values_and_no_gradient():
    # NaN and the infinities made inside the graph (predict refuses them as inputs): log of -1, 0 and
    # 1e30, exp of 100.
    x = np.array([[-1.5, -0.0, 0.5, -1.0, 0.0, 1e30, 100.0]], np.float32)
    t = keras.Input((7,))
    cases = {
        "ceil": (ops.ceil, np.ceil), "trunc": (ops.trunc, np.trunc), "isnan": (ops.isnan, np.isnan),
        "isinf": (ops.isinf, np.isinf), "isfinite": (ops.isfinite, np.isfinite), "signbit": (ops.signbit, np.signbit),
        "isposinf": (ops.isposinf, np.isposinf), "isneginf": (ops.isneginf, np.isneginf),
        "floor_divide": (lambda v: ops.floor_divide(v, 2.0), lambda v: np.floor(v / 2.0)),
        "rfloor_divide": (lambda v: ops.floor_divide(3.0, v), lambda v: np.floor(3.0 / v)),
        "logical_xor": (lambda v: ops.logical_xor(v, True), lambda v: np.logical_xor(v, True)),
        "nan_to_num": (lambda v: ops.nan_to_num(v, nan=7.0), lambda v: np.nan_to_num(v, nan=7.0)),
    }
    made = {"x": (lambda v: v, lambda v: v), "log": (ops.log, np.log), "exp": (ops.exp, np.exp)}
    with np.errstate(all="ignore"):
        for source, (make, make_reference) in made.items():
            got = keras.Model(t, [fn(make(t)) for fn, _ in cases.values()]).predict(x, verbose=0)
            v = make_reference(x)
            for (name, (fn, reference)), value in zip(cases.items(), got):
                expected = reference(v).astype(np.float32)
                # (the C++ exp and log may differ from NumPy's in the last bit)
                np.testing.assert_allclose(value, expected, rtol=1e-6, err_msg=f"{name} of {source}")
                np.testing.assert_allclose(np.asarray(fn(v), np.float32), expected, rtol=1e-6,
                                           err_msg=f"{name} of {source}")
    # mod keeps the divisor's sign, as NumPy's (Python's %).
    np.testing.assert_array_equal(keras.Model(t, ops.mod(t, -2.0)).predict(np.array([[5, -5, 4, 0, 1, 3, -1]],
                                                                                   np.float32), verbose=0),
                                  np.mod(np.array([[5, -5, 4, 0, 1, 3, -1]], np.float32), -2.0))
    from densekit._core._testing import compute_gradients
    model = keras.Model(t, ops.ceil(t) + ops.isnan(t) + ops.floor_divide(t, 2.0) + ops.signbit(t))
    model.compile("sgd", "mse")
    finite = np.array([[0.3, 1.2, -0.4, 2.2, 0.1, 0.6, -2.1]], np.float32)
    assert not np.any(compute_gradients(model._core, [finite], [np.zeros((1, 7), np.float32)]))


def test_zeros_like_and_ones_like_ignore_nan_and_infinities():
    # Keras's zeros_like and ones_like never read the values; densekit's were x * 0 (+ 1), NaN
    # where x was NaN or infinite (log of -1, 0 and 1e30, exp of 100 made inside the graph).
    x = np.array([[-1.0, 0.0, 1e30, 100.0, 0.5]], np.float32)
    t = keras.Input((5,))
    made = [ops.log(t), ops.exp(t)]
    zeros, ones = keras.Model(t, [ops.zeros_like(made[0]) + ops.zeros_like(made[1]),
                                  ops.ones_like(made[0]) * ops.ones_like(made[1])]).predict(x, verbose=0)
    np.testing.assert_array_equal(zeros, np.zeros((1, 5), np.float32))
    np.testing.assert_array_equal(ones, np.ones((1, 5), np.float32))
    # so are logical_and with False and logical_or with True, which are made with them
    false, true = keras.Model(t, [ops.logical_and(made[0], False), ops.logical_or(made[0], True)]).predict(x, verbose=0)
    np.testing.assert_array_equal(false, np.zeros((1, 5), np.float32))
    np.testing.assert_array_equal(true, np.ones((1, 5), np.float32))
    # and they pass no gradient back
    from densekit._core._testing import compute_gradients
    inp = keras.Input((3,))
    d = keras.layers.Dense(2)(inp)
    model = keras.Model(inp, ops.zeros_like(d) + ops.ones_like(d))
    model.compile("sgd", "mse")
    assert not np.any(compute_gradients(model._core, [np.ones((2, 3), np.float32)], [np.zeros((2, 2), np.float32)]))


def test_all_any_count_nonzero_and_the_shape_of_a_tensor():
    x = np.array([[[1.0, 0.0], [2.0, 3.0]], [[0.0, 0.0], [1.0, 1.0]]], np.float32)
    t = keras.Input((2, 2))
    got = keras.Model(t, [ops.all(t, axis=-1), ops.any(t, axis=(1, 2), keepdims=True), ops.count_nonzero(t, axis=1)]
                      ).predict(x, verbose=0)
    np.testing.assert_array_equal(got[0], np.all(x, axis=-1))
    np.testing.assert_array_equal(got[1], np.any(x, axis=(1, 2), keepdims=True))
    np.testing.assert_array_equal(got[2], np.count_nonzero(x, axis=1))
    assert ops.ndim(t) == 3 and ops.size(x) == 8
    batch_total = ops.size(t)  # the batch size is unknown: the count over a batch, for add_loss or a metric
    assert [(reduction, scale) for _, reduction, scale in batch_total.terms] == [("sum", 1.0)]
    with pytest.raises(TypeError, match="does not divide by such a value"):  # not silently per row
        ops.sum(t, axis=-1) / ops.cast(batch_total, "float32")
    assert ops.is_tensor(t) and ops.is_tensor(x) and not ops.is_tensor([1.0])
    assert ops.dtype(t) == "float32" and ops.dtype(np.arange(3, dtype=np.int64)) == "int64"


def test_crossentropy_ops_match_kerass_values():
    # Printed by Keras 3.15.1 (TensorFlow backend) for these arrays.
    t = np.array([[1.0, 0.0, 1.0]], np.float32)
    p = np.array([[0.9, 0.2, 0.6]], np.float32)
    np.testing.assert_allclose(ops.binary_crossentropy(t, p), [[0.10536055, 0.22314353, 0.5108256]], rtol=1e-6)
    np.testing.assert_allclose(ops.binary_crossentropy(t, p, from_logits=True), [[0.34115386, 0.79813886, 0.43748793]],
                               rtol=1e-6)
    np.testing.assert_allclose(ops.categorical_crossentropy(t, ops.softmax(p)), [1.9106321], rtol=1e-6)
    np.testing.assert_allclose(ops.categorical_crossentropy(t, p, from_logits=True), [1.9106321], rtol=1e-6)
    np.testing.assert_allclose(ops.categorical_crossentropy(t, p), [1.6774427], rtol=1e-6)
    np.testing.assert_allclose(ops.sparse_categorical_crossentropy(np.array([2]), p), [1.0414537], rtol=1e-6)
    yt, yp = keras.Input((3,)), keras.Input((3,))
    model = keras.Model([yt, yp], [ops.categorical_crossentropy(yt, yp, from_logits=True),
                                   ops.binary_crossentropy(yt, yp, from_logits=True)])
    got = model.predict([t, p], verbose=0)
    np.testing.assert_allclose(got[0], [1.9106321], rtol=1e-6)
    np.testing.assert_allclose(got[1], [[0.34115386, 0.79813886, 0.43748793]], rtol=1e-6)
    with pytest.raises(ValueError, match="same shape"):
        ops.binary_crossentropy(t, p[:, :2])
    with pytest.raises(NotImplementedError, match="last axis"):
        ops.categorical_crossentropy(t, p, axis=0)


EAGER = {
    "arange": (lambda: ops.arange(1, 7, 2), np.arange(1, 7, 2, dtype=np.int32)),
    "arange floats": (lambda: ops.arange(0.0, 1.0, 0.25), np.arange(0, 1, 0.25, dtype=np.float32)),
    "linspace": (lambda: ops.linspace(0, 1, 5), np.linspace(0, 1, 5, dtype=np.float32)),
    "eye": (lambda: ops.eye(3, k=1), np.eye(3, k=1, dtype=np.float32)),
    "identity": (lambda: ops.identity(2), np.identity(2, dtype=np.float32)),
    "tri": (lambda: ops.tri(3), np.tri(3, dtype=np.float32)),
    "cumsum": (lambda: ops.cumsum(np.array([[1, 2], [3, 4]]), axis=1), np.array([[1, 3], [3, 7]])),
    "cumsum bool": (lambda: ops.cumsum(np.array([True, False, True])), np.array([1, 1, 2], np.int32)),
    "cumprod": (lambda: ops.cumprod(np.array([1.0, 2.0, 3.0])), np.array([1.0, 2.0, 6.0])),
    "sort": (lambda: ops.sort(np.array([3.0, 1.0, 2.0])), np.array([1.0, 2.0, 3.0])),
    "argsort": (lambda: ops.argsort(np.array([3.0, 1.0, 2.0])), np.array([1, 2, 0], np.int32)),
    "argmax": (lambda: ops.argmax(np.array([[3.0, 1.0], [2.0, 5.0]]), axis=1), np.array([0, 1], np.int32)),
    "argmin flat": (lambda: ops.argmin(np.array([[3.0, 1.0], [2.0, 5.0]])), np.int32(1)),
    "nanargmax": (lambda: ops.nanargmax(np.array([np.nan, 2.0, 1.0])), np.int32(1)),
    "count_nonzero": (lambda: ops.count_nonzero(np.array([[0, 1], [2, 3]]), axis=0), np.array([1, 2], np.int32)),
    # an integer or boolean array beside a float one takes the float's dtype (NumPy: float64)
    "add int32 float32": (lambda: ops.add(np.array([1, 2], np.int32), np.array([0.5, 0.5], np.float32)),
                          np.array([1.5, 2.5], np.float32)),
    "multiply float16 int64": (lambda: ops.multiply(np.array([2.0], np.float16), np.array([3], np.int64)),
                               np.array([6.0], np.float16)),
    "divide int32 float32": (lambda: ops.divide(np.array([3], np.int32), np.array([2.0], np.float32)),
                             np.array([1.5], np.float32)),
    "add complex64 float32": (lambda: ops.add(np.array([1 + 2j], np.complex64), np.array([1.0], np.float32)),
                              np.array([2 + 2j], np.complex64)),
    "maximum bool float32": (lambda: ops.maximum(np.array([True, False]), np.array([0.5, 0.5], np.float32)),
                             np.array([1.0, 0.5], np.float32)),
    "top_k": (lambda: ops.top_k(np.array([[1.0, 3.0, 3.0, 2.0]]), 2)[1], np.array([[1, 2]], np.int32)),
    "in_top_k": (lambda: ops.in_top_k(np.array([3, 0]), np.array([[1.0, 3.0, 2.0, 2.0], [0.0, 1.0, 2.0, 3.0]]), 2),
                 np.array([True, False])),
    "median": (lambda: ops.median(np.array([1, 2, 4])), np.float32(2.0)),
    "quantile": (lambda: ops.quantile(np.array([1.0, 2.0, 3.0, 4.0], np.float32), 0.5), np.float32(2.5)),
    "tril": (lambda: ops.tril(np.ones((2, 2))), np.tril(np.ones((2, 2)))),
    "outer": (lambda: ops.outer(np.array([1.0, 2.0]), np.array([3.0, 4.0])), np.array([[3.0, 4.0], [6.0, 8.0]])),
    "inv": (lambda: ops.inv(np.array([[2.0, 0.0], [0.0, 4.0]])), np.array([[0.5, 0.0], [0.0, 0.25]])),
    "logdet": (lambda: ops.logdet(np.eye(2) * 3.0), np.log(9.0)),
    "divide_no_nan": (lambda: ops.divide_no_nan(np.array([1.0, 2.0]), np.array([0.0, 4.0])), np.array([0.0, 0.5])),
    "pad": (lambda: ops.pad(np.ones((1, 2)), ((0, 0), (1, 0))), np.array([[0.0, 1.0, 1.0]])),
    "isclose": (lambda: ops.isclose(np.array([1.0, 2.0]), np.array([1.0 + 1e-9, 2.1])), np.array([True, False])),
}


@pytest.mark.parametrize("name", sorted(EAGER))
def test_ops_on_arrays_compute_with_kerass_dtypes(name):
    call, expected = EAGER[name]
    got = call()
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert np.asarray(got).dtype == np.asarray(expected).dtype


@pytest.mark.parametrize("call, message", [
    (lambda t: ops.cumsum(t, axis=1), "cumsum"),
    (lambda t: ops.sort(t), "sort"),
    (lambda t: ops.arange(t), "arange"),
    (lambda t: ops.norm(t), "axis=None"),
    (lambda t: ops.flip(t), "axis=None"),
    (lambda t: ops.tile(t, (2, 1)), "batch axis"),
    (lambda t: ops.moveaxis(t, 0, 1), "batch axis"),
    (lambda t: ops.nan_to_num(t, posinf=1.0), "posinf=None"),
    (lambda t: ops.rms_normalization(t, scale=np.ones(3)), "scale"),
    (lambda t: ops.norm(t, ord="nuc", axis=(1,)), "ord"),
])
def test_what_cannot_be_recorded_is_refused_clearly(call, message):
    with pytest.raises((NotImplementedError, ValueError), match=message):
        call(keras.Input((3,)))


@requires_h5py
def test_a_model_with_the_added_ops_trains_saves_and_loads(tmp_path):
    keras.utils.set_random_seed(3)
    t = keras.Input((4,))
    h = keras.layers.Dense(4, activation="tanh")(t)
    features = ops.concatenate([ops.normalize(h), ops.arctan2(h, 0.5), ops.erf(h), ops.roll(h, 1, axis=1),
                                ops.norm(h, axis=-1, keepdims=True), ops.mod(h, 0.3)], axis=-1)
    model = keras.Model(t, keras.layers.Dense(1)(features))
    model.compile("adam", "mse")
    x = np.random.default_rng(4).normal(size=(64, 4)).astype(np.float32)
    y = np.sin(x[:, :1])
    history = model.fit(x, y, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    for suffix in ("keras", "dk"):  # a .keras file with densekit's ops: densekit reads it back, Keras cannot
        path = str(tmp_path / f"m.{suffix}")
        model.save(path)
        np.testing.assert_array_equal(keras.saving.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))


KERAS_VALUES = """
import json, sys
import numpy as np
from keras import ops
x = np.array(json.loads(sys.argv[1]), np.float32)
pos = np.abs(x) + 1.5
out = [ops.tan(x), ops.sinh(x), ops.arctan(x), ops.arcsinh(x), ops.arcsin(x * 0.5), ops.arctanh(x * 0.5),
       ops.arccosh(pos), ops.log2(pos), ops.log10(pos), ops.exp2(x), ops.cbrt(x), ops.rsqrt(pos), ops.erf(x),
       ops.mod(x, 0.7), ops.mod(0.7, pos), ops.floor_divide(x, 0.3), ops.arctan2(x, 0.5), ops.hypot(x, 0.3),
       ops.logaddexp(x, 0.2), ops.normalize(x), ops.norm(x, axis=-1), ops.norm(x, ord=3, axis=-1),
       ops.moments(x, axes=[1])[1], ops.rms_normalization(x), ops.flip(x, axis=1), ops.roll(x, 2, axis=1),
       ops.repeat(x, 2, axis=1), ops.ceil(x), ops.signbit(x)]
print(json.dumps([np.asarray(o, np.float64).tolist() for o in out]))
"""


def test_recorded_ops_match_kerass_values():
    x = np.array([[-1.3, -0.4, 0.0, 0.35, 0.8, 1.7]], np.float32)
    expected = run_keras(KERAS_VALUES, __import__("json").dumps(x.tolist()))
    t = keras.Input((6,))
    pos = ops.abs(t) + 1.5
    outs = [ops.tan(t), ops.sinh(t), ops.arctan(t), ops.arcsinh(t), ops.arcsin(t * 0.5), ops.arctanh(t * 0.5),
            ops.arccosh(pos), ops.log2(pos), ops.log10(pos), ops.exp2(t), ops.cbrt(t), ops.rsqrt(pos), ops.erf(t),
            ops.mod(t, 0.7), ops.mod(0.7, pos), ops.floor_divide(t, 0.3), ops.arctan2(t, 0.5), ops.hypot(t, 0.3),
            ops.logaddexp(t, 0.2), ops.normalize(t), ops.norm(t, axis=-1), ops.norm(t, ord=3, axis=-1),
            ops.moments(t, axes=[1])[1], ops.rms_normalization(t), ops.flip(t, axis=1), ops.roll(t, 2, axis=1),
            ops.repeat(t, 2, axis=1), ops.ceil(t), ops.signbit(t)]
    got = keras.Model(t, outs).predict(x, verbose=0)
    for k, (g, e) in enumerate(zip(got, expected)):
        np.testing.assert_allclose(np.asarray(g, np.float64).reshape(np.shape(e)), e, rtol=3e-6, atol=1e-6, err_msg=k)
