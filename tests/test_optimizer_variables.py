"""optimizer.variables: Keras's list (names and order as Keras 3.15 on TF gives them, measured
side by side) and live values, checked against a float64 reference of Adam's first step."""

import numpy as np
import pytest

import densekit as keras


def _model(name="seq"):
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d"), keras.layers.Dense(1, name="e")],
                            name=name)


def _fit_once(optimizer, model=None):
    model = model or _model()
    model.compile(optimizer, "mse")
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(4, 1)).astype("float32"),
              batch_size=4, epochs=1, shuffle=False, verbose=0)
    return model


def _slot_paths(optimizer, *slots_per_group):
    """Keras's paths: each group's slots interleaved per weight, the groups one after another."""
    out = []
    for group in slots_per_group:
        out += [f"{optimizer}/seq_{w}_{s}" for w in ("d_kernel", "d_bias", "e_kernel", "e_bias") for s in group]
    return out


KERAS_PATHS = {
    "Adam": ["adam/iteration", "adam/learning_rate", *_slot_paths("adam", ("momentum", "velocity"))],
    "Nadam": ["nadam/iteration", "nadam/learning_rate", *_slot_paths("nadam", ("momentum", "velocity")),
              "nadam/variable"],
    "RMSprop": ["rm_sprop/iteration", "rm_sprop/learning_rate",
                *_slot_paths("rm_sprop", ("velocity",), ("momentum",), ("average_gradient",))],
    "Adadelta": ["adadelta/iteration", "adadelta/learning_rate",
                 *_slot_paths("adadelta", ("accumulated_grad", "accumulated_delta_var"))],
    "Adagrad": ["adagrad/iteration", "adagrad/learning_rate", *_slot_paths("adagrad", ("accumulator",))],
    "Adamax": ["adamax/iteration", "adamax/learning_rate", *_slot_paths("adamax", ("momentum", "norm"))],
    "SGD": ["sgd/iteration", "sgd/learning_rate", *_slot_paths("sgd", ("momentum",))],
    "Ftrl": ["ftrl/iteration", "ftrl/learning_rate", *_slot_paths("ftrl", ("accumulator", "linear"))],
    "Lion": ["lion/iteration", "lion/learning_rate", *_slot_paths("lion", ("momentum",))],
    "Lamb": ["lamb/iteration", "lamb/learning_rate", *_slot_paths("lamb", ("momentum", "velocity"))],
}


@pytest.mark.parametrize("kind,make", [
    ("Adam", lambda: keras.optimizers.Adam()),
    ("Nadam", lambda: keras.optimizers.Nadam()),
    ("RMSprop", lambda: keras.optimizers.RMSprop(momentum=0.5, centered=True)),
    ("Adadelta", lambda: keras.optimizers.Adadelta()),
    ("Adagrad", lambda: keras.optimizers.Adagrad()),
    ("Adamax", lambda: keras.optimizers.Adamax()),
    ("SGD", lambda: keras.optimizers.SGD(momentum=0.9)),
    ("Ftrl", lambda: keras.optimizers.Ftrl()),
    ("Lion", lambda: keras.optimizers.Lion()),
    ("Lamb", lambda: keras.optimizers.Lamb()),
])
def test_names_and_order_are_keras(kind, make):
    keras.backend.clear_session()
    optimizer = make()
    assert [v.path for v in optimizer.variables] == KERAS_PATHS[kind][:2]  # before the first step
    _fit_once(optimizer)
    variables = optimizer.variables
    assert [v.path for v in variables] == KERAS_PATHS[kind]
    assert sum(int(np.prod(v.shape)) for v in variables) == optimizer.count_params()
    assert variables[0].dtype == "int64" and int(variables[0].numpy()) == 1
    assert all(v.dtype == "float32" for v in variables[1:])


def test_base_groups_come_first_and_a_schedule_is_no_variable():
    keras.backend.clear_session()
    schedule = keras.optimizers.schedules.ExponentialDecay(0.01, 10, 0.9)
    optimizer = keras.optimizers.Adam(learning_rate=schedule, use_ema=True, gradient_accumulation_steps=2, amsgrad=True)
    _fit_once(optimizer)
    assert [v.path for v in optimizer.variables] == [
        "adam/iteration", *_slot_paths("adam", ("average",), ("gradient_accumulator",), ("momentum", "velocity"),
                                       ("velocity_hat",))]


def test_plain_sgd_has_only_its_counters():
    keras.backend.clear_session()
    optimizer = keras.optimizers.SGD()
    _fit_once(optimizer)
    assert [v.path for v in optimizer.variables] == ["sgd/iteration", "sgd/learning_rate"]


def test_values_follow_adam_first_step_in_float64():
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="seq")
    model.compile(keras.optimizers.Adam(learning_rate=0.01), "mse")
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    kernel, bias = (np.asarray(w, dtype=np.float64) for w in model.get_weights())
    model.fit(x.astype("float32"), y.astype("float32"), batch_size=5, epochs=1, shuffle=False, verbose=0)
    error = x @ kernel + bias - y
    grads = {"kernel": 2 * x.T @ error / error.size, "bias": 2 * error.sum(axis=0) / error.size}
    by_path = {v.path: v for v in model.optimizer.variables}
    for weight, g in grads.items():
        momentum = by_path[f"adam/seq_d_{weight}_momentum"]
        velocity = by_path[f"adam/seq_d_{weight}_velocity"]
        assert momentum.shape == g.shape
        np.testing.assert_allclose(momentum.numpy(), 0.1 * g, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(np.asarray(velocity), 0.001 * g * g, rtol=1e-5, atol=1e-9)
    assert repr(by_path["adam/seq_d_bias_momentum"]).startswith(
        "<Variable path=adam/seq_d_bias_momentum, shape=(2,), dtype=float32, value=[")


def test_assign_changes_the_next_step():
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="seq")
    model.compile(keras.optimizers.SGD(learning_rate=0.1, momentum=0.5), "mse")
    x, y = np.ones((2, 3), "float32"), np.zeros((2, 2), "float32")
    model.fit(x, y, epochs=1, verbose=0)
    momentum = {v.path: v for v in model.optimizer.variables}["sgd/seq_d_bias_momentum"]
    momentum.assign([1.0, -2.0])
    np.testing.assert_array_equal(momentum.numpy(), np.float32([1.0, -2.0]))
    before = np.asarray(model.layers[0].bias, dtype=np.float64)
    grad = 2 * (np.ones((2, 3)) @ np.asarray(model.layers[0].kernel, np.float64) + before).sum(axis=0) / 4
    model.fit(x, y, epochs=1, verbose=0)
    # Keras's SGD: m = momentum * m - lr * g; w += m
    expected = before + (0.5 * np.float64([1.0, -2.0]) - 0.1 * grad)
    np.testing.assert_allclose(np.asarray(model.layers[0].bias), expected, rtol=1e-5)
    with pytest.raises(ValueError, match=r"shape \(2,\); the value assigned has shape \(3,\)"):
        momentum.assign([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="must hold real numbers"):
        momentum.assign(["a", "b"])


def test_an_optimizer_shared_by_two_models_lists_the_slots_of_the_one_it_was_built_for():
    keras.backend.clear_session()
    optimizer = keras.optimizers.Adam()
    first = _fit_once(optimizer, _model("seq"))
    second = _model("other")
    second.compile(optimizer, "mse")  # compiling is allowed; training would be refused
    paths = [v.path for v in optimizer.variables]
    assert paths == KERAS_PATHS["Adam"]
    del first
    import gc
    gc.collect()
    assert [v.path for v in optimizer.variables] == KERAS_PATHS["Adam"][:2]


def test_a_loaded_model_keeps_its_slots(tmp_path):
    keras.backend.clear_session()
    model = _fit_once(keras.optimizers.Adam())
    expected = {v.path: np.asarray(v) for v in model.optimizer.variables}
    model.save(tmp_path / "m.dk")
    loaded = keras.saving.load_model(tmp_path / "m.dk")
    got = {v.path: np.asarray(v) for v in loaded.optimizer.variables}
    assert got.keys() == expected.keys()
    for path, value in expected.items():
        np.testing.assert_array_equal(got[path], value)
