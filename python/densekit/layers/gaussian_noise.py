"""GaussianNoise: adds N(0, stddev²) noise while training; identity otherwise."""

import numbers

from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


class GaussianNoise(Layer):
    _built_at_init = True

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, numbers.Real) or not 0 <= stddev <= 1:
            raise ValueError("Invalid value received for argument `stddev`. Expected a float value between 0 and 1. "
                             f"Received: stddev={stddev}")
        self.stddev = float(stddev)
        self.seed = seed
        self._core = core_from_config(self, "GaussianNoise", stddev=self.stddev, seed=seed)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
