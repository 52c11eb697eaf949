"""Learning rates (keras/src/optimizers/schedules/learning_rate_schedule.py,
keras/src/callbacks/reduce_lr_on_plateau.py, keras/src/callbacks/learning_rate_scheduler.py):
the schedules' formulas, their per-step use inside the C++ loop, Python callables, the
learning-rate variable, LearningRateScheduler and ReduceLROnPlateau."""

import math

import numpy as np
import pytest

import densekit as keras
from densekit import layers
from densekit.optimizers import schedules

STEPS = [0, 1, 2, 5, 9, 10, 11, 17, 20, 33, 50, 99, 100, 101, 250, 1000]


def f32(v):
    return float(np.float32(v))


# --------------------------------------------------------------------------------------------
# the formulas
# --------------------------------------------------------------------------------------------

def ref_exponential(lr0, decay_steps, rate, staircase, step):
    p = step / decay_steps
    return lr0 * rate ** (math.floor(p) if staircase else p)


def ref_piecewise(boundaries, values, step):
    for b, v in zip(boundaries, values):
        if step <= b:
            return v
    return values[-1]


def ref_polynomial(lr0, decay_steps, end, power, cycle, step):
    if cycle:
        decay_steps = decay_steps * (1 if step == 0 else math.ceil(step / decay_steps))
    else:
        step = min(step, decay_steps)
    return (lr0 - end) * (1 - step / decay_steps) ** power + end


def ref_inverse_time(lr0, decay_steps, rate, staircase, step):
    p = step / decay_steps
    return lr0 / (1 + rate * (math.floor(p) if staircase else p))


def ref_cosine(lr0, decay_steps, alpha, warmup_target, warmup_steps, step):
    def decay(s, start):
        return start * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * s / decay_steps)) + alpha)

    if warmup_target is None:
        return decay(min(step, decay_steps), lr0)
    step = min(step, decay_steps + warmup_steps)
    if step < warmup_steps:
        return lr0 + (warmup_target - lr0) * step / warmup_steps
    return decay(step - warmup_steps, warmup_target)


def ref_restarts(lr0, first, t_mul, m_mul, alpha, step):
    # Walk the periods one by one (independent of Keras's closed form).
    start, length, i = 0.0, float(first), 0
    while step >= start + length:
        start += length
        length *= t_mul
        i += 1
    fraction = (step - start) / length
    return lr0 * ((1 - alpha) * 0.5 * m_mul ** i * (1 + math.cos(math.pi * fraction)) + alpha)


CASES = [
    (lambda: schedules.ExponentialDecay(0.1, 10, 0.5), lambda s: ref_exponential(0.1, 10, 0.5, False, s)),
    (lambda: schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True), lambda s: ref_exponential(0.1, 10, 0.5, True, s)),
    (lambda: schedules.PiecewiseConstantDecay([10, 20, 100], [1.0, 0.5, 0.25, 0.1]),
     lambda s: ref_piecewise([10, 20, 100], [1.0, 0.5, 0.25, 0.1], s)),
    (lambda: schedules.PolynomialDecay(0.1, 100), lambda s: ref_polynomial(0.1, 100, 1e-4, 1.0, False, s)),
    (lambda: schedules.PolynomialDecay(0.1, 100, end_learning_rate=0.01, power=0.5),
     lambda s: ref_polynomial(0.1, 100, 0.01, 0.5, False, s)),
    (lambda: schedules.PolynomialDecay(0.1, 30, end_learning_rate=0.01, power=2.0, cycle=True),
     lambda s: ref_polynomial(0.1, 30, 0.01, 2.0, True, s)),
    (lambda: schedules.InverseTimeDecay(0.1, 10, 0.5), lambda s: ref_inverse_time(0.1, 10, 0.5, False, s)),
    (lambda: schedules.InverseTimeDecay(0.1, 10, 0.5, staircase=True), lambda s: ref_inverse_time(0.1, 10, 0.5, True, s)),
    (lambda: schedules.CosineDecay(0.1, 100), lambda s: ref_cosine(0.1, 100, 0.0, None, 0, s)),
    (lambda: schedules.CosineDecay(0.1, 100, alpha=0.2), lambda s: ref_cosine(0.1, 100, 0.2, None, 0, s)),
    (lambda: schedules.CosineDecay(0.0, 100, warmup_target=0.1, warmup_steps=20),
     lambda s: ref_cosine(0.0, 100, 0.0, 0.1, 20, s)),
    (lambda: schedules.CosineDecay(0.01, 50, alpha=0.1, warmup_target=0.2, warmup_steps=10),
     lambda s: ref_cosine(0.01, 50, 0.1, 0.2, 10, s)),
    (lambda: schedules.CosineDecayRestarts(0.1, 7), lambda s: ref_restarts(0.1, 7, 2.0, 1.0, 0.0, s)),
    (lambda: schedules.CosineDecayRestarts(0.1, 7, t_mul=1.0, m_mul=0.5, alpha=0.1),
     lambda s: ref_restarts(0.1, 7, 1.0, 0.5, 0.1, s)),
    (lambda: schedules.CosineDecayRestarts(0.1, 7, t_mul=3.0, m_mul=0.8),
     lambda s: ref_restarts(0.1, 7, 3.0, 0.8, 0.0, s)),
]


@pytest.mark.parametrize("make,ref", CASES)
def test_schedule_values_equal_the_formulas(make, ref):
    schedule = make()
    for step in STEPS:
        assert schedule(step) == pytest.approx(ref(step), rel=2e-7, abs=1e-12), step
        assert schedule(step) == f32(schedule(step))  # a float32 value, like Keras's tensor


def test_schedule_known_values():
    assert schedules.ExponentialDecay(0.1, 100000, 0.96, staircase=True)(250000) == f32(0.1 * 0.96 ** 2)
    pw = schedules.PiecewiseConstantDecay([100000, 110000], [1.0, 0.5, 0.1])
    assert [pw(s) for s in (0, 100000, 100001, 110000, 110001)] == [1.0, 1.0, 0.5, 0.5, f32(0.1)]
    assert schedules.CosineDecay(0.1, 1000)(500) == f32(0.05)
    assert schedules.CosineDecay(0.1, 1000)(5000) == 0.0  # clamped at decay_steps, alpha 0
    assert schedules.CosineDecay(0.0, 1000, warmup_target=0.1, warmup_steps=1000)(500) == f32(0.05)


@pytest.mark.parametrize("make,message", [
    (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), "Argument `decay_steps` must be > 0. Received: decay_steps=0"),
    (lambda: schedules.PolynomialDecay(0.1, -5), "Argument `decay_steps` must be > 0. Received: decay_steps=-5"),
    (lambda: schedules.InverseTimeDecay(0.1, 0, 0.5), "Argument `decay_steps` must be > 0"),
    (lambda: schedules.CosineDecay(0.1, 0), "Argument `decay_steps` must be > 0"),
    (lambda: schedules.CosineDecayRestarts(0.1, 0), "Argument `first_decay_steps` must be > 0"),
    (lambda: schedules.PiecewiseConstantDecay([1, 2], [1.0, 0.5]),
     "The length of boundaries should be 1 less than the length of values"),
])
def test_schedule_argument_errors(make, message):
    with pytest.raises(ValueError, match=message.replace("`", ".").replace("(", ".").replace(")", ".")):
        make()


def test_schedule_config_round_trip():
    s = schedules.CosineDecay(0.01, 50, alpha=0.1, warmup_target=0.2, warmup_steps=10)
    config = schedules.serialize(s)
    assert config == {"module": "keras.optimizers.schedules", "class_name": "CosineDecay",
                      "config": {"initial_learning_rate": 0.01, "decay_steps": 50, "alpha": 0.1, "name": "CosineDecay",
                                 "warmup_target": 0.2, "warmup_steps": 10}, "registered_name": None}
    again = schedules.deserialize(config)
    assert [again(t) for t in STEPS] == [s(t) for t in STEPS]
    assert schedules.CosineDecayRestarts(0.1, 7).get_config() == {
        "initial_learning_rate": 0.1, "first_decay_steps": 7, "t_mul": 2.0, "m_mul": 1.0, "alpha": 0.0,
        "name": "SGDRDecay"}
    with pytest.raises(ValueError, match="Could not interpret learning rate schedule"):
        schedules.deserialize({"class_name": "Nope", "config": {}})


# --------------------------------------------------------------------------------------------
# per step inside the C++ loop
# --------------------------------------------------------------------------------------------

def one_weight_model(optimizer, loss="mse"):
    """y = w·x with x = 1, w starting at 0."""
    model = keras.Sequential([keras.Input((1,)), layers.Dense(1, use_bias=False, kernel_initializer="zeros")])
    model.compile(optimizer=optimizer, loss=loss)
    return model


class WeightRecorder(keras.callbacks.Callback):
    """Records the learning rate before each batch and the weight around it; with ``reset``
    the weight restarts from 0 at each batch, so that under MAE towards a far target (gradient
    exactly -1) the SGD step moves it by exactly the learning rate it used."""

    def __init__(self, reset=False):
        super().__init__()
        self.reset = reset
        self.lr_before, self.w_before, self.w_after = [], [], []

    def on_train_batch_begin(self, batch, logs=None):
        if self.reset:
            self.model.set_weights([np.zeros((1, 1), "float32")])
        self.lr_before.append(float(self.model.optimizer.learning_rate))
        self.w_before.append(float(self.model.get_weights()[0][0, 0]))

    def on_train_batch_end(self, batch, logs=None):
        self.w_after.append(float(self.model.get_weights()[0][0, 0]))


@pytest.mark.parametrize("make,ref", CASES)
def test_each_step_uses_the_schedule_at_the_optimizer_iterations(make, ref):
    model = one_weight_model(keras.optimizers.SGD(learning_rate=make()), loss="mae")
    x, y = np.ones((6, 1), "float32"), np.full((6, 1), 1e6, "float32")
    rec = WeightRecorder(reset=True)
    model.fit(x, y, batch_size=2, epochs=8, shuffle=False, verbose=0, callbacks=[rec])  # 24 steps
    assert model.optimizer.iterations == 24
    assert len(rec.lr_before) == 24
    for step, (lr, w1) in enumerate(zip(rec.lr_before, rec.w_after)):
        assert lr == pytest.approx(ref(step), rel=2e-7, abs=1e-12), step
        assert w1 == lr, step  # the update used exactly this step's value
    assert model.optimizer.learning_rate == pytest.approx(ref(24), rel=2e-7, abs=1e-12)


def test_schedule_drops_the_learning_rate_variable_from_the_count():
    x, y = np.ones((4, 1), "float32"), np.ones((4, 1), "float32")
    model = one_weight_model(keras.optimizers.Adam(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.9)))
    model.fit(x, y, verbose=0)
    assert model.optimizer.count_params() == 2 * 1 + 1  # Adam 2P+1 with a schedule
    model = one_weight_model(keras.optimizers.Adam(learning_rate=0.1))
    model.fit(x, y, verbose=0)
    assert model.optimizer.count_params() == 2 * 1 + 2


def test_zero_argument_callable_learning_rate_is_called_once_per_update():
    calls = []

    def lr():
        calls.append(1)
        return 0.25

    model = one_weight_model(keras.optimizers.SGD(learning_rate=lr))
    x, y = np.ones((6, 1), "float32"), np.ones((6, 1), "float32")
    model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    assert len(calls) == 6
    # w ← w − 0.25·2(w − 1) = 0.5·w + 0.5 six times from 0
    assert model.get_weights()[0][0, 0] == pytest.approx(1 - 0.5 ** 6, rel=1e-6)
    assert model.optimizer.learning_rate == 0.25
    assert model.optimizer.count_params() == 1  # iteration only: no learning-rate variable


def test_custom_schedule_subclass_runs_in_python_with_the_step():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self):
            self.steps = []

        def __call__(self, step):
            self.steps.append(step)
            return 0.5 / (step + 1)

    schedule = Halving()
    model = one_weight_model(keras.optimizers.SGD(learning_rate=schedule))
    x, y = np.ones((4, 1), "float32"), np.ones((4, 1), "float32")
    rec = WeightRecorder()
    model.fit(x, y, batch_size=1, epochs=1, shuffle=False, verbose=0, callbacks=[rec])
    # each on_train_batch_begin reads learning_rate (one call) and each update calls it once
    assert [s for s in schedule.steps] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert rec.lr_before == [f32(0.5 / (k + 1)) for k in range(4)]

    class Broken(schedules.LearningRateSchedule):
        pass

    with pytest.raises(NotImplementedError, match="must override `__call__"):
        Broken()(0)


def test_an_exception_in_a_learning_rate_callable_propagates_and_leaves_the_model_usable():
    state = {"n": 0}

    def lr():
        state["n"] += 1
        if state["n"] == 3:
            raise ArithmeticError("lr exploded")
        return 0.1

    model = one_weight_model(keras.optimizers.SGD(learning_rate=lr))
    x, y = np.ones((8, 1), "float32"), np.ones((8, 1), "float32")
    with pytest.raises(ArithmeticError, match="lr exploded"):
        model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
    assert model.optimizer.iterations == 2  # the failing step changed nothing
    w = 0.0
    for _ in range(2):
        w -= 0.1 * 2 * (w - 1)
    assert model.get_weights()[0][0, 0] == pytest.approx(w, rel=1e-6)
    model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
    assert model.optimizer.iterations == 6


def test_learning_rate_is_a_float32_variable_settable_between_fits():
    opt = keras.optimizers.Adam(learning_rate=0.001)
    assert opt.learning_rate == 0.0010000000474974513  # float32(0.001), as Keras reports it
    opt.learning_rate = 0.5
    assert opt.learning_rate == 0.5
    model = one_weight_model(keras.optimizers.SGD(learning_rate=0.1))
    x, y = np.ones((2, 1), "float32"), np.ones((2, 1), "float32")
    model.fit(x, y, batch_size=2, verbose=0)
    model.optimizer.learning_rate = 0.25
    model.fit(x, y, batch_size=2, verbose=0)
    w = 0.0
    for lr in (0.1, 0.25):
        w -= np.float32(lr) * 2 * (w - 1)
    assert model.get_weights()[0][0, 0] == pytest.approx(w, rel=1e-6)
    assert model.optimizer.get_config()["learning_rate"] == 0.25


def test_learning_rate_with_a_schedule_is_not_settable_to_a_float():
    opt = keras.optimizers.SGD(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.01
    opt.learning_rate = schedules.PiecewiseConstantDecay([5], [0.3, 0.2])  # another schedule is fine
    assert opt.learning_rate == f32(0.3)
    opt.learning_rate = lambda: 0.125  # and a callable
    assert opt.learning_rate == 0.125
    assert opt.get_config()["learning_rate"] is not None


def test_schedule_in_optimizer_config_and_saved_model(tmp_path):
    schedule = schedules.ExponentialDecay(0.1, 4, 0.5)
    model = one_weight_model(keras.optimizers.SGD(learning_rate=schedule))
    config = model.optimizer.get_config()
    assert config["learning_rate"]["class_name"] == "ExponentialDecay"
    again = keras.optimizers.SGD.from_config(config)
    assert again.learning_rate == f32(0.1)
    x, y = np.ones((6, 1), "float32"), np.ones((6, 1), "float32")
    model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    path = tmp_path / "m.dk"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.optimizer.iterations == 6
    assert loaded.optimizer.learning_rate == f32(0.1 * 0.5 ** (6 / 4))
    with pytest.raises(TypeError, match="not settable"):
        loaded.optimizer.learning_rate = 0.1
    model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])


def test_integer_or_string_learning_rates_are_rejected():
    with pytest.raises(ValueError, match="Argument `learning_rate` should be float, or an instance of LearningRateSchedule"):
        keras.optimizers.SGD(learning_rate=1)
    with pytest.raises(ValueError, match="Argument `learning_rate` should be float"):
        keras.optimizers.SGD(learning_rate="0.1")


# --------------------------------------------------------------------------------------------
# LearningRateScheduler (per epoch)
# --------------------------------------------------------------------------------------------

def test_learning_rate_scheduler_sets_each_epoch_and_logs_it(capsys):
    def schedule(epoch, lr):
        return lr if epoch < 2 else lr * 0.5

    model = one_weight_model(keras.optimizers.SGD(learning_rate=0.2))
    rec = WeightRecorder()
    x, y = np.ones((2, 1), "float32"), np.ones((2, 1), "float32")
    history = model.fit(x, y, batch_size=2, epochs=5, verbose=0,
                        callbacks=[keras.callbacks.LearningRateScheduler(schedule, verbose=1), rec])
    expected = [0.2, 0.2, 0.1, 0.05, 0.025]
    assert rec.lr_before == [f32(f32(v)) for v in [0.2, 0.2, f32(0.2) * 0.5, f32(f32(0.2) * 0.5) * 0.5,
                                                     f32(f32(f32(0.2) * 0.5) * 0.5) * 0.5]]
    assert history.history["learning_rate"] == pytest.approx(expected, rel=1e-6)
    assert history.history["learning_rate"][0] == 0.20000000298023224
    out = capsys.readouterr().out
    assert out.startswith("\nEpoch 1: LearningRateScheduler setting learning rate to 0.20000000298023224.\n")
    assert "\nEpoch 3: LearningRateScheduler setting learning rate to 0.10000000149011612.\n" in out


def test_learning_rate_scheduler_one_argument_form_and_bad_return():
    model = one_weight_model(keras.optimizers.SGD(learning_rate=0.2))
    x, y = np.ones((2, 1), "float32"), np.ones((2, 1), "float32")
    history = model.fit(x, y, epochs=3, verbose=0,
                        callbacks=[keras.callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.1 / 3], rel=1e-6)
    assert model.optimizer.learning_rate == f32(0.1 / 3)
    with pytest.raises(ValueError, match="The output of the `schedule` function should be a float. Got: 1"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(lambda e, lr: 1)])
    assert np.float32(0.5) == model.fit(
        x, y, epochs=1, verbose=0,
        callbacks=[keras.callbacks.LearningRateScheduler(lambda e, lr: np.float32(0.5))]).history["learning_rate"][0]


def test_learning_rate_scheduler_refuses_a_rate_that_overflows_float32():
    # 1e300 is a finite float, but the optimizer's float32 rate would be inf and the weights NaN
    model = one_weight_model(keras.optimizers.SGD(learning_rate=0.2))
    x, y = np.ones((2, 1), "float32"), np.ones((2, 1), "float32")
    with pytest.raises(ValueError, match="The output of the `schedule` function should be finite in float32, the "
                                         "learning rate's dtype. Got: 1e\\+300"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(lambda e, lr: 1e300)])
    assert model.optimizer.learning_rate == f32(0.2)
    assert model.get_weights()[0][0, 0] == 0.0
    # the largest float32 is still a rate
    model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(
        lambda e, lr: float(np.finfo(np.float32).max))])
    assert model.optimizer.learning_rate == np.finfo(np.float32).max


# --------------------------------------------------------------------------------------------
# ReduceLROnPlateau
# --------------------------------------------------------------------------------------------

def scripted(key, values):
    """A callback (placed before the one under test) that writes scripted values into the epoch
    logs: the logs dict is shared, so the next callbacks see them."""
    return keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: logs.__setitem__(key, values[epoch]))


def plateau_run(values, capsys=None, **kwargs):
    model = one_weight_model(keras.optimizers.SGD(learning_rate=0.1))
    x, y = np.ones((2, 1), "float32"), np.ones((2, 1), "float32")
    cb = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", **kwargs)
    history = model.fit(x, y, epochs=len(values), verbose=0, callbacks=[scripted("val_loss", values), cb])
    return history.history["learning_rate"], model.optimizer.learning_rate


def test_reduce_lr_on_plateau_after_patience_epochs(capsys):
    # improvements at epochs 0, 1; then 3 flat epochs → reduce at the end of epoch 4 (patience 3)
    lrs, final = plateau_run([1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95], patience=3, factor=0.5, verbose=1)
    # the logged value is the rate before this epoch's reduction
    assert lrs == pytest.approx([0.1] * 5 + [0.05] * 3, rel=1e-6)
    assert final == f32(0.025)  # reduced again 3 epochs later (wait restarted at 0)
    out = capsys.readouterr().out
    assert "\nEpoch 5: ReduceLROnPlateau reducing learning rate to 0.05000000074505806.\n" in out
    assert "\nEpoch 8: ReduceLROnPlateau reducing learning rate to 0.02500000037252903.\n" in out


def test_reduce_lr_on_plateau_min_delta_is_absolute_and_the_default_keeps_lr():
    # decreases of 5e-5 are below min_delta=1e-4: no improvement
    lrs, final = plateau_run([1.0, 0.99995, 0.9999, 0.99985], patience=2, factor=0.5)
    assert final == f32(0.05)
    lrs, final = plateau_run([1.0, 0.9, 0.8, 0.7], patience=1, factor=0.5)
    assert final == f32(0.1)


def test_reduce_lr_on_plateau_cooldown_and_min_lr(capsys):
    values = [1.0] * 10
    # patience 1: reduce after epoch index 1. Keras's cooldown counter is decremented at the
    # start of the next epoch-end, so cooldown=2 skips one epoch: reductions after 1, 3, 5.
    lrs, final = plateau_run(values, patience=1, factor=0.5, cooldown=2, min_lr=0.02, verbose=1)
    reductions = [int(line.split(":")[0].split()[1]) for line in capsys.readouterr().out.split("\n")
                  if "ReduceLROnPlateau" in line]
    assert reductions == [2, 4, 6]  # printed 1-based; then min_lr stops it
    assert final == f32(0.02)  # 0.1 → 0.05 → 0.025 → max(0.0125, 0.02)
    assert lrs == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02, 0.02], rel=1e-6)
    # without cooldown it reduces after every non-improving epoch
    _, final = plateau_run([1.0] * 4, patience=1, factor=0.5)
    assert final == f32(0.1 * 0.5 ** 3)
    # at min_lr nothing more happens
    lrs, final = plateau_run([1.0] * 6, patience=1, factor=0.5, min_lr=0.1)
    assert final == f32(0.1)


def test_reduce_lr_on_plateau_auto_mode_follows_the_compiled_metric_and_errors():
    # Keras 3 takes the direction from the compiled metric, as EarlyStopping does (Keras 2's
    # rule, "acc" in the name means larger is better, cut the rate while an AUC rose).
    x, y = np.ones((2, 1), "float32"), np.ones((2, 1), "float32")
    model = one_weight_model(keras.optimizers.SGD(learning_rate=0.1))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse", metrics=[keras.metrics.AUC()])
    cb = keras.callbacks.ReduceLROnPlateau(monitor="val_auc", patience=1, factor=0.5)
    model.fit(x, y, epochs=4, verbose=0, callbacks=[scripted("val_auc", [0.5, 0.6, 0.7, 0.8]), cb])
    assert model.optimizer.learning_rate == f32(0.1)  # a rising AUC is an improvement
    # a name alone decides nothing: "val_acc" is not a compiled metric here
    with pytest.raises(ValueError, match="ReduceLROnPlateau callback received monitor=val_acc, but Keras isn't able "
                                         "to automatically determine whether that metric should be maximized or "
                                         "minimized. Pass `mode='max'`"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[
            scripted("val_acc", [0.5]), keras.callbacks.ReduceLROnPlateau(monitor="val_acc")])
    with pytest.warns(UserWarning, match="ReduceLROnPlateau mode 'bogus' is unknown, fallback to auto mode."):
        assert keras.callbacks.ReduceLROnPlateau(mode="bogus").mode == "auto"
    with pytest.raises(ValueError, match="ReduceLROnPlateau does not support a factor >= 1.0. Received factor=1.0"):
        keras.callbacks.ReduceLROnPlateau(factor=1.0)
    model = one_weight_model(keras.optimizers.SGD(learning_rate=0.1))
    with pytest.warns(UserWarning, match="Learning rate reduction is conditioned on metric `val_loss` which is not "
                                         "available. Available metrics are: loss,learning_rate."):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.ReduceLROnPlateau()])


def test_reduce_lr_on_plateau_negative_min_delta_and_a_nan_first_epoch():
    # min_delta is taken as its absolute value: flat values are no improvement
    _, final = plateau_run([1.0] * 4, patience=1, factor=0.5, min_delta=-0.5)
    assert final == f32(0.1 * 0.5 ** 3)
    # `best` starts empty: a NaN first epoch becomes the best rather than a non-improvement that
    # would cut the rate at once; nothing improves on NaN afterwards (Keras's behaviour)
    lrs, final = plateau_run([float("nan"), 1.0, 0.9, 0.8], patience=1, factor=0.5)
    assert lrs == pytest.approx([0.1, 0.1, 0.05, 0.025], rel=1e-6)
    assert final == f32(0.0125)


def test_learning_rate_reads_like_keras_s_variable():
    opt = keras.optimizers.RMSprop()
    lr = opt.learning_rate
    assert lr.numpy() == np.float32(0.001) and lr.numpy().dtype == np.float32
    assert float(lr) == 0.0010000000474974513 and round(lr, 5) == 0.001
    lr.assign(0.01)
    assert opt.learning_rate == f32(0.01)
    assert type(keras.optimizers.SGD(0.1).get_config()["learning_rate"]) is float


def test_a_schedule_that_gives_nan_stops_fit_with_a_clear_error():
    # decay_rate -1 gives (-1) ** 0.5 at step 1: Keras trains on into NaN weights; densekit stops
    # before the step that would use it, the weights as the last good step left them.
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=-1.0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(schedule), "mse")
    x, y = np.ones((8, 3), np.float32), np.zeros((8, 1), np.float32)
    with pytest.raises(ValueError, match="The learning rate for step 2 is nan: a learning-rate schedule or function"):
        model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert model.optimizer.iterations == 1 and np.isfinite(model.get_weights()[0]).all()


def test_a_loss_scale_factor_that_is_zero_in_float32_is_refused():
    with pytest.raises(ValueError, match="loss_scale_factor"):
        keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]).compile(
            keras.optimizers.SGD(loss_scale_factor=1e-45), "mse")
