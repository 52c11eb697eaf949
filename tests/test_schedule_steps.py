"""Learning-rate schedules called outside training (keras/src/optimizers/schedules/
learning_rate_schedule.py): the step is cast to a float, so a fractional step is not truncated,
and an array of steps gives the array of rates (the TF overfitting tutorial plots
``lr_schedule(step)`` over ``np.linspace``)."""

import math

import numpy as np
import pytest

from densekit.optimizers import schedules


def f32(v):
    return float(np.float32(v))


def test_fractional_steps_are_not_truncated():
    schedule = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert schedule(2.5) == pytest.approx(f32(0.1 * 0.5 ** 0.25), rel=1e-6)
    assert schedule(2.5) != schedule(2)
    inverse = schedules.InverseTimeDecay(0.001, decay_steps=1000, decay_rate=1)
    assert inverse(1500.5) == pytest.approx(f32(0.001 / (1 + 1500.5 / 1000)), rel=1e-6)
    cosine = schedules.CosineDecay(1.0, decay_steps=10)
    assert cosine(np.float32(0.5)) == pytest.approx(f32(0.5 * (1 + math.cos(math.pi * 0.05))), rel=1e-6)


def test_staircase_floors_a_fractional_step():
    schedule = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert schedule(19.9) == f32(0.05) and schedule(20.0) == f32(0.025)


@pytest.mark.parametrize("schedule", [
    schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5),
    schedules.InverseTimeDecay(0.001, decay_steps=20, decay_rate=1, staircase=False),
    schedules.PiecewiseConstantDecay([10, 50], [1.0, 0.5, 0.1]),
    schedules.PolynomialDecay(0.1, decay_steps=30, cycle=True),
    schedules.CosineDecay(0.1, decay_steps=40, warmup_target=0.2, warmup_steps=10),
    schedules.CosineDecayRestarts(0.1, first_decay_steps=10),
], ids=lambda s: type(s).__name__)
def test_an_array_of_steps_gives_an_array_of_rates(schedule):
    steps = np.arange(100)
    rates = schedule(steps)
    assert isinstance(rates, np.ndarray) and rates.shape == (100,) and rates.dtype == np.float32
    np.testing.assert_array_equal(rates, np.float32([schedule(int(s)) for s in steps]))
    grid = np.linspace(0, 99, 12).reshape(3, 4)  # fractional steps, any shape
    np.testing.assert_array_equal(schedule(grid), np.float32([[schedule(float(s)) for s in row] for row in grid]))


def test_a_non_numeric_step_is_refused():
    with pytest.raises(TypeError, match="step"):
        schedules.ExponentialDecay(0.1, 10, 0.5)("ten")
