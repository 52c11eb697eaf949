"""``optimizer.variables``: Keras's list of an optimizer's variables, as live views of the C++
optimizer's state.

Keras lists ``iteration``, then ``learning_rate`` when the rate is a float (a schedule or a
callable is not a variable), then what ``build()`` adds for the model's trainable weights: the
EMA averages (use_ema), the gradient accumulators, then the family's slots, a family's first
two interleaved per weight (momentum_0, velocity_0, momentum_1, ...), and Nadam's running
product last (unnamed: ``nadam/variable``) (keras/src/optimizers/base_optimizer.py and adam.py, nadam.py beside it). The
order is the one keras_optimizer_state.py gives a Keras file; each slot variable is named
``<optimizer>/<weight path with "/" as "_">_<slot>`` as Keras names it.

The slots live in C++ as one buffer per slot over all of a model's weights; a view reads (and
assigns) one weight's part of it between training steps.
"""

import numpy as np

from densekit.optimizers import schedules
from densekit.saving import keras_optimizer_state
from densekit.utils.arrays import to_array


class OptimizerVariable:
    """One slot of one weight (``adam/sequential_dense_kernel_momentum``)."""

    trainable = False

    def __init__(self, model, slot, weight, path):
        self._model, self._slot, self._weight = model, slot, weight
        self.path = path
        self.name = path.rsplit("/", 1)[-1]
        self.shape = weight.shape
        self.dtype = "float32"

    def numpy(self):
        return self._model._core.get_optimizer_slot(self._slot, self._weight._layer._core, self._weight._index)

    @property
    def value(self):
        return self.numpy()

    def assign(self, value):
        checked = to_array(value, f"the value assigned to {self.path}").reshape(np.shape(value))
        self._model._core.set_optimizer_slot(self._slot, self._weight._layer._core, self._weight._index,
                                             np.array(checked, dtype=np.float32, order="C"))

    def assign_add(self, value):
        self.assign(self.numpy() + np.asarray(value, dtype=np.float32))

    def assign_sub(self, value):
        self.assign(self.numpy() - np.asarray(value, dtype=np.float32))

    def __array__(self, dtype=None, copy=None):
        return self.numpy() if dtype is None else self.numpy().astype(dtype)

    def __repr__(self):
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, value={self.numpy()}>"


class RuleStateVariable:
    """Nadam's running product of its momentum factors (``nadam/variable``), read only: it is
    the rule's own bookkeeping, which the next step updates."""

    trainable = False
    shape = ()
    dtype = "float32"

    def __init__(self, optimizer, name):
        self._optimizer, self.name = optimizer, name
        self.path = f"{optimizer.name}/{name}"

    def numpy(self):
        return np.float32(self._optimizer._core.rule_state)

    @property
    def value(self):
        return self.numpy()

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.numpy(), dtype=dtype)

    def __repr__(self):
        return f"<Variable path={self.path}, shape=(), dtype=float32, value={self.numpy()}>"


def _keras_path(weight):
    return weight.path.replace("/", "_")


def variables(optimizer, learning_rate_cls, iterations_cls):
    """The optimizer's variables in Keras's order: the step count and learning rate from its
    creation, the slots once a model's first training step has built them."""
    out = [iterations_cls(optimizer._core.iterations, optimizer)]
    rate = optimizer._learning_rate
    if not (isinstance(rate, schedules.LearningRateSchedule) or callable(rate)):
        out.append(learning_rate_cls(optimizer._core.learning_rate, optimizer))
    model = optimizer._built_model()
    if model is None:
        return out
    # C++ keeps the rule's slots first, then the EMA averages, then the gradient accumulators.
    rule_slots = optimizer._core.slot_names()
    accumulates = bool(optimizer.gradient_accumulation_steps)
    index = {name: i for i, name in enumerate([*rule_slots, *(["average"] if optimizer.use_ema else []),
                                                *(["gradient_accumulator"] if accumulates else [])])}
    weights = model.trainable_weights
    class_name = type(optimizer)._kind
    for group in keras_optimizer_state.slot_groups(class_name, rule_slots, optimizer.use_ema, accumulates):
        for weight in weights:
            for slot in group:
                path = f"{optimizer.name}/{_keras_path(weight)}_{slot}"
                out.append(OptimizerVariable(model, index[slot], weight, path))
    if class_name == "Nadam":
        out.append(RuleStateVariable(optimizer, "variable"))  # Keras creates it without a name
    return out
