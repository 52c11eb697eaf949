"""The activations Keras 3 added beside the classic ones (keras/src/activations/activations.py):
float32 values against Keras 3.15.1's (tests/data/keras/activation_values.json), sparsemax and
glu against independent float64 references and finite differences, glu's halved axis in layers,
names, files and bad input. Forward and gradient checks of the element-wise ones on a grid are
in test_activations.py."""

import json
import os

import numpy as np
import pytest

import densekit as keras
from keras_live import run_keras
from densekit import activations
from densekit._core._testing import activation_backward_f64 as backward_f64
from densekit._core._testing import activation_forward_f64 as forward_f64
from gradient_helpers import row_vjp_by_finite_differences
from file_helpers import requires_h5py

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "keras", "activation_values.json")) as f:
    KERAS = json.load(f)


def _call(expression, x):
    """keras.activations.<expression> on x, with the arguments the fixture names."""
    name, _, args = expression.partition("(")
    fn = getattr(activations, name)
    return eval(f"fn(x{', ' + args[:-1] if args else ''})", {"fn": fn, "x": x})  # noqa: S307 - fixture's own keys


@pytest.mark.parametrize("expression", sorted(KERAS["elementwise"]))
def test_elementwise_values_match_keras(expression):
    x = np.array(KERAS["x"], dtype=np.float32)
    expected = np.array(KERAS["elementwise"][expression], dtype=np.float32)
    out = _call(expression, x)
    assert out.dtype == np.float32 and out.shape == x.shape
    # Bit for bit but for the last bits of exp/tanh (tanh_shrink cancels: x − tanh(x)).
    np.testing.assert_allclose(out, expected, rtol=2e-6, atol=2e-8)


def test_glu_matches_keras_and_reference():
    x = np.array(KERAS["glu"]["x"], dtype=np.float32)
    out = activations.glu(x)
    assert out.shape == (2, 2)
    np.testing.assert_allclose(out, np.array(KERAS["glu"]["y"], dtype=np.float32), rtol=2e-7, atol=0)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(out, x64[:, :2] / (1 + np.exp(-x64[:, 2:])), rtol=2e-7)


def _sparsemax_by_bisection(z):
    """The projection onto the simplex found another way: τ with Σ max(z − τ, 0) = 1, by bisection."""
    out = np.empty_like(z)
    for r, row in enumerate(z):
        lo, hi = row.max() - 1.0, row.max()
        for _ in range(200):
            tau = (lo + hi) / 2
            lo, hi = (tau, hi) if np.maximum(row - tau, 0).sum() > 1 else (lo, tau)
        out[r] = np.maximum(row - (lo + hi) / 2, 0)
    return out


def test_sparsemax_is_the_projection_onto_the_simplex():
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(size=(20, 7)) * 2, [[0.1, 0.2, 0.3, 0.4, 0.0, -1.0, 5.0]], np.zeros((1, 7))])
    out32 = activations.sparsemax(z.astype(np.float32))
    out64 = forward_f64(activations.activation_spec("sparsemax"), z)
    expected = _sparsemax_by_bisection(z)
    np.testing.assert_allclose(out64, expected, atol=1e-12)
    np.testing.assert_allclose(out32, expected, atol=2e-6)
    np.testing.assert_allclose(out32.sum(axis=1), 1.0, rtol=1e-6)
    assert (out32 >= 0).all() and (out32 == 0).any()  # sparse: some values exactly 0


def test_sparsemax_agrees_with_keras_where_one_value_is_kept():
    # Keras's tau adds up the running sums over the whole support, not the sum of the kept
    # values; the two agree only when the support is one value (the rows of Keras's own tests).
    # Where more are kept Keras's rows do not sum to 1 (docs/ops.md).
    x = np.array(KERAS["sparsemax"]["x"], dtype=np.float32)
    keras_rows = np.array(KERAS["sparsemax"]["y"], dtype=np.float32)
    out = activations.sparsemax(x)
    np.testing.assert_array_equal(out[:2], keras_rows[:2])
    np.testing.assert_allclose(out[2:], [[0.1, 0.2, 0.3, 0.4], [0.4, 0.0, 0.0, 0.6]], atol=1e-6)
    assert keras_rows[2:].sum() == 0.0


@pytest.mark.parametrize("name", ["sparsemax", "glu"])
def test_row_wise_gradients_match_finite_differences(name):
    spec = activations.activation_spec(name)
    rng = np.random.default_rng(5)
    z = rng.normal(size=(6, 6)) * 1.5
    a = forward_f64(spec, z)
    da = rng.normal(size=a.shape)
    dz = backward_f64(spec, z, a, da)
    assert dz.shape == z.shape
    fd = row_vjp_by_finite_differences(lambda v: forward_f64(spec, v), z, da)
    np.testing.assert_allclose(dz, fd, rtol=1e-6, atol=1e-8)


def test_glu_halves_the_axis_in_dense_and_activation_layers(gradcheck):
    keras.utils.set_random_seed(3)
    inputs = keras.Input((5,))
    hidden = keras.layers.Dense(8, activation="glu", name="gated")(inputs)
    assert hidden.shape == (None, 4)
    halved = keras.layers.Activation("glu", name="halve")(hidden)
    assert halved.shape == (None, 2)
    outputs = keras.layers.Dense(3, activation="sparsemax", name="out")(halved)
    model = keras.Model(inputs, outputs)
    model.compile(loss="mse")
    assert model.get_layer("out").kernel.shape == (2, 3)
    assert keras.layers.Dense(8, activation="glu").compute_output_shape((None, 5)) == (None, 4)

    def sigmoid(v):
        return 1 / (1 + np.exp(-v))

    def forward(w, xs):
        z = xs[0] @ w["gated"][0] + w["gated"][1]
        h = z[:, :4] * sigmoid(z[:, 4:])
        h = h[:, :2] * sigmoid(h[:, 2:])
        return [_sparsemax_by_bisection(h @ w["out"][0] + w["out"][1])]

    rng = np.random.default_rng(4)
    x = rng.normal(size=(6, 5))
    y = np.eye(3)[rng.integers(0, 3, 6)]
    predicted, _ = gradcheck(model, [x], [y], forward)
    np.testing.assert_allclose(predicted[0].sum(axis=1), 1.0, rtol=1e-6)


@requires_h5py
@pytest.mark.parametrize("name", ["celu", "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink", "log_sigmoid",
                                  "sparse_plus", "sparse_sigmoid", "squareplus", "sparsemax", "glu"])
def test_names_resolve_serialize_and_survive_a_file(name, tmp_path):
    fn = getattr(activations, name)
    assert fn.__name__ == name
    assert activations.serialize(fn) == name and activations.serialize(name) == name
    assert activations.deserialize(name) is fn and activations.activation_spec(name).name == name
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6, activation=name), keras.layers.Dense(2)])
    assert model.layers[0].activation is fn and model.layers[0].get_config()["activation"] == name
    x = np.random.default_rng(2).normal(size=(5, 4)).astype(np.float32)
    path = str(tmp_path / "m.keras")
    model.save(path)
    again = keras.saving.load_model(path)
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


@requires_h5py
def test_threshold_at_zero_and_zero_is_saved_with_its_arguments(tmp_path):
    # Its name alone cannot make the activation (threshold has no defaults), so it is never saved so.
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.activations.threshold(inputs, 0.0, 0.0))
    assert model.layers[-1].get_config()["activation"]["config"]["threshold"] == 0.0
    path = str(tmp_path / "m.keras")
    model.save(path)
    x = np.array([[-1.0, 0.0, 2.0]], dtype=np.float32)
    np.testing.assert_array_equal(keras.saving.load_model(path).predict(x, verbose=0), [[0.0, 0.0, 2.0]])


@requires_h5py
def test_parameters_of_an_activation_layer_survive_a_file(tmp_path):
    inputs = keras.Input((4,))
    outputs = keras.activations.threshold(keras.activations.celu(inputs, alpha=2.0), 0.3, -2.0)
    model = keras.Model(inputs, keras.activations.squareplus(outputs, b=1.0))
    x = np.array([[-3.0, -0.5, 0.3, 2.0]], dtype=np.float32)
    expected = activations.squareplus(activations.threshold(activations.celu(x, alpha=2.0), 0.3, -2.0), b=1.0)
    np.testing.assert_array_equal(model.predict(x, verbose=0), expected)
    path = str(tmp_path / "m.keras")
    model.save(path)
    np.testing.assert_array_equal(keras.saving.load_model(path).predict(x, verbose=0), expected)


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="divisible by 2"):
        activations.glu(np.ones((2, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="divisible by 2"):
        keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="glu")])
    with pytest.raises(ValueError, match="divisible by 2"):
        keras.Sequential([keras.Input((3,)), keras.layers.Activation("glu")])
    with pytest.raises(ValueError, match="needs one axis"):
        activations.sparsemax(np.ones((2, 3), dtype=np.float32), axis=None)
    with pytest.raises(ValueError, match="divisible by 2"):  # one value a sample: nothing to halve
        activations.glu(keras.ops.sum(keras.Input((4,)), axis=-1))
    with pytest.raises(TypeError, match="threshold"):
        keras.layers.Dense(3, activation="threshold")
    with pytest.raises(TypeError, match="threshold"):
        keras.layers.Dense(3, activation=activations.threshold)
    # Rows with NaN or inf give NaN or inf, not a crash; empty rows give empty results.
    out = activations.sparsemax(np.array([[np.nan, 1.0, 2.0], [np.inf, 0.0, 1.0]], dtype=np.float32))
    assert out.shape == (2, 3) and np.isnan(out[0]).all()
    assert activations.sparsemax(np.zeros((0, 4), dtype=np.float32)).shape == (0, 4)
    assert activations.glu(np.zeros((0, 4), dtype=np.float32)).shape == (0, 2)


KERAS_PREDICTS = """
import json, sys
import numpy as np, keras
out = {}
for path in sys.argv[1:]:
    data = np.load(path + ".npz")
    out[path] = float(np.abs(keras.saving.load_model(path).predict(data["x"], verbose=0) - data["y"]).max())
print(json.dumps(out))
"""


@requires_h5py
def test_keras_runs_densekits_files_with_these_activations(tmp_path):
    x = np.random.default_rng(6).normal(size=(16, 4)).astype(np.float32) * 2
    paths = []
    # Element-wise ones only: Keras's own Dense and Activation layers report the unhalved shape
    # for glu, and its sparsemax differs where several values are kept (above).
    for name in ["celu", "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink", "log_sigmoid", "sparse_plus",
                 "sparse_sigmoid", "squareplus"]:
        keras.utils.set_random_seed(2)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6, activation=name, bias_initializer="random_normal"),
                                  keras.layers.Activation(name), keras.layers.Dense(2)])
        path = str(tmp_path / f"{name}.keras")
        model.save(path)
        np.savez(path + ".npz", x=x, y=model.predict(x, verbose=0))
        paths.append(path)
    diffs = run_keras(KERAS_PREDICTS, *paths)
    assert all(d <= 1e-5 for d in diffs.values()), diffs


def test_activations_get_returns_the_function_as_keras_does():
    # keras/src/activations/__init__.py: a name or saved dict gives the function, None gives linear.
    assert activations.get("relu") is activations.relu and activations.get(None) is activations.linear
    assert activations.get("swish") is activations.silu and activations.get("threshold") is activations.threshold
    assert activations.get(activations.tanh) is activations.tanh
    saved = {"module": "keras.activations", "class_name": "function", "config": "elu", "registered_name": None}
    assert activations.get(saved) is activations.elu
    np.testing.assert_array_equal(activations.get("relu")(np.array([-1.0, 2.0], np.float32)), [0.0, 2.0])
    for bad in ("nope", 5, activations.Activation if hasattr(activations, "Activation") else int):
        with pytest.raises(ValueError, match="Could not interpret activation function identifier"):
            activations.get(bad)


def _hidden_bias_after_one_step(activation, bias, target):
    # pre-activations sit exactly on the kink: zero kernel, the bias at the kink
    inputs = keras.Input((3,))
    hidden = activation(keras.layers.Dense(3, kernel_initializer="zeros",
                                           bias_initializer=keras.initializers.Constant(bias))(inputs))
    model = keras.Model(inputs, keras.layers.Dense(1, kernel_initializer="ones")(hidden))
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    model.train_on_batch(np.ones((2, 3), np.float32), np.full((2, 1), target, np.float32))
    return model.get_weights()[1]


@pytest.mark.parametrize("activation, bias, target, expected", [
    (lambda: keras.layers.LeakyReLU(0.2), 0.0, 1.0, 0.004),          # tf.nn.leaky_relu: slope 0.2 at 0
    (lambda: keras.layers.Activation("leaky_relu"), 0.0, 1.0, 0.004),
    (lambda: keras.layers.ReLU(negative_slope=0.2), 0.0, 1.0, 0.004),
    (lambda: keras.layers.ReLU(max_value=1.0), 1.0, 0.0, 0.94),       # a clip: the slope passes at the cap
    (lambda: keras.layers.ReLU(max_value=6.0), 6.0, 0.0, 6.0),        # tf.nn.relu6: none at 6
])
def test_slopes_at_the_kinks_are_tensorflows(activation, bias, target, expected):
    # Keras 3.15.1 on TensorFlow's figures for the same step
    np.testing.assert_allclose(_hidden_bias_after_one_step(activation(), bias, target), [expected] * 3, rtol=1e-5)


def test_threshold_serializes_to_its_name_and_optimizers_get_none_is_none():
    """keras/src/activations/activations_test.py and optimizer_test.py's get method."""
    assert keras.activations.serialize(keras.activations.threshold) == "threshold"
    assert keras.optimizers.get(None) is None
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="compile\\(\\) needs an optimizer; received optimizer=None"):
        model.compile(optimizer=None, loss="mse")
