"""Permute: a sample's axes reordered (``dims`` 1-based, the batch axis not counted)."""

from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


class Permute(Layer):
    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        self._core = core_from_config(self, "Permute", dims=list(self.dims))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)
