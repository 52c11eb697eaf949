"""Weight penalties added to the loss: L1 ``l1·Σ|w|``, L2 ``l2·Σw²`` (no ½)."""

import numpy as np

from densekit import _core

__all__ = ["L1", "L1L2", "L2", "Regularizer", "get", "l1", "l1_l2", "l2"]


def _check(name, value):
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"Value for argument `{name}` must be a non-negative finite number. Received: {name}={value}")
    return value


class Regularizer:
    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = _check("l1", l1), _check("l2", l2)
        self._core = _core.Regularizer(self.l1, self.l2)

    def __call__(self, x):
        return self._core(np.ascontiguousarray(x, dtype=np.float32))

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1L2(Regularizer):
    def __init__(self, l1=0.0, l2=0.0):
        super().__init__(l1, l2)


class L1(Regularizer):
    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2


def get(identifier):
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    names = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}
    if isinstance(identifier, str) and identifier in names:
        return names[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in names:
        return names[identifier["class_name"]](**identifier.get("config", {}))
    if callable(identifier) and not isinstance(identifier, type):
        raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}. densekit computes penalties in "
                         "C++ and does not trace Python regularizer functions yet: use densekit.regularizers.L1, L2 or "
                         "L1L2 (or add_loss in a Layer subclass's call).")
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}. Valid names are: l1, l2, l1_l2.")


def core(identifier):
    """The C++ penalty for an identifier (none: a zero penalty)."""
    reg = get(identifier)
    return reg._core if reg is not None else _core.Regularizer()
