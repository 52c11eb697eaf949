"""Flatten: ``(N, d1, d2, ...)`` to ``(N, d1·d2·...)``."""

import numpy as np

from densekit.backend import standardize_data_format
from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


class Flatten(Layer):
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self._core = core_from_config(self, "Flatten", data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], int(np.prod(input_shape[1:])))
