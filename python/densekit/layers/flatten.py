"""Flatten: ``(N, d1, d2, ...)`` to ``(N, d1·d2·...)``."""

import numpy as np

from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


class Flatten(Layer):
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"
        self._core = core_from_config(self, "Flatten")

    def compute_output_shape(self, input_shape):
        return (input_shape[0], int(np.prod(input_shape[1:])))
