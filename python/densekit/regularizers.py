"""Weight penalties added to the loss: L1 ``l1·Σ|w|``, L2 ``l2·Σw²`` (no ½)."""

import json

import numpy as np

from densekit import _core
from densekit.utils import object_serialization
from densekit.utils.pickling import ConfigPickling

__all__ = ["L1", "L1L2", "L2", "Regularizer", "deserialize", "get", "is_python", "l1", "l1_l2", "l2", "serialize"]


def _check(name, value):
    """A factor as Keras's validate_float_arg takes it: a non-negative number (finite here)."""
    try:
        number = float(value) if not isinstance(value, str) else None
    except (TypeError, ValueError):
        number = None
    if number is None or not np.isfinite(number) or number < 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float. Received: {name}={value}")
    return number


class Regularizer(ConfigPickling):
    """Base of the penalties. densekit's compute in C++; a subclass of the user's with its own
    ``__call__(x)`` (or a function given where a regularizer goes) is Python (``is_python``),
    which densekit traces into C++: on a weight once its layer is built
    (models/traced_regularizers.py), on a layer's output with the traced call
    (Layer._add_activity_loss)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = _check("l1", l1), _check("l2", l2)
        self._core = _core.Regularizer(self.l1, self.l2)

    def __call__(self, x):
        return self._core(np.ascontiguousarray(x, dtype=np.float32))

    def get_config(self):
        if "l1" not in self.__dict__:  # a subclass of the user's that keeps no l1/l2
            raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")
        return {"l1": self.l1, "l2": self.l2}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    def __init__(self, l1=0.0, l2=0.0):  # (None: no penalty of that kind, as in Keras)
        super().__init__(0.0 if l1 is None else l1, 0.0 if l2 is None else l2)


class L1(Regularizer):
    def __init__(self, l1=0.01):  # (None: the default, as in Keras)
        super().__init__(l1=0.01 if l1 is None else l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    def __init__(self, l2=0.01):
        super().__init__(l2=0.01 if l2 is None else l2)

    def get_config(self):
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2
_NAMES = {"l1": L1, "l2": L2, "l1l2": L1L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}


class PythonFunction(Regularizer):
    """A function ``fn(x)`` given as a regularizer."""

    def __init__(self, fn):
        self.fn, self.l1, self.l2, self._core = fn, 0.0, 0.0, None

    def __call__(self, x):
        return self.fn(x)

    def __repr__(self):
        return f"<regularizer {getattr(self.fn, '__name__', self.fn)!r}>"


def is_python(regularizer):
    """Whether ``regularizer`` computes in Python: a function, or a subclass with its own __call__."""
    return isinstance(regularizer, Regularizer) and (
        isinstance(regularizer, PythonFunction) or type(regularizer).__call__ is not Regularizer.__call__)


def serialize(regularizer):
    """keras.regularizers.serialize: the regularizer's Keras config."""
    return object_serialization.serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    """keras.regularizers.deserialize: the regularizer a name ("l2", "L1L2") or a serialize()
    dict names."""
    return object_serialization.deserialize_named(config, custom_objects, _NAMES, (Regularizer,), "regularizer")


def get(identifier):
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Regularizer):  # (an instance with its defaults, as Keras makes)
        return get(identifier())
    if isinstance(identifier, str) and identifier in _NAMES:
        return _NAMES[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _NAMES:
        return _NAMES[identifier["class_name"]](**identifier.get("config", {}))
    if isinstance(identifier, dict) and "class_name" in identifier:  # the user's, found as Keras finds it
        from densekit.utils.object_registration import retrieve_object
        return get(retrieve_object(identifier))
    if callable(identifier) and not isinstance(identifier, type):
        return PythonFunction(identifier)
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}. Valid names are: l1, l2, l1_l2.")


def core(identifier):
    """The C++ penalty of a weight for an identifier (none: a zero penalty). A Python one is
    pending until its layer is built and it is traced for the weight's shape."""
    reg = get(identifier)
    if reg is None:
        return _core.Regularizer()
    if not is_python(reg):
        return reg._core
    from densekit.utils.object_registration import serialize_object
    obj = getattr(reg, "fn", reg)
    try:
        config = serialize_object(obj)
    except NotImplementedError:  # saved without its arguments, as far as it lets itself be
        config = {"module": type(obj).__module__, "class_name": type(obj).__name__, "config": {},
                  "registered_name": None}
    name = getattr(obj, "__name__", type(obj).__name__)
    return _core.Regularizer.python(name, json.dumps(config, default=repr))


def activity_core(identifier):
    """The C++ penalty on a layer's output: zero for a Python one, which the traced call adds
    itself (Layer._add_activity_loss)."""
    reg = get(identifier)
    return _core.Regularizer() if reg is None or is_python(reg) else reg._core
