"""A value reduced over the whole batch in a traced call (``ops.mean(x)`` or ``ops.sum(x)`` with
no axis, times numbers): not a tensor a layer can take, since a layer computes each sample on
its own, but what Keras's ``add_loss`` receives (the guide's activity regularization and the
VAE's KL term). ``add_loss`` records it as AddLoss layers (cpp/include/densekit/layers/ops.hpp),
whose terms join the model's loss in C++."""

import contextlib
import numbers
import threading

import numpy as np

_anchors = threading.local()  # per running traced call: the tensors it was called on


@contextlib.contextmanager
def loss_anchors(tensors):
    """While a call traced on ``tensors`` runs, the loss terms it adds are tied to them: a model
    built from those tensors finds the terms there (models/network.py), whatever ops lie between."""
    stack = _anchors.__dict__.setdefault("stack", [])
    stack.append(list(tensors))
    try:
        yield
    finally:
        stack.pop()


@contextlib.contextmanager
def one_row():
    """While a metric's result() is traced on its variables (a graph of one row), a reduction
    with no axis reduces the row's elements: a tensor, not a BatchLoss."""
    _anchors.one_row = getattr(_anchors, "one_row", 0) + 1
    try:
        yield
    finally:
        _anchors.one_row -= 1


def in_one_row():
    return getattr(_anchors, "one_row", 0) > 0


def anchor(loss_tensor, term_tensor):
    """Ties ``loss_tensor`` (an AddLoss output) to the innermost call's inputs, else to the
    tensor the term was computed from."""
    stack = _anchors.__dict__.get("stack")
    for t in stack[-1] if stack else [term_tensor]:
        added = t.__dict__.setdefault("_added_losses", [])
        if all(a is not loss_tensor for a in added):
            added.append(loss_tensor)


def tag_added_loss(tensor, owner, one_loss=None):
    """Marks the layer that made ``tensor`` as adding (part of) a loss of ``owner``'s."""
    layer = tensor._keras_history.operation
    layer._loss_owner, layer._loss_group = owner, one_loss if one_loss is not None else object()


class BatchLoss:
    """Σ scale · reduction(tensor) over its terms, plus a constant ``offset``."""

    # NumPy's operators step aside for ours (a 0-d array times a BatchLoss is __rmul__'s).
    __array_ufunc__ = None

    def __init__(self, terms, offset, record):
        self.terms, self.offset, self._record = list(terms), float(offset), record

    def add_to_model(self, owner=None):
        """Records the terms (an AddLoss layer each, the offset on the first) on their tensors.
        Each AddLoss layer remembers the ``owner`` whose call added it, and which terms make one
        loss: a model called on arrays gives the owner their sum (models/call_losses.py)."""
        one_loss = object()
        for k, (tensor, reduction, scale) in enumerate(self.terms):
            out = self._record(tensor, reduction, scale, self.offset if k == 0 else 0.0)
            tag_added_loss(out, owner, one_loss)

    def _scaled(self, factor):
        return BatchLoss([(t, r, s * factor) for t, r, s in self.terms], self.offset * factor, self._record)

    @staticmethod
    def _number(value):
        """``value`` as a float, when it is a number; a TypeError naming the mistake when it is a
        tensor (``x - ops.mean(x)`` centres each sample on a mean over the whole batch)."""
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return float(value)
        if hasattr(value, "_keras_history"):
            raise TypeError(HELP)
        if hasattr(value, "__array__"):  # a number as an array (ops.convert_to_tensor(0.1)) is a number
            array = np.asarray(value)
            if array.ndim == 0 and array.dtype.kind in "fiu":
                return float(array)
            raise TypeError(HELP)
        return None

    def __mul__(self, other):
        factor = self._number(other)
        return NotImplemented if factor is None else self._scaled(factor)

    __rmul__ = __mul__

    def __truediv__(self, other):
        factor = self._number(other)
        return NotImplemented if factor is None or factor == 0 else self._scaled(1.0 / factor)

    def __neg__(self):
        return self._scaled(-1.0)

    def __add__(self, other):
        if isinstance(other, BatchLoss):
            return BatchLoss(self.terms + other.terms, self.offset + other.offset, self._record)
        number = self._number(other)
        return NotImplemented if number is None else BatchLoss(self.terms, self.offset + number, self._record)

    __radd__ = __add__

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __array__(self, dtype=None, copy=None):
        raise TypeError(HELP)

    def _refuse(self, *args):
        raise TypeError(HELP)

    # Dividing by a batch total (ops.size of a traced batch, say) is no longer a sum of terms.
    __bool__ = __float__ = __lt__ = __le__ = __gt__ = __ge__ = __rtruediv__ = __pow__ = __rpow__ = _refuse

    def __repr__(self):
        return f"<BatchLoss of {len(self.terms)} term(s) over the batch>"


HELP = ("A value reduced over the batch (ops.mean or ops.sum with no axis, or ops.size, on a symbolic tensor whose "
         "batch size is unknown) can only be passed to add_loss (or scaled by numbers before): a layer computes each "
         "sample on its own, and densekit does not divide by such a value. Reduce over the sample axes (axis=-1) to "
         "keep a tensor, or divide by a number.")
