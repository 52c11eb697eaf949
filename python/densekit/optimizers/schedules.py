"""Learning-rate schedules (keras/src/optimizers/schedules/learning_rate_schedule.py). The
built-in ones are evaluated in C++ by the optimizer at every step (step = updates already
applied), without calling Python. A subclass of LearningRateSchedule with its own
``__call__(step)`` works too, at the cost of one call into Python per update."""

import numbers

import numpy as np

from densekit import _core
from densekit.utils import object_serialization
from densekit.utils.pickling import ConfigPickling

__all__ = ["CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay", "LearningRateSchedule",
           "PiecewiseConstantDecay", "PolynomialDecay", "deserialize", "serialize"]


class LearningRateSchedule(ConfigPickling):
    """Base class. Subclasses implement ``__call__(step)`` (and ``get_config`` to be saved)."""

    _core = None  # the C++ schedule of the built-in classes

    def __call__(self, step):
        """The rate at ``step``: a number (a fractional step is not truncated), or an array of
        steps giving the float32 array of their rates, as Keras's ops would."""
        if self._core is None:
            raise NotImplementedError(f"Learning rate schedule '{self.__class__.__name__}' must override "
                                      "`__call__(self, step)`.")
        steps = np.asarray(step)
        if steps.dtype == object or steps.dtype.kind not in "biuf":
            raise TypeError("A learning rate schedule takes a step number or an array of them. "
                            f"Received: step={step!r}")
        if steps.ndim == 0:
            return self._core(float(steps))
        return np.array([self._core(float(s)) for s in steps.ravel()], dtype=np.float32).reshape(steps.shape)

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{self.__class__.__name__}' must override `get_config()` "
                                  "in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _steps(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")
    return value


def _make(kind, **fields):
    core = _core.LearningRateSchedule(getattr(_core.ScheduleKind, kind))
    for key, value in fields.items():
        setattr(core, key, value)
    core.validate()
    return core


class _RateDecay(LearningRateSchedule):
    """The schedules of (initial_learning_rate, decay_steps, decay_rate, staircase): Keras gives
    ExponentialDecay and InverseTimeDecay the same arguments and config, and its class name as
    the default ``name``."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        name = type(self).__name__ if name is None else name
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _steps("decay_steps", decay_steps)
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        self._core = _make(type(self).__name__, initial_learning_rate=float(initial_learning_rate),
                           decay_steps=float(decay_steps), decay_rate=float(decay_rate), staircase=bool(staircase),
                           name=str(name))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_RateDecay):
    """``initial_learning_rate · decay_rate ^ (step / decay_steps)`` (the exponent floored with
    ``staircase``)."""


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` for
    ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError("The length of boundaries should be 1 less than the length of values. Received: "
                             f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of length "
                             f"{len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name
        self._core = _make("PiecewiseConstantDecay", boundaries=[float(b) for b in boundaries],
                           values=[float(v) for v in values], name=str(name))

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(initial − end) · (1 − min(step, decay_steps) / decay_steps) ^ power + end``; with
    ``cycle`` the horizon grows to the next multiple of ``decay_steps``."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _steps("decay_steps", decay_steps)
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        self._core = _make("PolynomialDecay", initial_learning_rate=float(initial_learning_rate),
                           decay_steps=float(decay_steps), end_learning_rate=float(end_learning_rate),
                           power=float(power), cycle=bool(cycle), name=str(name))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class InverseTimeDecay(_RateDecay):
    """``initial_learning_rate / (1 + decay_rate · step / decay_steps)`` (floored with
    ``staircase``)."""


class CosineDecay(LearningRateSchedule):
    """Cosine decay from the initial rate (or from ``warmup_target`` after a linear warmup of
    ``warmup_steps``) to ``alpha`` times it over ``decay_steps``."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _steps("decay_steps", decay_steps)
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        self._core = _make("CosineDecay", initial_learning_rate=float(initial_learning_rate),
                           decay_steps=float(decay_steps), alpha=float(alpha), name=str(name),
                           warmup_target=None if warmup_target is None else float(warmup_target),
                           warmup_steps=float(warmup_steps))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay over ``first_decay_steps``, then warm restarts: each period ``t_mul`` times
    longer and starting ``m_mul`` times lower (SGDR)."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0, name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = _steps("first_decay_steps", first_decay_steps)
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        self._core = _make("CosineDecayRestarts", initial_learning_rate=float(initial_learning_rate),
                           decay_steps=float(first_decay_steps), t_mul=float(t_mul), m_mul=float(m_mul),
                           alpha=float(alpha), name=str(name))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self._t_mul, "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_CLASSES = {cls.__name__: cls for cls in [ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
                                          InverseTimeDecay, CosineDecay, CosineDecayRestarts]}


def serialize(learning_rate_schedule):
    """``{"module", "class_name", "config", "registered_name"}`` of a schedule."""
    return object_serialization.serialize_keras_object(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    """A schedule from ``serialize``'s dict (the user's classes through ``custom_objects``)."""
    return object_serialization.deserialize_named(config, custom_objects, _CLASSES, (LearningRateSchedule,),
                                                 "learning rate schedule")
