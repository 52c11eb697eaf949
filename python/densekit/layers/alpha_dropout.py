"""AlphaDropout: while training, drops values to SELU's negative saturation and corrects the
mean and variance (for self-normalizing SELU networks); identity otherwise."""

from densekit.layers.core_config import core_from_config
from densekit.layers.dropout import checked_rate, noise_shape_config
from densekit.layers.layer import Layer


class AlphaDropout(Layer):
    _built_at_init = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = checked_rate(rate)
        self.seed = seed
        self._core = core_from_config(self, "AlphaDropout", rate=self.rate, seed=seed,
                                      noise_shape=noise_shape_config(noise_shape))
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
