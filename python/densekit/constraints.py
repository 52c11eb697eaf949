"""Weight constraints (as in keras/src/constraints/constraints.py): applied in C++ to a weight
right after every optimizer update. Calling one on an array returns the constrained copy."""

import numbers

import numpy as np

from densekit import _core
from densekit.utils import object_serialization

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "deserialize", "get", "max_norm",
           "min_max_norm", "non_neg", "serialize", "unit_norm"]


def _axis(axis):
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral):
            raise ValueError(f"Argument `axis` must be an integer or a list of integers. Received: axis={axis!r}")
    return [int(a) for a in axes]


class Constraint:
    """Base class: ``constraint(w)`` returns the projected weight."""

    _kind = "None_"

    def _make_core(self, **fields):
        self._core = _core.Constraint(getattr(_core.ConstraintKind, self._kind))
        for key, value in fields.items():
            setattr(self._core, key, value)

    def __call__(self, w):
        core = self.__dict__.get("_core")
        if core is None:  # the base class itself: no constraint, as Keras's returns w
            return w
        return core(np.ascontiguousarray(w, dtype=np.float32))

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MaxNorm(Constraint):
    """Rescales the weights whose norm along ``axis`` exceeds ``max_value``:
    ``w · clip(‖w‖, 0, max_value) / (ε + ‖w‖)``. For a Dense kernel, ``axis=0`` bounds the
    weights into each unit."""

    _kind = "MaxNorm"

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis
        self._make_core(max_value=float(max_value), axis=_axis(axis))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """``max(w, 0)``."""

    _kind = "NonNeg"

    def __init__(self):
        self._make_core()


class UnitNorm(Constraint):
    """``w / (ε + ‖w‖)`` along ``axis``."""

    _kind = "UnitNorm"

    def __init__(self, axis=0):
        self.axis = axis
        self._make_core(axis=_axis(axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves the norm along ``axis`` into [min_value, max_value]:
    ``w · (rate · clip(‖w‖, min, max) + (1 − rate) · ‖w‖) / (ε + ‖w‖)``."""

    _kind = "MinMaxNorm"

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis
        self._make_core(min_value=float(min_value), max_value=float(max_value), rate=float(rate), axis=_axis(axis))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm

_NAMES = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm, "min_max_norm": min_max_norm,
          "MaxNorm": MaxNorm, "NonNeg": NonNeg, "UnitNorm": UnitNorm, "MinMaxNorm": MinMaxNorm}


def serialize(constraint):
    """keras.constraints.serialize: the constraint's Keras config."""
    return object_serialization.serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    """keras.constraints.deserialize: the constraint a name ("max_norm", "NonNeg") or a
    serialize() dict names."""
    return object_serialization.deserialize_named(config, custom_objects, _NAMES, (Constraint,), "constraint")


def get(identifier):
    """A constraint from None, an instance, a name ("max_norm", "NonNeg", ...) or a saved dict."""
    if identifier is None or isinstance(identifier, Constraint):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Constraint):  # (an instance with its defaults, as Keras makes)
        return get(identifier())
    if isinstance(identifier, dict) and identifier.get("class_name") in _NAMES:
        return _NAMES[identifier["class_name"]].from_config(identifier.get("config", {}))
    if isinstance(identifier, str) and identifier in _NAMES:
        return _NAMES[identifier]()
    if callable(identifier) and not isinstance(identifier, type):  # a function, as Keras takes one
        _refuse_python(identifier)
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}. Valid names are: max_norm, "
                     "non_neg, unit_norm, min_max_norm.")


def core(identifier):
    """The C++ constraint for an identifier (none: no constraint)."""
    constraint = get(identifier)
    core = None if constraint is None else constraint.__dict__.get("_core")
    if core is None and constraint is not None and type(constraint).__call__ is not Constraint.__call__:
        _refuse_python(constraint)
    return core if core is not None else _core.Constraint()  # (the base class itself constrains nothing)


def _refuse_python(constraint):
    raise NotImplementedError(
        f"The constraint {constraint!r} is Python code: densekit applies constraints in C++ after each optimizer "
        "step, and only its own (MaxNorm, MinMaxNorm, NonNeg, UnitNorm). Use one of those, or a regularizer "
        "(Python regularizers are traced into C++).")
