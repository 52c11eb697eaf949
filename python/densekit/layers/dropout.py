"""Dropout: inverted dropout while training, identity otherwise."""

import numbers

from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


def checked_rate(rate):
    """A dropout layer's rate as a float, in Keras's words when it is no number in [0, 1]."""
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate <= 1:
        raise ValueError("Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                         f"Received: rate={rate!r}")
    return float(rate)


class Dropout(Layer):
    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if noise_shape is not None:
            raise ValueError("densekit's Dropout does not support `noise_shape` yet.")
        self.rate = checked_rate(rate)
        self.seed = seed
        self._core = core_from_config(self, "Dropout", rate=self.rate, seed=seed)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
