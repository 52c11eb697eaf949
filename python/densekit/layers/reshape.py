"""Reshape: the same values of each sample in ``target_shape`` (one dimension may be -1)."""

import numpy as np

from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


class Reshape(Layer):
    _built_at_init = True

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        try:
            self.target_shape = tuple(int(d) for d in target_shape)
        except TypeError:
            raise ValueError(f"`target_shape` must be a tuple of integers. Received: target_shape={target_shape!r}") from None
        self._core = core_from_config(self, "Reshape", target_shape=list(self.target_shape))

    def compute_output_shape(self, input_shape):
        size = int(np.prod(input_shape[1:]))
        known = int(np.prod([d for d in self.target_shape if d != -1]))
        return (input_shape[0],) + tuple(size // known if d == -1 else d for d in self.target_shape)
