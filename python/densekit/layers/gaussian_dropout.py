"""GaussianDropout: multiplies by N(1, rate / (1 - rate)) noise while training; identity otherwise."""

from densekit.layers.core_config import core_from_config
from densekit.layers.dropout import checked_rate
from densekit.layers.layer import Layer


class GaussianDropout(Layer):
    _built_at_init = True

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = checked_rate(rate)
        self.seed = seed
        self._core = core_from_config(self, "GaussianDropout", rate=self.rate, seed=seed)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
