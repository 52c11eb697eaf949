"""Ftrl and Lion against an independent float64 NumPy implementation of their update_step
(keras/src/optimizers/ftrl.py, lion.py), against Keras itself (the same steps from the same
weights, and Keras continuing from densekit's file), and their arguments and configs."""

import json

import numpy as np
import pytest

import densekit as keras
from keras_live import run_keras
from test_optimizers import assert_moved, assert_weights, make_data, make_model, ref_train


class RefFtrl:
    def __init__(self, lr, learning_rate_power=-0.5, initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0, beta=0.0):
        self.lr, self.power, self.init = lr, -learning_rate_power, initial_accumulator_value
        self.l1, self.l2, self.shrinkage, self.beta = (l1_regularization_strength, l2_regularization_strength,
                                                       l2_shrinkage_regularization_strength, beta)
        self.accumulators = self.linears = None

    def step(self, params, grads):
        if self.accumulators is None:
            self.accumulators = [np.full_like(p, self.init) for p in params]
            self.linears = [np.zeros_like(p) for p in params]
        l2 = self.l2 + self.beta / (2.0 * self.lr)
        out = []
        for i, (w, g) in enumerate(zip(params, grads)):
            a_old, a_new = self.accumulators[i], self.accumulators[i] + g * g
            self.linears[i] = self.linears[i] + (g + 2 * self.shrinkage * w
                                                 - (a_new ** self.power - a_old ** self.power) / self.lr * w)
            quadratic = a_new ** self.power / self.lr + 2 * l2
            linear = self.linears[i]
            out.append((np.clip(linear, -self.l1, self.l1) - linear) / quadratic)
            self.accumulators[i] = a_new
        return out


class RefLion:
    def __init__(self, lr, beta_1=0.9, beta_2=0.99, weight_decay=None):
        self.lr, self.beta_1, self.beta_2, self.weight_decay = lr, beta_1, beta_2, weight_decay
        self.momentums = None

    def step(self, params, grads):
        if self.momentums is None:
            self.momentums = [np.zeros_like(p) for p in params]
        if self.weight_decay is not None:  # decoupled, before the update (base_optimizer.py)
            params = [w - w * self.weight_decay * self.lr for w in params]
        out = []
        for i, (w, g) in enumerate(zip(params, grads)):
            m = self.momentums[i]
            out.append(w - self.lr * np.sign(m * self.beta_1 + g * (1 - self.beta_1)))
            self.momentums[i] = m * self.beta_2 + g * (1 - self.beta_2)
        return out


CASES = {
    "ftrl": (lambda: keras.optimizers.Ftrl(learning_rate=0.5), lambda: RefFtrl(0.5)),
    "ftrl_l1_l2_beta": (
        lambda: keras.optimizers.Ftrl(learning_rate=0.5, l1_regularization_strength=0.01,
                                      l2_regularization_strength=0.05, beta=0.3),
        lambda: RefFtrl(0.5, l1_regularization_strength=0.01, l2_regularization_strength=0.05, beta=0.3)),
    "ftrl_power_shrinkage": (
        lambda: keras.optimizers.Ftrl(learning_rate=0.5, learning_rate_power=-0.3, initial_accumulator_value=0.5,
                                      l2_shrinkage_regularization_strength=0.1),
        lambda: RefFtrl(0.5, learning_rate_power=-0.3, initial_accumulator_value=0.5,
                        l2_shrinkage_regularization_strength=0.1)),
    "ftrl_power_zero": (lambda: keras.optimizers.Ftrl(learning_rate=0.1, learning_rate_power=0.0),
                        lambda: RefFtrl(0.1, learning_rate_power=0.0)),
    "lion": (lambda: keras.optimizers.Lion(learning_rate=0.01), lambda: RefLion(0.01)),
    "lion_betas_decay": (lambda: keras.optimizers.Lion(learning_rate=0.01, beta_1=0.5, beta_2=0.9, weight_decay=0.5),
                         lambda: RefLion(0.01, beta_1=0.5, beta_2=0.9, weight_decay=0.5)),
}


def check_against_reference(make, make_ref):
    """Four full-batch steps of the optimizer ``make()`` and of its float64 reference."""
    x, y, w0 = make_data(seed=5)
    model = make_model(make(), w0)
    losses = [model.train_on_batch(x, y) for _ in range(4)]
    expected, ref_losses = ref_train(make_ref(), w0, x, y, 4)
    assert_moved(expected, w0, min_change=1e-2)
    assert_weights(model.get_weights(), expected)
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-5)


@pytest.mark.parametrize("case", list(CASES))
def test_update_rule_matches_the_float64_reference(case):
    check_against_reference(*CASES[case])


def test_ftrl_l1_strength_makes_weights_exactly_zero():
    x, y, w0 = make_data(seed=6)
    model = make_model(keras.optimizers.Ftrl(learning_rate=0.1, l1_regularization_strength=1e3), w0)
    model.train_on_batch(x, y)
    assert all(np.all(w == 0.0) for w in model.get_weights())


def test_lion_steps_are_the_learning_rate_wide():
    x, y, w0 = make_data(seed=7)
    model = make_model(keras.optimizers.Lion(learning_rate=0.125), w0)
    model.train_on_batch(x, y)
    for before, after in zip(w0, model.get_weights()):
        np.testing.assert_allclose(np.abs(after.astype(np.float64) - before), 0.125, rtol=1e-6)


KERAS_CONFIG_KEYS = ["name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
                     "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps"]


def test_defaults_and_configs_are_kerass():
    keras.backend.clear_session()
    ftrl, lion = keras.optimizers.Ftrl(), keras.optimizers.Lion()
    assert ftrl.get_config() == {
        "name": "ftrl", "learning_rate": pytest.approx(0.001), "weight_decay": None, "clipnorm": None,
        "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
        "ema_overwrite_frequency": None, "loss_scale_factor": None, "gradient_accumulation_steps": None,
        "learning_rate_power": -0.5, "initial_accumulator_value": 0.1, "l1_regularization_strength": 0.0,
        "l2_regularization_strength": 0.0, "l2_shrinkage_regularization_strength": 0.0, "beta": 0.0}
    assert list(lion.get_config()) == KERAS_CONFIG_KEYS + ["beta_1", "beta_2"]
    assert (lion.name, lion.beta_1, lion.beta_2, float(lion.learning_rate)) == ("lion", 0.9, 0.99, pytest.approx(0.001))
    for optimizer in (ftrl, lion):
        again = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
        assert type(again) is type(optimizer) and again.get_config() == optimizer.get_config()
    assert isinstance(keras.optimizers.get("Ftrl"), keras.optimizers.Ftrl)
    assert isinstance(keras.optimizers.get("lion"), keras.optimizers.Lion)


@pytest.mark.parametrize("make,message", [
    (lambda: keras.optimizers.Lion(beta_1=0.0), "`beta_1` must be in the [0, 1] range"),
    (lambda: keras.optimizers.Lion(beta_1=1.5), "degenerates to SignSGD"),
    (lambda: keras.optimizers.Ftrl(learning_rate_power=0.5), "`learning_rate_power` needs to be negative or zero"),
    (lambda: keras.optimizers.Ftrl(initial_accumulator_value=-1.0), "`initial_accumulator_value` needs to be"),
    (lambda: keras.optimizers.Ftrl(l1_regularization_strength=-0.1), "`l1_regularization_strength` needs to be"),
    (lambda: keras.optimizers.Ftrl(l2_regularization_strength=-0.1), "`l2_regularization_strength` needs to be"),
    (lambda: keras.optimizers.Ftrl(l2_shrinkage_regularization_strength=-1.0), "`l2_shrinkage_regularization"),
    (lambda: keras.optimizers.Ftrl(beta=float("inf")), "`beta`"),
])
def test_arguments_out_of_range_are_refused_in_kerass_words(make, message):
    with pytest.raises(ValueError) as error:
        make()
    assert message in str(error.value)


def test_numbers_in_the_messages_print_as_python_prints_them():
    with pytest.raises(ValueError, match=r"Received: initial_accumulator_value=-0\.1\.$"):
        keras.optimizers.Ftrl(initial_accumulator_value=-0.1)
    with pytest.raises(ValueError, match=r"Received: l1_regularization_strength=-1e-09\.$"):
        keras.optimizers.Ftrl(l1_regularization_strength=-1e-9)
    with pytest.raises(ValueError, match=r"must be in \[0\.0, 1\.0\]\. Received: beta_1=1\.5$"):
        keras.optimizers.Adam(beta_1=1.5)


# Keras takes the same steps from the same weights, continues from densekit's file, and saves its
# own for densekit to continue from.
KERAS_STEPS = r"""
import json, sys
import numpy as np
import keras
cases = json.loads(open(sys.argv[1]).read())
out = {}
for case in cases:
    x, y = np.array(case["x"], "float32"), np.array(case["y"], "float32")
    model = keras.Sequential([keras.Input((x.shape[1],)), keras.layers.Dense(y.shape[1])])
    model.set_weights([np.array(w, "float32") for w in case["weights"]])
    optimizer = getattr(keras.optimizers, case["class_name"])(**case["config"])
    model.compile(optimizer=optimizer, loss="mse")
    for _ in range(4):
        model.train_on_batch(x, y)
    steps = [w.tolist() for w in model.get_weights()]
    model.save(case["keras_file"])
    for _ in range(2):
        model.train_on_batch(x, y)
    loaded = keras.models.load_model(case["file"])
    for _ in range(2):
        loaded.train_on_batch(x, y)
    config = {k: v for k, v in optimizer.get_config().items() if k != "name"}
    out[case["id"]] = {"steps": steps, "continued": [w.tolist() for w in loaded.get_weights()], "config": config,
                       "six": [w.tolist() for w in model.get_weights()]}
print(json.dumps(out))
"""

KERAS_CASES = {
    "ftrl": ("Ftrl", dict(learning_rate=0.5, l1_regularization_strength=0.01, l2_regularization_strength=0.05,
                          l2_shrinkage_regularization_strength=0.02, beta=0.3)),
    "ftrl_power": ("Ftrl", dict(learning_rate=0.2, learning_rate_power=-0.3, clipnorm=0.5)),
    "lion": ("Lion", dict(learning_rate=0.01, beta_1=0.8, weight_decay=0.1)),
}


def check_against_keras(tmp_path, keras_cases):
    """Each case ({id: (class name, config)}) trains as in Keras, and each library continues
    from the other's file."""
    x, y, w0 = make_data(seed=8)
    cases, ours = [], {}
    for case, (class_name, config) in keras_cases.items():
        model = make_model(getattr(keras.optimizers, class_name)(**config), w0)
        for _ in range(2):
            model.train_on_batch(x, y)
        path = tmp_path / f"{case}.keras"
        model.save(path)
        for _ in range(2):
            model.train_on_batch(x, y)
        continued = model.get_weights()
        fresh = make_model(getattr(keras.optimizers, class_name)(**config), w0)
        for _ in range(4):
            fresh.train_on_batch(x, y)
        np.testing.assert_array_equal(np.concatenate([w.ravel() for w in fresh.get_weights()]),
                                      np.concatenate([w.ravel() for w in continued]))
        ours[case] = (continued, {k: v for k, v in model.optimizer.get_config().items() if k != "name"})
        cases.append({"id": case, "class_name": class_name, "config": config, "x": x.tolist(), "y": y.tolist(),
                      "weights": [w.tolist() for w in w0], "file": str(path),
                      "keras_file": str(tmp_path / f"{case}_from_keras.keras")})
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    theirs = run_keras(KERAS_STEPS, tmp_path / "cases.json")
    for case, (weights, config) in ours.items():
        for key in ("steps", "continued"):  # densekit's four steps = two, a save, two more
            assert_weights(weights, [np.array(w) for w in theirs[case][key]], rtol=1e-5, atol=1e-6)
        assert config == pytest.approx(theirs[case]["config"])
        from_keras = keras.models.load_model(tmp_path / f"{case}_from_keras.keras")
        for _ in range(2):
            from_keras.train_on_batch(x, y)
        assert_weights(from_keras.get_weights(), [np.array(w) for w in theirs[case]["six"]], rtol=1e-5, atol=1e-6)


def test_keras_trains_alike_and_each_continues_from_the_others_file(tmp_path):
    check_against_keras(tmp_path, KERAS_CASES)
