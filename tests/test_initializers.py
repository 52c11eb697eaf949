"""Weight initializers: distributions, seeding, lookup (keras/src/initializers/)."""

import math

import numpy as np
import pytest

import densekit as keras
from densekit import initializers

SHAPE = (400, 300)
FAN_IN, FAN_OUT = SHAPE
TRUNC = 0.87962566103423978  # std of a unit normal truncated at ±2


def _check_uniform(w, limit, center=0.0):
    assert w.dtype == np.float32 and w.shape == SHAPE
    w = w.astype(np.float64) - center
    assert np.max(np.abs(w)) <= limit * (1 + 1e-6)
    assert np.max(w) > 0.995 * limit and np.min(w) < -0.995 * limit
    assert abs(np.mean(w)) < 0.02 * limit
    assert np.std(w) == pytest.approx(limit / math.sqrt(3.0), rel=0.02)


def _check_truncated(w, target_std, mean=0.0):
    """Samples of a normal with stddev target_std/TRUNC truncated at ±2 of that stddev."""
    assert w.dtype == np.float32 and w.shape == SHAPE
    sigma = target_std / TRUNC
    w = w.astype(np.float64) - mean
    assert np.max(np.abs(w)) <= 2 * sigma * (1 + 1e-6)
    assert np.max(np.abs(w)) > 0.98 * 2 * sigma
    assert abs(np.mean(w)) < 0.02 * target_std
    assert np.std(w) == pytest.approx(target_std, rel=0.02)


@pytest.mark.parametrize("name,cls,limit", [
    ("glorot_uniform", initializers.GlorotUniform, math.sqrt(6.0 / (FAN_IN + FAN_OUT))),
    ("he_uniform", initializers.HeUniform, math.sqrt(6.0 / FAN_IN)),
    ("lecun_uniform", initializers.LecunUniform, math.sqrt(3.0 / FAN_IN)),
])
def test_uniform_variance_initializers(name, cls, limit):
    _check_uniform(cls(seed=1)(SHAPE), limit)
    _check_uniform(initializers.get(name)(SHAPE), limit)


@pytest.mark.parametrize("name,cls,scale_over_n", [
    ("glorot_normal", initializers.GlorotNormal, 2.0 / (FAN_IN + FAN_OUT)),
    ("he_normal", initializers.HeNormal, 2.0 / FAN_IN),
    ("lecun_normal", initializers.LecunNormal, 1.0 / FAN_IN),
])
def test_truncated_normal_variance_initializers(name, cls, scale_over_n):
    _check_truncated(cls(seed=2)(SHAPE), math.sqrt(scale_over_n))
    _check_truncated(initializers.get(name)(SHAPE), math.sqrt(scale_over_n))


@pytest.mark.parametrize("mode,n", [("fan_in", FAN_IN), ("fan_out", FAN_OUT), ("fan_avg", (FAN_IN + FAN_OUT) / 2)])
def test_variance_scaling_modes_and_distributions(mode, n):
    s = 3.0 / n
    _check_truncated(initializers.VarianceScaling(3.0, mode, "truncated_normal", seed=3)(SHAPE), math.sqrt(s))
    # "normal" is mapped to the truncated normal
    _check_truncated(initializers.VarianceScaling(3.0, mode, "normal", seed=3)(SHAPE), math.sqrt(s))
    _check_uniform(initializers.VarianceScaling(3.0, mode, "uniform", seed=3)(SHAPE), math.sqrt(3 * s))
    w = initializers.VarianceScaling(3.0, mode, "untruncated_normal", seed=3)(SHAPE).astype(np.float64)
    assert np.std(w) == pytest.approx(math.sqrt(s), rel=0.02)
    assert np.mean(np.abs(w) > 2 * math.sqrt(s)) == pytest.approx(0.0455, abs=0.005)  # not truncated


def test_variance_scaling_defaults_and_bad_arguments():
    _check_truncated(initializers.VarianceScaling(seed=4)(SHAPE), math.sqrt(1.0 / FAN_IN))
    with pytest.raises(ValueError):
        initializers.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError):
        initializers.VarianceScaling(mode="fan_sideways")
    with pytest.raises(ValueError):
        initializers.VarianceScaling(distribution="cauchy")


def test_fans_for_rank1_shape():
    w = initializers.GlorotUniform(seed=5)((20000,)).astype(np.float64)
    limit = math.sqrt(6.0 / 40000)
    assert w.shape == (20000,)
    assert np.max(np.abs(w)) <= limit * (1 + 1e-6) and np.max(np.abs(w)) > 0.99 * limit


def test_random_normal_parameters():
    w = initializers.RandomNormal(mean=1.0, stddev=0.5, seed=6)(SHAPE).astype(np.float64)
    assert np.mean(w) == pytest.approx(1.0, abs=0.01)
    assert np.std(w) == pytest.approx(0.5, rel=0.02)
    assert np.max(np.abs(w - 1.0)) > 3 * 0.5  # untruncated
    d = initializers.get("random_normal")(SHAPE).astype(np.float64)
    assert np.mean(d) == pytest.approx(0.0, abs=0.001) and np.std(d) == pytest.approx(0.05, rel=0.02)
    alias = initializers.get("normal")
    assert isinstance(alias, initializers.RandomNormal)


def test_random_uniform_parameters():
    w = initializers.RandomUniform(minval=-2.0, maxval=3.0, seed=7)(SHAPE).astype(np.float64)
    assert w.min() >= -2.0 and w.max() <= 3.0
    assert w.min() < -1.99 and w.max() > 2.99
    assert np.mean(w) == pytest.approx(0.5, abs=0.02)
    _check_uniform(initializers.get("random_uniform")(SHAPE), 0.05)
    assert isinstance(initializers.get("uniform"), initializers.RandomUniform)


def test_truncated_normal_parameters():
    # cut at ±2 stddev, no rescaling: the sample std is 0.8796 · stddev
    _check_truncated(initializers.TruncatedNormal(mean=0.5, stddev=0.1, seed=8)(SHAPE), 0.1 * TRUNC, mean=0.5)
    _check_truncated(initializers.get("truncated_normal")(SHAPE), 0.05 * TRUNC)


@pytest.mark.parametrize("shape", [(400, 300), (300, 400), (50, 50)])
@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_orthogonal(shape, gain):
    w = initializers.Orthogonal(gain=gain, seed=9)(shape).astype(np.float64)
    assert w.shape == shape
    r, c = shape
    gram = w.T @ w if r >= c else w @ w.T
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(r, c)), atol=1e-4)
    assert isinstance(initializers.get("orthogonal"), initializers.Orthogonal)


@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_identity(gain):
    w = initializers.Identity(gain=gain)((5, 5))
    assert w.dtype == np.float32
    np.testing.assert_array_equal(w, gain * np.eye(5))
    np.testing.assert_array_equal(initializers.get("identity")((4, 4)), np.eye(4))


def test_zeros_ones_constant():
    for init, value in [(initializers.Zeros(), 0.0), (initializers.Ones(), 1.0), (initializers.Constant(3.5), 3.5),
                        (initializers.Constant(), 0.0), (initializers.get("zeros"), 0.0),
                        (initializers.get("ones"), 1.0), (initializers.get("zero"), 0.0),
                        (initializers.get("one"), 1.0), (initializers.get("constant"), 0.0)]:
        w = init((3, 4))
        assert w.dtype == np.float32 and w.shape == (3, 4)
        np.testing.assert_array_equal(w, np.full((3, 4), value))
    with pytest.raises(ValueError):
        initializers.Constant([1.0, 2.0])


@pytest.mark.parametrize("name,cls", [
    ("glorot_uniform", initializers.GlorotUniform), ("GlorotUniform", initializers.GlorotUniform),
    ("he_normal", initializers.HeNormal), ("HeNormal", initializers.HeNormal),
    ("lecun_uniform", initializers.LecunUniform), ("VarianceScaling", initializers.VarianceScaling),
    ("zeros", initializers.Zeros), ("Ones", initializers.Ones), ("random_normal", initializers.RandomNormal),
])
def test_get_by_name(name, cls):
    assert type(initializers.get(name)) is cls


@pytest.mark.parametrize("name", ["glorot_uniformm", "xavier", "", "Glorot_Uniform"])
def test_get_unknown_name(name):
    with pytest.raises(ValueError):
        initializers.get(name)
    with pytest.raises(ValueError):
        keras.layers.Dense(3, kernel_initializer=name)


# --------------------------------------------------------------------------------------------
# Seeding
# --------------------------------------------------------------------------------------------
SEEDED = [initializers.GlorotUniform, initializers.GlorotNormal, initializers.HeNormal, initializers.HeUniform,
          initializers.LecunNormal, initializers.LecunUniform, initializers.RandomNormal, initializers.RandomUniform,
          initializers.TruncatedNormal, initializers.VarianceScaling, initializers.Orthogonal]


@pytest.mark.parametrize("cls", SEEDED, ids=lambda c: c.__name__)
def test_same_seed_same_values(cls):
    a = cls(seed=42)((30, 20))
    b = cls(seed=42)((30, 20))
    np.testing.assert_array_equal(a, b)
    c = cls(seed=43)((30, 20))
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("cls", SEEDED, ids=lambda c: c.__name__)
def test_instance_returns_same_values_every_call(cls):
    unseeded = cls()
    np.testing.assert_array_equal(unseeded((30, 20)), unseeded((30, 20)))
    seeded = cls(seed=5)
    np.testing.assert_array_equal(seeded((30, 20)), seeded((30, 20)))
    # two unseeded instances draw different seeds
    assert not np.array_equal(cls()((30, 20)), cls()((30, 20)))


def test_string_initialized_layers_differ():
    model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(20), keras.layers.Dense(20)])
    k1, _, k2, _ = model.get_weights()
    assert not np.array_equal(k1, k2)
    other = keras.Sequential([keras.Input((20,)), keras.layers.Dense(20), keras.layers.Dense(20)])
    assert not np.array_equal(k1, other.get_weights()[0])


def test_shared_initializer_instance_gives_same_values():
    init = initializers.GlorotUniform()
    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(10, kernel_initializer=init),
                              keras.layers.Dense(10, kernel_initializer=init)])
    k1, _, k2, _ = model.get_weights()
    np.testing.assert_array_equal(k1, k2)
    np.testing.assert_array_equal(k1, init((10, 10)))


def test_dense_default_initializers():
    model = keras.Sequential([keras.Input((400,)), keras.layers.Dense(300)])
    kernel, bias = model.get_weights()
    limit = math.sqrt(6.0 / 700)
    assert np.max(np.abs(kernel)) <= limit * (1 + 1e-6) and np.max(np.abs(kernel)) > 0.99 * limit
    assert np.std(kernel.astype(np.float64)) == pytest.approx(limit / math.sqrt(3), rel=0.02)
    np.testing.assert_array_equal(bias, np.zeros(300))


def _build(kind="glorot_uniform"):
    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu", kernel_initializer=kind,
                                                                   bias_initializer="random_normal"),
                             keras.layers.Dropout(0.3), keras.layers.Dense(3)])


@pytest.mark.parametrize("kind", ["glorot_uniform", "he_normal", "orthogonal", "random_uniform"])
def test_set_random_seed_makes_init_deterministic(kind):
    keras.utils.set_random_seed(123)
    a = _build(kind).get_weights()
    keras.utils.set_random_seed(123)
    b = _build(kind).get_weights()
    keras.utils.set_random_seed(124)
    c = _build(kind).get_weights()
    assert len(a) == len(b) == len(c) == 4
    for wa, wb in zip(a, b):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a[0], c[0]) and not np.array_equal(a[2], c[2])


def test_set_random_seed_makes_training_deterministic():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 8)).astype(np.float32)
    y = rng.integers(0, 3, size=64)

    def run(seed):
        keras.utils.set_random_seed(seed)
        model = _build()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=16, epochs=2, verbose=0)
        return model.get_weights()

    a, b, c = run(5), run(5), run(6)
    for wa, wb in zip(a, b):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a[0], c[0])


def test_set_random_seed_rejects_non_int():
    with pytest.raises(ValueError):
        keras.utils.set_random_seed(1.5)


def _half(shape, dtype=None):
    return np.full(shape, 0.5, dtype="float32")


class _Ramp(keras.initializers.Initializer):
    """An Initializer subclass of the user's, as the Keras docs write one."""

    def __init__(self, step):
        super().__init__()
        self.step = step

    def __call__(self, shape, dtype=None):
        return np.arange(np.prod(shape), dtype="float32").reshape(shape) * self.step

    def get_config(self):
        return {"step": self.step}


def test_python_initializers_fill_built_in_layers_once_when_their_weights_are_created():
    x = keras.Input((3,))
    dense = keras.layers.Dense(2, kernel_initializer=_half, bias_initializer=_Ramp(0.25))
    model = keras.Model(x, keras.layers.LayerNormalization(gamma_initializer=_Ramp(1.0))(dense(x)))
    kernel, bias, gamma, beta = model.get_weights()
    np.testing.assert_array_equal(kernel, np.full((3, 2), 0.5))
    np.testing.assert_array_equal(bias, [0.0, 0.25])
    np.testing.assert_array_equal(gamma, [0.0, 1.0])
    np.testing.assert_array_equal(beta, [0.0, 0.0])
    # trained values are not reset by a later graph (a second model over the same layers)
    model.compile("sgd", "mse")
    model.fit(np.ones((8, 3), "float32"), np.ones((8, 2), "float32"), epochs=1, verbose=0)
    trained = dense.get_weights()[0].copy()
    assert not np.array_equal(trained, np.full((3, 2), 0.5))
    keras.Model(x, dense(x))
    np.testing.assert_array_equal(dense.get_weights()[0], trained)
    # eagerly and in a Sequential too
    eager = keras.layers.Dense(2, kernel_initializer=_half)
    np.testing.assert_array_equal(eager(np.ones((1, 4), "float32")), [[2.0, 2.0]])
    sequential = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, kernel_initializer=_Ramp(1.0))])
    np.testing.assert_array_equal(sequential.get_weights()[0], np.arange(6).reshape(3, 2))


def test_a_python_initializer_is_serialized_as_keras_does_and_found_again():
    dense = keras.layers.Dense(2, kernel_initializer=_half, bias_initializer=_Ramp(0.5))
    config = dense.get_config()
    assert config["kernel_initializer"]["class_name"] == "function"
    assert config["bias_initializer"]["class_name"] == "_Ramp"
    with keras.saving.custom_object_scope({"_half": _half, "_Ramp": _Ramp}):
        again = keras.layers.Dense.from_config(config)
    again.build((None, 3))
    np.testing.assert_array_equal(again.get_weights()[0], np.full((3, 2), 0.5))
    np.testing.assert_array_equal(again.get_weights()[1], [0.0, 0.5])


def test_a_python_initializer_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match=r"returned values of shape \(2,\) for a weight of shape \(3, 2\)"):
        keras.layers.Dense(2, kernel_initializer=lambda shape, dtype=None: np.zeros(2)).build((None, 3))


def test_an_initializer_called_directly_gives_the_dtype_asked_and_takes_an_int_shape():
    initializer = keras.initializers.GlorotUniform(seed=1)
    values = initializer((2, 2))
    assert values.dtype == np.float32
    for dtype in ("float64", np.float16, "int32"):
        assert initializer((2, 2), dtype=dtype).dtype == np.dtype(dtype)
    np.testing.assert_array_equal(initializer((2, 2), dtype="float64"), values.astype("float64"))
    assert keras.initializers.Zeros()(3).shape == (3,)


def test_a_class_given_for_an_initializer_regularizer_or_constraint_is_instantiated():
    """Keras makes an instance of a class given where an instance goes."""
    dense = keras.layers.Dense(3, kernel_initializer=keras.initializers.Ones, kernel_regularizer=keras.regularizers.L2,
                               kernel_constraint=keras.constraints.NonNeg)
    dense.build((None, 2))
    np.testing.assert_array_equal(dense.get_weights()[0], np.ones((2, 3)))
    assert dense.kernel_regularizer.get_config() == {"l2": 0.01}
    assert type(dense.kernel_constraint).__name__ == "NonNeg"
    with pytest.raises(ValueError, match="Could not interpret initializer identifier"):
        keras.initializers.get(keras.layers.Dense)
    assert keras.regularizers.L1(None).get_config() == {"l1": 0.01}  # (None: the default, as in Keras)
    assert keras.regularizers.L1L2(None, 0.1).get_config() == {"l1": 0.0, "l2": 0.1}


def test_an_initializer_subclass_need_not_call_the_base_constructor():
    """Keras's guide writes one without super().__init__(): densekit raised AttributeError."""
    class ExampleRandomNormal(keras.initializers.Initializer):
        def __init__(self, mean, stddev):
            self.mean, self.stddev = mean, stddev

        def __call__(self, shape, dtype=None):
            return np.full(shape, self.mean + self.stddev, dtype="float32")

    layer = keras.layers.Dense(2, kernel_initializer=ExampleRandomNormal(1.0, 0.5))
    keras.Sequential([keras.Input((3,)), layer])
    np.testing.assert_array_equal(layer.get_weights()[0], np.full((3, 2), 1.5))


def test_initializers_keep_their_arguments_as_attributes():
    """keras/src/initializers/random_initializers_test.py reads them (the Glorot, He and Lecun
    classes are variance scalings in Keras, with its scale, mode and distribution)."""
    normal = keras.initializers.RandomNormal(mean=1.0, stddev=2.0)
    assert (normal.mean, normal.stddev) == (1.0, 2.0)
    uniform = keras.initializers.RandomUniform(minval=-1.0, maxval=3.0)
    assert (uniform.minval, uniform.maxval) == (-1.0, 3.0)
    scaling = keras.initializers.VarianceScaling(scale=3.0, mode="fan_out", distribution="uniform")
    assert (scaling.scale, scaling.mode, scaling.distribution) == (3.0, "fan_out", "uniform")
    assert (keras.initializers.GlorotUniform().mode, keras.initializers.HeNormal().scale,
            keras.initializers.LecunNormal().distribution) == ("fan_avg", 2.0, "truncated_normal")
    assert keras.initializers.Orthogonal(gain=2.0).gain == 2.0 and keras.initializers.Constant(3.0).value == 3.0
    with pytest.raises(AttributeError):
        keras.initializers.Zeros().mean
