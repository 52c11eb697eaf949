"""Rescaling: ``x * scale + offset``."""

import numbers

import numpy as np

from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


class Rescaling(Layer):
    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        # A 0-d array is one number (Keras takes np.array(0.5), keras-team/keras#20072, and its
        # config then holds 0.5); vectors of scales stay refused.
        scale, offset = (v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v for v in (scale, offset))
        for arg, value in [("scale", scale), ("offset", offset)]:
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"densekit's Rescaling takes a number `{arg}`. Received: {arg}={value!r}")
        self.scale, self.offset = float(scale), float(offset)
        self._core = core_from_config(self, "Rescaling", scale=self.scale, offset=self.offset)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
