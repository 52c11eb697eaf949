"""ActivityRegularization: the identity, adding l1·Σ|x| + l2·Σx² of what passes through to the
loss (divided by the batch size, as every activity regularizer since Keras 3.14)."""

import numbers

from densekit import regularizers
from densekit.layers.core_config import core_from_config
from densekit.layers import activity_penalty
from densekit.layers.layer import Layer


class ActivityRegularization(Layer):
    _built_at_init = True

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        for arg, value in (("l1", l1), ("l2", l2)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"ActivityRegularization takes a number `{arg}`. Received: {arg}={value!r}")
        super().__init__(activity_regularizer=regularizers.L1L2(l1=float(l1), l2=float(l2)), **kwargs)
        self.l1, self.l2 = float(l1), float(l2)
        self._core = core_from_config(self, "ActivityRegularization", l1=self.l1, l2=self.l2)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


def _record(regularizer, output):
    """What a Layer subclass's built-in ``activity_regularizer`` adds on its output: Keras's
    penalty, which this layer computes."""
    return ActivityRegularization(l1=regularizer.l1, l2=regularizer.l2)(output)


activity_penalty.set_recorder(_record)
