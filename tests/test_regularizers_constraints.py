"""Activity regularizers and weight constraints (keras/src/regularizers/regularizers.py,
keras/src/constraints/constraints.py): penalties count in the reported loss (compute_loss in
keras/src/trainers/trainer.py) and constraints apply right after each optimizer update
(keras/src/optimizers/base_optimizer.py)."""

import numpy as np
import pytest

import densekit as keras
from densekit import constraints, layers
from densekit._core._testing import compute_gradients
from gradient_helpers import numeric_gradient

EPS = 1e-7


# --------------------------------------------------------------------------------------------
# constraints as functions
# --------------------------------------------------------------------------------------------

def ref_norms(w, axis):
    return np.sqrt(np.sum(np.square(w.astype(np.float64)), axis=axis, keepdims=True))


def ref_max_norm(w, max_value, axis):
    n = ref_norms(w, axis)
    return w * (np.clip(n, 0, max_value) / (EPS + n))


def ref_min_max_norm(w, lo, hi, rate, axis):
    n = ref_norms(w, axis)
    return w * ((rate * np.clip(n, lo, hi) + (1 - rate) * n) / (EPS + n))


W = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32) * np.array([0.2, 1.0, 3.0], np.float32)
W3 = np.random.default_rng(1).normal(size=(2, 3, 4)).astype(np.float32)


@pytest.mark.parametrize("axis", [0, 1, -1, [0, 1]])
def test_max_norm_unit_norm_min_max_norm_values(axis):
    ax = tuple(axis) if isinstance(axis, list) else axis
    np.testing.assert_allclose(constraints.MaxNorm(1.5, axis=axis)(W), ref_max_norm(W, 1.5, ax), rtol=1e-6)
    np.testing.assert_allclose(constraints.UnitNorm(axis=axis)(W), W / (EPS + ref_norms(W, ax)), rtol=1e-6)
    np.testing.assert_allclose(constraints.MinMaxNorm(0.5, 2.0, rate=0.7, axis=axis)(W),
                               ref_min_max_norm(W, 0.5, 2.0, 0.7, ax), rtol=1e-6)


def test_constraints_on_rank_three_and_vectors_and_defaults():
    np.testing.assert_allclose(constraints.MaxNorm(1.0, axis=[0, 2])(W3), ref_max_norm(W3, 1.0, (0, 2)), rtol=1e-6)
    np.testing.assert_allclose(constraints.UnitNorm(axis=1)(W3), W3 / (EPS + ref_norms(W3, 1)), rtol=1e-6)
    v = np.array([3.0, 4.0], np.float32)
    np.testing.assert_allclose(constraints.MaxNorm()(v), v * 2 / (5 + EPS), rtol=1e-6)  # max_value=2, axis=0
    np.testing.assert_allclose(constraints.MinMaxNorm()(v), v / (5 + EPS), rtol=1e-6)  # into [0, 1]
    np.testing.assert_array_equal(constraints.NonNeg()(np.array([-1.0, 0.0, 2.5], np.float32)), [0.0, 0.0, 2.5])
    assert constraints.MaxNorm().get_config() == {"max_value": 2, "axis": 0}
    assert constraints.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}
    assert constraints.UnitNorm().get_config() == {"axis": 0}
    assert constraints.NonNeg().get_config() == {}
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert isinstance(constraints.get("NonNeg"), constraints.NonNeg)
    assert keras.constraints.unit_norm is keras.constraints.UnitNorm
    with pytest.raises(ValueError, match="Could not interpret constraint identifier: 'clip'"):
        constraints.get("clip")
    with pytest.raises(ValueError, match="axis 2 is out of bounds for a weight of rank 2"):
        constraints.MaxNorm(axis=2)(W)
    with pytest.raises(ValueError, match="Argument `axis` must be an integer"):
        constraints.UnitNorm(axis=0.5)


# --------------------------------------------------------------------------------------------
# constraints during training
# --------------------------------------------------------------------------------------------

def model_with(learning_rate=0.5, **dense_kwargs):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, **dense_kwargs), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="mse")
    return model


def xy(n=16, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 4)).astype("float32"), rng.normal(size=(n, 1)).astype("float32") * 5


@pytest.mark.parametrize("kind", ["max_norm", "non_neg", "unit_norm", "min_max_norm"])
def test_constraint_is_applied_after_every_update(kind):
    make = {"max_norm": lambda: constraints.MaxNorm(0.3), "non_neg": constraints.NonNeg,
            "unit_norm": constraints.UnitNorm, "min_max_norm": lambda: constraints.MinMaxNorm(0.2, 0.4, rate=0.5)}[kind]
    x, y = xy()
    model = model_with(kernel_constraint=make(), bias_constraint=make(), bias_initializer="ones")
    free = model_with(bias_initializer="ones")
    free.set_weights(model.get_weights())
    for step in range(3):  # one step at a time: constrained = constraint(free update from the same start)
        free.set_weights(model.get_weights())
        model.train_on_batch(x, y)
        free.train_on_batch(x, y)
        kernel, bias = free.get_weights()[:2]
        np.testing.assert_allclose(model.get_weights()[0], make()(kernel), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(model.get_weights()[1], make()(bias), rtol=1e-5, atol=1e-7)
        np.testing.assert_array_equal(model.get_weights()[2], free.get_weights()[2])  # unconstrained layer
    kernel = model.get_weights()[0]
    norms = np.linalg.norm(kernel, axis=0)
    if kind == "max_norm":
        assert np.all(norms <= 0.3 + 1e-6)
    elif kind == "non_neg":
        assert np.all(kernel >= 0)
    elif kind == "unit_norm":
        np.testing.assert_allclose(norms, 1.0, rtol=1e-5)


def test_constraint_holds_through_fit_and_skips_frozen_layers():
    x, y = xy(64)
    model = model_with(learning_rate=0.01, kernel_constraint=constraints.MaxNorm(0.25))
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert np.all(np.linalg.norm(model.get_weights()[0], axis=0) <= 0.25 + 1e-6)
    frozen = model_with(kernel_constraint=constraints.MaxNorm(0.01))
    frozen.layers[0].trainable = False
    frozen.compile(optimizer="sgd", loss="mse")
    before = frozen.get_weights()[0]
    frozen.fit(x, y, verbose=0)
    np.testing.assert_array_equal(frozen.get_weights()[0], before)  # Keras constrains trainable variables only


def test_bad_constraint_axis_is_a_clear_error_at_build():
    with pytest.raises(ValueError, match="MaxNorm constraint on 'dense.*/bias': axis 1 is out of bounds"):
        keras.Sequential([keras.Input((4,)), layers.Dense(3, bias_constraint=constraints.MaxNorm(axis=1))])


# --------------------------------------------------------------------------------------------
# activity regularizers
# --------------------------------------------------------------------------------------------

def ref_forward(x, params):
    k1, b1, k2, b2 = params
    h = np.tanh(x @ k1 + b1)
    return h, h @ k2 + b2


@pytest.mark.parametrize("reg,l1,l2", [(keras.regularizers.L2(0.1), 0.0, 0.1), (keras.regularizers.L1(0.05), 0.05, 0.0),
                                       ("l1_l2", 0.0, 0.0), (keras.regularizers.L1L2(0.02, 0.03), 0.02, 0.03)])
def test_activity_regularizer_penalty_is_divided_by_batch_size_and_differentiated(reg, l1, l2):
    rng = np.random.default_rng(5)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="tanh", activity_regularizer=reg),
                              layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    params = [w.astype(np.float64) for w in model.get_weights()]
    x = rng.normal(size=(6, 3)).astype(np.float32)
    y = rng.normal(size=(6, 2)).astype(np.float32)
    x64, y64 = x.astype(np.float64), y.astype(np.float64)

    def total(ps):
        h, out = ref_forward(x64, ps)
        penalty = (l1 * np.abs(h).sum() + l2 * (h ** 2).sum()) / len(x64)
        return np.mean((out - y64) ** 2) + penalty

    assert model.evaluate(x, y, batch_size=6, verbose=0) == pytest.approx(total(params), rel=1e-5)
    analytic = compute_gradients(model._core, [x], [y])
    np.testing.assert_allclose(analytic, numeric_gradient(total, params), rtol=1e-3, atol=1e-5)


def test_activity_penalty_per_batch_and_in_history():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(10, 3)).astype(np.float32)
    y = rng.normal(size=(10, 2)).astype(np.float32)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, activity_regularizer=keras.regularizers.L2(0.5))])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    k, b = [w.astype(np.float64) for w in model.get_weights()]
    out = x.astype(np.float64) @ k + b
    mse = np.mean((out - y) ** 2, axis=1)
    # batches of 4, 4, 2: each batch's penalty is divided by its own size, and the epoch loss
    # is the batch-size-weighted mean of the batch losses
    batches = [slice(0, 4), slice(4, 8), slice(8, 10)]
    per_batch = [mse[s].mean() + 0.5 * (out[s] ** 2).sum() / len(out[s]) for s in batches]
    expected = sum(v * len(out[s]) for v, s in zip(per_batch, batches)) / 10
    history = model.fit(x, y, batch_size=4, shuffle=False, verbose=0)
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-5)
    assert model.evaluate(x, y, batch_size=4, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_activity_regularizer_on_a_fused_sigmoid_output():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(5, 3)).astype(np.float32)
    y = (rng.random(size=(5, 1)) > 0.5).astype(np.float32)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1, activation="sigmoid",
                                                              activity_regularizer=keras.regularizers.L2(0.3))])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    params = [w.astype(np.float64) for w in model.get_weights()]

    def total(ps):
        p = 1 / (1 + np.exp(-(x.astype(np.float64) @ ps[0] + ps[1])))
        bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
        return bce + 0.3 * (p ** 2).sum() / len(p)

    np.testing.assert_allclose(compute_gradients(model._core, [x], [y]), numeric_gradient(total, params),
                               rtol=1e-3, atol=1e-5)


def test_activity_regularizer_on_any_layer_and_in_configs(tmp_path):
    dense = layers.Dense(3, activity_regularizer="l2", kernel_constraint="max_norm",
                         bias_constraint=constraints.MinMaxNorm(0.1, 0.9, axis=0))
    assert isinstance(dense.activity_regularizer, keras.regularizers.L2)
    config = dense.get_config()
    assert config["activity_regularizer"] == {"module": "keras.regularizers", "class_name": "L2",
                                              "config": {"l2": 0.01}, "registered_name": None}
    assert config["kernel_constraint"] == {"module": "keras.constraints", "class_name": "MaxNorm",
                                           "config": {"max_value": 2, "axis": 0}, "registered_name": None}
    assert config["bias_constraint"]["config"] == {"min_value": 0.1, "max_value": 0.9, "rate": 1.0, "axis": 0}
    assert "activity_regularizer" not in layers.Dense(2).get_config()
    again = layers.Dense.from_config(config)
    assert isinstance(again.kernel_constraint, constraints.MaxNorm) and again.activity_regularizer.l2 == 0.01
    act = layers.Activation("relu", activity_regularizer=keras.regularizers.L1(0.5))
    model = keras.Sequential([keras.Input((2,)), dense, act])
    model.compile(optimizer="sgd", loss="mse")
    x = np.array([[1.0, -2.0]], np.float32)
    y = np.zeros((1, 3), np.float32)
    out = model.predict(x, verbose=0)
    h = x @ model.get_weights()[0] + model.get_weights()[1]
    expected = np.mean(out ** 2) + 0.01 * (h ** 2).sum() + 0.5 * np.abs(out).sum()
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)
    path = tmp_path / "m.dk"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)
    assert isinstance(loaded.layers[0].kernel_constraint, constraints.MaxNorm)
    assert loaded.layers[1].activity_regularizer.l1 == 0.5


class _SquaredSum(keras.regularizers.Regularizer):
    """A Regularizer subclass of the user's, as the Keras docs write one."""

    def __init__(self, strength):
        self.strength = strength

    def __call__(self, x):
        return self.strength * keras.ops.sum(keras.ops.square(x))

    def get_config(self):
        return {"strength": self.strength}


@pytest.mark.parametrize("python_regularizer", [lambda t: 0.01 * keras.ops.sum(keras.ops.square(t)),
                                                _SquaredSum(0.01)], ids=["function", "subclass"])
def test_a_python_activity_regularizer_is_traced_and_matches_the_built_in(python_regularizer):
    """fn(output) / batch_size, as Keras adds it: the same loss and the same training step as
    the built-in L2 activity regularizer."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 4)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")
    results = []
    for regularizer in (keras.regularizers.L2(0.01), python_regularizer):
        keras.utils.set_random_seed(1)
        inputs = keras.Input((4,))
        hidden = layers.Dense(3, activation="tanh", activity_regularizer=regularizer)(inputs)
        model = keras.Model(inputs, layers.Dense(1)(hidden))
        model.compile(keras.optimizers.SGD(0.1), "mse")
        before = model.evaluate(x, y, batch_size=16, verbose=0)
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        results.append((before, model.get_weights()))
    assert results[1][0] == pytest.approx(results[0][0], rel=1e-6)
    for built_in, traced in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(traced, built_in, rtol=1e-5, atol=1e-7)


def test_a_python_activity_regularizer_is_serialized_and_what_it_cannot_divide_is_refused():
    dense = layers.Dense(3, activity_regularizer=_SquaredSum(0.5))
    assert dense.get_config()["activity_regularizer"]["class_name"] == "_SquaredSum"
    with keras.saving.custom_object_scope({"_SquaredSum": _SquaredSum}):
        again = layers.Dense.from_config(dense.get_config())
    assert isinstance(again.activity_regularizer, _SquaredSum) and again.activity_regularizer.strength == 0.5
    mean_penalty = layers.Dense(3, activity_regularizer=lambda t: keras.ops.mean(t))
    with pytest.raises(NotImplementedError, match="a mean over the batch"):
        mean_penalty(keras.Input((4,)))


def test_keras_identifiers_and_argument_errors_of_regularizers_and_constraints():
    """keras/src/regularizers/regularizers_test.py and constraints_test.py: get("l1l2"), the
    invalid-factor message, and the base Constraint, which returns its input."""
    assert isinstance(keras.regularizers.get("l1l2"), keras.regularizers.L1L2)
    assert keras.regularizers.L1(True).l1 == 1.0  # (Keras's validate_float_arg takes it)
    for bad in ("not_a_number", [0.1], -1.0, float("nan")):
        with pytest.raises(ValueError, match="Invalid value for argument l1: expected a non-negative float"):
            keras.regularizers.L1(bad)
    weights = np.array([1.0, -2.0, 3.0])
    assert keras.constraints.Constraint()(weights) is weights
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_constraint=keras.constraints.Constraint())])
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)  # (it had raised AttributeError)


def test_a_constraint_written_in_python_is_refused_with_the_reason():
    class CenterAround(keras.constraints.Constraint):  # Keras's documented example
        def __call__(self, w):
            return w - keras.ops.mean(w)

    for constraint in (CenterAround(), lambda w: w):
        with pytest.raises(NotImplementedError, match="is Python code: densekit applies constraints in C\\+\\+"):
            keras.layers.Dense(1, kernel_constraint=constraint)
