"""GaussianDropout: multiplies by N(1, rate / (1 - rate)) noise while training; identity otherwise."""

import numbers

from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


class GaussianDropout(Layer):
    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                             f"Received: rate={rate}")
        self.rate = float(rate)
        self.seed = seed
        self._core = core_from_config(self, "GaussianDropout", rate=self.rate, seed=seed)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
