"""AlphaDropout: while training, drops values to SELU's negative saturation and corrects the
mean and variance (for self-normalizing SELU networks); identity otherwise."""

from densekit.layers.core_config import core_from_config
from densekit.layers.dropout import checked_rate
from densekit.layers.layer import Layer


class AlphaDropout(Layer):
    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if noise_shape is not None:
            raise ValueError("densekit's AlphaDropout does not support `noise_shape` yet.")
        self.rate = checked_rate(rate)
        self.noise_shape = None
        self.seed = seed
        self._core = core_from_config(self, "AlphaDropout", rate=self.rate, seed=seed)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
