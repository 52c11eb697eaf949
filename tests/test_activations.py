"""Activations (keras/src/activations/activations.py): float32 forward values against
independent float64 references, exact values measured with Keras 3.15.1, name lookup, and
float64 gradients against central finite differences."""

import math
import zlib

import numpy as np
import pytest
from scipy.special import erf, expit

import densekit
from densekit import activations
from densekit._core._testing import activation_backward_f64 as backward_f64
from densekit._core._testing import activation_forward_f64 as forward_f64
from gradient_helpers import row_vjp_by_finite_differences

F32_EPS = float(np.finfo(np.float32).eps)
TINY = 2e-38  # below float32's smallest normal: denormals / flush-to-zero both accepted
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


# ----------------------------------------------------------------------------------------
# Independent float64 references (formulas of keras/src/activations/activations.py)
# ----------------------------------------------------------------------------------------

def ref_relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    out = np.where(x > threshold, x, 0.0)
    if max_value is not None:
        out = np.clip(out, 0.0, max_value)
    if negative_slope != 0.0:
        out = out - negative_slope * np.maximum(threshold - x, 0.0)
    return out


def ref_leaky_relu(x, negative_slope=0.2):
    return np.maximum(x, negative_slope * x)


def ref_relu6(x):
    return np.minimum(np.maximum(x, 0.0), 6.0)


def ref_elu(x, alpha=1.0):
    return np.where(x >= 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def ref_selu(x):
    return SELU_SCALE * ref_elu(x, SELU_ALPHA)


def ref_gelu(x, approximate=False):
    if approximate:
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def ref_sigmoid(x):
    return expit(x)


def ref_silu(x):
    return x * expit(x)


def ref_softplus(x):
    return np.logaddexp(x, 0.0)


def ref_softsign(x):
    return x / (1.0 + np.abs(x))


def ref_hard_sigmoid(x):
    return np.clip(x / 6.0 + 0.5, 0.0, 1.0)


def ref_hard_silu(x):
    return x * ref_hard_sigmoid(x)


def ref_exponential(x):
    with np.errstate(over="ignore"):
        return np.exp(x)


def ref_mish(x):
    return x * np.tanh(ref_softplus(x))


def ref_softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def ref_log_softmax(x):
    s = x - x.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def ref_celu(x, alpha=1.0):
    return np.maximum(x, 0.0) + alpha * np.expm1(np.minimum(x, 0.0) / alpha)


def ref_hard_shrink(x, threshold=0.5):
    return np.where(np.abs(x) > threshold, x, 0.0)


def ref_soft_shrink(x, threshold=0.5):
    return np.sign(x) * np.maximum(np.abs(x) - threshold, 0.0)


def ref_sparse_plus(x):
    return np.where(x <= -1, 0.0, np.where(x < 1, (x + 1) ** 2 / 4, x))


def ref_sparse_sigmoid(x):
    return np.clip((x + 1) / 2, 0.0, 1.0)


def ref_squareplus(x, b=4.0):
    return (x + np.sqrt(x * x + b)) / 2


def ref_threshold(x, threshold, default_value):
    return np.where(x > threshold, x, default_value)


def _spec(name, **fields):
    spec = densekit._core.Activation.from_name(name)  # (get() refuses "threshold": it has no defaults)
    for key, value in fields.items():
        setattr(spec, key, value)
    return spec


# Element-wise activations: id -> (float32 function, float64 spec factory, reference, kinks,
# extra absolute tolerance per |x| for formulas that cancel in float32 as Keras's do).
ELEMENTWISE = {
    "linear": (activations.linear, lambda: _spec("linear"), lambda x: x, [], 0.0),
    "relu": (activations.relu, lambda: _spec("relu"), ref_relu, [0.0], 0.0),
    "relu6": (activations.relu6, lambda: _spec("relu6"), ref_relu6, [0.0, 6.0], 0.0),
    "leaky_relu": (activations.leaky_relu, lambda: _spec("leaky_relu"), ref_leaky_relu, [0.0], 0.0),
    "elu": (activations.elu, lambda: _spec("elu"), ref_elu, [0.0], 0.0),
    "selu": (activations.selu, lambda: _spec("selu"), ref_selu, [0.0], 0.0),
    "gelu": (activations.gelu, lambda: _spec("gelu"), ref_gelu, [], 2 * F32_EPS),
    "silu": (activations.silu, lambda: _spec("silu"), ref_silu, [], 0.0),
    "swish": (activations.swish, lambda: _spec("swish"), ref_silu, [], 0.0),
    "softplus": (activations.softplus, lambda: _spec("softplus"), ref_softplus, [], 0.0),
    "softsign": (activations.softsign, lambda: _spec("softsign"), ref_softsign, [0.0], 0.0),
    "sigmoid": (activations.sigmoid, lambda: _spec("sigmoid"), ref_sigmoid, [], 0.0),
    "hard_sigmoid": (activations.hard_sigmoid, lambda: _spec("hard_sigmoid"), ref_hard_sigmoid, [-3.0, 3.0], 0.0),
    "hard_silu": (activations.hard_silu, lambda: _spec("hard_silu"), ref_hard_silu, [-3.0, 3.0], 0.0),
    "hard_swish": (activations.hard_swish, lambda: _spec("hard_swish"), ref_hard_silu, [-3.0, 3.0], 0.0),
    "tanh": (activations.tanh, lambda: _spec("tanh"), np.tanh, [], 0.0),
    "exponential": (activations.exponential, lambda: _spec("exponential"), ref_exponential, [], 0.0),
    "mish": (activations.mish, lambda: _spec("mish"), ref_mish, [], 0.0),
    "celu": (activations.celu, lambda: _spec("celu"), ref_celu, [0.0], 0.0),
    "hard_tanh": (activations.hard_tanh, lambda: _spec("hard_tanh"), lambda x: np.clip(x, -1.0, 1.0), [-1.0, 1.0], 0.0),
    "hard_shrink": (activations.hard_shrink, lambda: _spec("hard_shrink"), ref_hard_shrink, [-0.5, 0.5], 0.0),
    "soft_shrink": (activations.soft_shrink, lambda: _spec("soft_shrink"), ref_soft_shrink, [-0.5, 0.5], 0.0),
    # x − tanh(x) cancels for small x in float32, as Keras computes it too
    "tanh_shrink": (activations.tanh_shrink, lambda: _spec("tanh_shrink"), lambda x: x - np.tanh(x), [], 2 * F32_EPS),
    "log_sigmoid": (activations.log_sigmoid, lambda: _spec("log_sigmoid"), lambda x: -np.logaddexp(-x, 0.0), [], 0.0),
    "sparse_plus": (activations.sparse_plus, lambda: _spec("sparse_plus"), ref_sparse_plus, [-1.0, 1.0], 0.0),
    "sparse_sigmoid": (activations.sparse_sigmoid, lambda: _spec("sparse_sigmoid"), ref_sparse_sigmoid, [-1.0, 1.0], 0.0),
    # x + sqrt(x² + b) cancels for large negative x
    "squareplus": (activations.squareplus, lambda: _spec("squareplus"), ref_squareplus, [], 2 * F32_EPS),
}

# Parameterised variants: id -> (float32 call, float64 spec factory, reference, kinks, cancel tol)
RELU_PARAMS = [
    (0.5, 8.0, 2.0),      # the relu example checked in test_spec_relu_example_exact
    (0.1, None, 0.0),     # leaky form
    (0.0, 6.0, 0.0),      # relu6 form
    (0.0, None, 1.5),     # threshold only
    (0.0, None, -1.0),    # negative threshold: x kept for threshold < x < 0
    (0.3, 4.0, 0.0),      # slope and cap
    (0.2, 5.0, -1.0),     # everything, negative threshold
]


def _relu_variant(ns, mv, th):
    return (lambda x: activations.relu(x, negative_slope=ns, max_value=mv, threshold=th),
            lambda: activations.relu_spec(ns, mv, th),
            lambda x: ref_relu(x, ns, mv, th),
            sorted({0.0, th} | ({mv} if mv is not None else set())), 0.0)


PARAMETERISED = {f"relu(ns={ns},max={mv},th={th})": _relu_variant(ns, mv, th) for ns, mv, th in RELU_PARAMS}
for _slope in (0.01, 0.2, 0.5):
    PARAMETERISED[f"leaky_relu({_slope})"] = (
        lambda x, s=_slope: activations.leaky_relu(x, negative_slope=s),
        lambda s=_slope: _spec("leaky_relu", negative_slope=s),
        lambda x, s=_slope: ref_leaky_relu(x, s), [0.0], 0.0)
for _alpha in (0.5, 1.0, 2.0):
    PARAMETERISED[f"elu({_alpha})"] = (
        lambda x, a=_alpha: activations.elu(x, alpha=a),
        lambda a=_alpha: _spec("elu", alpha=a),
        lambda x, a=_alpha: ref_elu(x, a), [0.0], 0.0)
for _approx in (False, True):
    PARAMETERISED[f"gelu(approximate={_approx})"] = (
        lambda x, ap=_approx: activations.gelu(x, approximate=ap),
        lambda ap=_approx: _spec("gelu", approximate=ap),
        lambda x, ap=_approx: ref_gelu(x, ap), [], 2 * F32_EPS)

for _alpha in (0.5, 2.0):
    PARAMETERISED[f"celu({_alpha})"] = (
        lambda x, a=_alpha: activations.celu(x, alpha=a),
        lambda a=_alpha: _spec("celu", alpha=a),
        lambda x, a=_alpha: ref_celu(x, a), [0.0], 0.0)
for _name, _ref in (("hard_shrink", ref_hard_shrink), ("soft_shrink", ref_soft_shrink)):
    for _t in (0.0, 1.5):
        PARAMETERISED[f"{_name}({_t})"] = (
            lambda x, t=_t, n=_name: getattr(activations, n)(x, threshold=t),
            lambda t=_t, n=_name: _spec(n, threshold=t),
            lambda x, t=_t, r=_ref: r(x, t), [-_t, _t], 0.0)
for _b in (1.0, 9.0):
    PARAMETERISED[f"squareplus({_b})"] = (
        lambda x, b=_b: activations.squareplus(x, b=b),
        lambda b=_b: _spec("squareplus", b=b),
        lambda x, b=_b: ref_squareplus(x, b), [], 2 * F32_EPS)
for _t, _v in ((0.0, 0.0), (1.5, -2.0), (-1.0, 3.0)):
    PARAMETERISED[f"threshold({_t},{_v})"] = (
        lambda x, t=_t, v=_v: activations.threshold(x, t, v),
        lambda t=_t, v=_v: _spec("threshold", threshold=t, default_value=v),
        lambda x, t=_t, v=_v: ref_threshold(x, t, v), [_t], 0.0)

ALL_ELEMENTWISE = {**ELEMENTWISE, **PARAMETERISED}

GRID = np.concatenate([
    np.linspace(-12.0, 12.0, 97),                       # includes 0 and the kinks ±3, 6, 2, 8, ...
    [-1000.0, -100.0, -50.0, -20.0, -15.5, 15.5, 20.0, 50.0, 100.0, 1000.0],
    [-0.37, 0.37, -1.3, 1.3, -2.9, 2.9, -3.1, 3.1, 5.99, 6.01],
]).astype(np.float32)


def _assert_close_f32(actual, ref64, rtol, atol):
    """float32 result vs float64 reference rounded to float32 (so float32 overflow is inf)."""
    actual = np.asarray(actual)
    assert actual.dtype == np.float32, actual.dtype
    with np.errstate(over="ignore"):
        expected = np.asarray(ref64, dtype=np.float64).astype(np.float32).astype(np.float64)
    np.testing.assert_allclose(actual.astype(np.float64), expected, rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------------------
# Forward values
# ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(ALL_ELEMENTWISE))
def test_forward_float32_matches_reference(name):
    fn, _, ref, _, cancel = ALL_ELEMENTWISE[name]
    x = GRID
    out = fn(x)
    assert out.shape == x.shape
    expected = ref(x.astype(np.float64))
    # |x|·cancel covers 1+erf / 1+tanh cancelling in float32 (Keras computes it the same way).
    atol = TINY + cancel * np.abs(x.astype(np.float64))
    actual = np.asarray(out, dtype=np.float64)
    with np.errstate(over="ignore"):
        exp32 = expected.astype(np.float32).astype(np.float64)
    assert out.dtype == np.float32
    finite = np.isfinite(exp32)
    np.testing.assert_array_equal(actual[~finite], exp32[~finite])
    err = np.abs(actual[finite] - exp32[finite])
    bound = 2e-6 * np.abs(exp32[finite]) + atol[finite]
    bad = err > bound
    assert not bad.any(), (
        f"{name}: x={x[finite][bad][:6]}, expected={exp32[finite][bad][:6]}, got={actual[finite][bad][:6]}")


@pytest.mark.parametrize("name", list(ALL_ELEMENTWISE))
def test_forward_f64_matches_reference(name):
    _, make_spec, ref, _, cancel = ALL_ELEMENTWISE[name]
    x = GRID.astype(np.float64)
    if name == "exponential":
        x = x[np.abs(x) < 700]
    x = x.reshape(1, -1)
    out = forward_f64(make_spec(), x)
    assert out.dtype == np.float64 and out.shape == x.shape
    # 1+erf / 1+tanh cancel in float64 too: allow a few float64 ulps of |x| there.
    atol = 1e-300 + (4e-16 * np.abs(x) if cancel else 0.0)
    expected = ref(x)
    bad = np.abs(out - expected) > 1e-12 * np.abs(expected) + atol
    assert not bad.any(), f"{name}: x={x[bad]}, expected={expected[bad]}, got={out[bad]}"


@pytest.mark.parametrize("shape", [(4,), (3, 5), (2, 3, 4)])
def test_elementwise_keeps_shape(shape):
    x = np.random.default_rng(1).normal(size=shape).astype(np.float32) * 3
    for name in ("relu", "tanh", "gelu", "sigmoid"):
        fn, _, ref, _, _ = ELEMENTWISE[name]
        out = fn(x)
        assert out.shape == shape and out.dtype == np.float32
        np.testing.assert_allclose(out, ref(x.astype(np.float64)), rtol=2e-6, atol=1e-7)


SOFTMAX_ROWS = np.array([
    [0.0, 0.0, 0.0, 0.0],
    [1.0, 2.0, 3.0, 4.0],
    [-3.5, 0.25, 2.0, -1.0],
    [1000.0, 999.0, 990.0, 0.0],        # needs the max subtraction
    [-1000.0, 0.0, 1000.0, 1000.0],
    [-50.0, -50.5, -49.0, -60.0],
    [7.0, -7.0, 0.5, 3.25],
], dtype=np.float32)


@pytest.mark.parametrize("name,ref,atol", [("softmax", ref_softmax, TINY), ("log_softmax", ref_log_softmax, 3e-7)])
def test_softmax_forward(name, ref, atol):
    fn = getattr(activations, name)
    rows = SOFTMAX_ROWS
    out = fn(rows)
    assert out.dtype == np.float32 and out.shape == rows.shape
    assert np.isfinite(out).all()
    _assert_close_f32(out, ref(rows.astype(np.float64)), rtol=2e-6, atol=atol)
    # along the last axis of a 3-D input, and for a single 1-D vector
    x3 = np.random.default_rng(2).normal(size=(2, 3, 5)).astype(np.float32) * 4
    _assert_close_f32(fn(x3), ref(x3.astype(np.float64)), rtol=2e-6, atol=atol)
    _assert_close_f32(fn(rows[2]), ref(rows[2].astype(np.float64)), rtol=2e-6, atol=atol)
    if name == "softmax":
        np.testing.assert_allclose(out.sum(axis=-1), 1.0, rtol=1e-6)
    # float64 path
    np.testing.assert_allclose(forward_f64(_spec(name), rows.astype(np.float64)), ref(rows.astype(np.float64)),
                               rtol=1e-12, atol=1e-300)


def test_spec_relu_example_exact():
    out = activations.relu([-10.0, -5.0, 0.0, 5.0, 10.0], negative_slope=0.5, threshold=2, max_value=8)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.array([-6.0, -3.5, -1.0, 5.0, 8.0], np.float32))
    out64 = forward_f64(activations.relu_spec(0.5, 8, 2), np.array([[-10.0, -5.0, 0.0, 5.0, 10.0]]))
    np.testing.assert_array_equal(out64, [[-6.0, -3.5, -1.0, 5.0, 8.0]])


def test_relu_defaults_plain():
    np.testing.assert_array_equal(activations.relu([-2.0, -0.0, 0.0, 1.5, 1e6]), np.float32([0, 0, 0, 1.5, 1e6]))


def test_spec_vectors_selu_hard_sigmoid_softplus_elu():
    np.testing.assert_array_max_ulp(activations.selu([-1.0, 1.0]), np.float32([-1.1113307, 1.050701]), maxulp=2)
    np.testing.assert_array_max_ulp(activations.hard_sigmoid([1.0]), np.float32([0.6666667]), maxulp=1)
    np.testing.assert_array_max_ulp(activations.softplus([0.0]), np.float32([0.6931472]), maxulp=1)
    np.testing.assert_array_max_ulp(activations.elu([-1.0]), np.float32([-0.63212055]), maxulp=2)
    np.testing.assert_array_equal(activations.hard_sigmoid([-3.0, -10.0, 3.0, 10.0]), np.float32([0, 0, 1, 1]))


def test_gelu_exact_by_default_and_approximate():
    exact = activations.gelu([1.0])
    approx = activations.gelu([1.0], approximate=True)
    np.testing.assert_array_max_ulp(exact, np.float32([0.8413447]), maxulp=2)
    np.testing.assert_allclose(approx, [0.841192], atol=1e-6)   # 6 significant digits given
    assert abs(float(exact[0]) - float(approx[0])) > 1e-4
    spec = activations.activation_spec("gelu")
    assert not spec.approximate
    np.testing.assert_allclose(forward_f64(spec, np.array([[1.0]])), [[0.5 * (1 + math.erf(1 / math.sqrt(2)))]],
                               rtol=1e-14)


def test_leaky_relu_function_default_is_0_2():
    np.testing.assert_allclose(activations.leaky_relu([-10.0, -1.0, 0.0, 2.0]), [-2.0, -0.2, 0.0, 2.0], rtol=1e-7)
    spec = activations.activation_spec("leaky_relu")
    assert spec.negative_slope == pytest.approx(0.2)
    np.testing.assert_allclose(forward_f64(spec, np.array([[-1.0, 3.0]])), [[-0.2, 3.0]], rtol=1e-15)
    np.testing.assert_allclose(activations.leaky_relu([-10.0], negative_slope=0.3), [-3.0], rtol=1e-7)


def test_elu_alpha_and_selu_constants():
    np.testing.assert_allclose(activations.elu([-1.0, 2.0], alpha=0.5), [0.5 * (math.exp(-1) - 1), 2.0], rtol=1e-6)
    big_negative = activations.selu([-1000.0])
    np.testing.assert_allclose(big_negative, [-SELU_SCALE * SELU_ALPHA], rtol=1e-6)


def test_aliases():
    assert activations.activation_spec("swish").name == "silu"
    assert activations.activation_spec("hard_swish").name == "hard_silu"
    x = np.linspace(-5, 5, 41).astype(np.float32)
    np.testing.assert_array_equal(activations.swish(x), activations.silu(x))
    np.testing.assert_array_equal(activations.hard_swish(x), activations.hard_silu(x))
    for alias, target in [("swish", "silu"), ("hard_swish", "hard_silu")]:
        np.testing.assert_array_equal(forward_f64(activations.activation_spec(alias), x.reshape(1, -1).astype(np.float64)),
                                      forward_f64(activations.activation_spec(target), x.reshape(1, -1).astype(np.float64)))


def test_get_none_is_linear_and_names_roundtrip():
    assert activations.activation_spec(None).name == "linear"
    for name in ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "softplus", "softsign", "sigmoid",
                 "hard_sigmoid", "hard_silu", "tanh", "softmax", "log_softmax", "exponential", "linear", "mish"]:
        spec = activations.activation_spec(name)
        assert isinstance(spec, densekit._core.Activation)
        assert spec.name == name
        assert activations.activation_spec(getattr(activations, name)).name == name


@pytest.mark.parametrize("bad", ["foo", "Relu", "softmax2", "swish_"])
def test_unknown_activation_raises_with_valid_names(bad):
    with pytest.raises(ValueError) as info:
        activations.activation_spec(bad)
    message = str(info.value)
    assert bad in message
    for valid in ("relu", "softmax", "gelu", "hard_sigmoid", "tanh", "linear"):
        assert valid in message


# ----------------------------------------------------------------------------------------
# Gradients (float64): backward_f64 vs central finite differences of forward_f64
# ----------------------------------------------------------------------------------------

def _points_away_from_kinks(kinks, seed, n=64, lo=-8.0, hi=8.0, margin=0.05):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.uniform(lo, hi, size=4 * n), [-15.0, -7.5, 7.5, 12.0, -0.5, 0.5]])
    for k in kinks:
        x = x[np.abs(x - k) > margin]
    return x[: x.size // 4 * 4].reshape(-1, 4)


@pytest.mark.parametrize("name", list(ALL_ELEMENTWISE))
def test_backward_matches_finite_differences(name):
    _, make_spec, _, kinks, _ = ALL_ELEMENTWISE[name]
    spec = make_spec()
    z = _points_away_from_kinks(kinks, seed=zlib.crc32(name.encode()))
    rng = np.random.default_rng(7)
    da = rng.normal(size=z.shape)
    a = forward_f64(spec, z)
    dz = backward_f64(spec, z, a, da)
    assert dz.shape == z.shape
    h = 1e-6
    fd = (forward_f64(spec, z + h) - forward_f64(spec, z - h)) / (2 * h) * da
    np.testing.assert_allclose(dz, fd, rtol=1e-6, atol=1e-8, err_msg=f"{name}: z={z.ravel()}")


@pytest.mark.parametrize("name,kinks", [("relu", [0.0]), ("relu6", [0.0, 6.0]), ("hard_sigmoid", [-3.0, 3.0]),
                                        ("leaky_relu", [0.0])])
def test_backward_piecewise_values(name, kinks):
    """Exact piecewise derivatives away from the kinks (catches a wrong region)."""
    spec = activations.activation_spec(name)
    z = np.array([[-10.0, -4.0, -1.0, 1.0, 4.0, 10.0]])
    da = np.full_like(z, 2.0)
    dz = backward_f64(spec, z, forward_f64(spec, z), da)
    expected = {
        "relu": [0, 0, 0, 2, 2, 2],
        "relu6": [0, 0, 0, 2, 2, 0],
        "hard_sigmoid": [0, 0, 2 / 6, 2 / 6, 0, 0],
        "leaky_relu": [0.4, 0.4, 0.4, 2, 2, 2],
    }[name]
    np.testing.assert_allclose(dz, [expected], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_vjp_matches_finite_differences(name):
    spec = activations.activation_spec(name)
    rng = np.random.default_rng(3)
    z = np.concatenate([rng.normal(size=(5, 4)) * 3, [[100.0, 99.0, 98.5, 90.0]], [[0.0, 0.0, 0.0, 0.0]]])
    da = rng.normal(size=z.shape)
    a = forward_f64(spec, z)
    dz = backward_f64(spec, z, a, da)
    assert dz.shape == z.shape
    fd = row_vjp_by_finite_differences(lambda v: forward_f64(spec, v), z, da)
    np.testing.assert_allclose(dz, fd, rtol=1e-6, atol=1e-8)
    # closed forms
    if name == "softmax":
        expected = a * (da - (da * a).sum(axis=1, keepdims=True))
    else:
        expected = da - np.exp(a) * da.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(dz, expected, rtol=1e-10, atol=1e-14)


def test_softmax_of_a_row_does_not_depend_on_its_place_in_the_batch():
    # Regression: the vectorized exp took a scalar path for the elements before the first aligned
    # address and after the last whole packet, so a row's probabilities changed in the last bit
    # with the batch size and the row's position (seen in Dask blocks of 1,000 rows).
    densekit.utils.set_random_seed(0)
    model = densekit.Sequential([densekit.Input((20,)), densekit.layers.Dense(10, activation="softmax")])
    x = np.random.default_rng(1).normal(size=(1000, 20)).astype("float32") * 4
    whole = model.predict(x, batch_size=1000, verbose=0)
    for batch_size in (1, 7, 32, 33):
        assert np.array_equal(model.predict(x, batch_size=batch_size, verbose=0), whole), batch_size
    for start in (1, 3, 13):
        assert np.array_equal(model.predict(x[start:], batch_size=32, verbose=0), whole[start:]), start


@pytest.mark.parametrize("dtype", ["float16", "float64"])
@pytest.mark.parametrize("fn", [activations.relu, activations.sigmoid, activations.gelu, activations.softmax,
                                lambda x: activations.log_softmax(x, axis=None), densekit.ops.leaky_relu,
                                densekit.ops.silu])
def test_a_float_input_keeps_its_dtype(fn, dtype):
    # Keras's backends return a float64 (or float16) tensor for a float64 (float16) one; densekit
    # computes in float32 and hands the value back in the input's dtype.
    x = np.array([[-1.5, 0.25, 2.0], [0.0, -3.0, 1.0]], dtype=dtype)
    out = fn(x)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, fn(x.astype(np.float32)), rtol=1e-3 if dtype == "float16" else 1e-7)


def test_linear_returns_a_float64_input_itself_and_other_inputs_as_float32():
    x = np.array([1.0 + 1e-12, -2.0])
    assert activations.linear(x) is x  # as Keras's `return x`: no float32 rounding of 1 + 1e-12
    assert activations.linear([1, 2]).dtype == np.float32
    assert activations.relu(np.array([1, -2])).dtype == np.float32
