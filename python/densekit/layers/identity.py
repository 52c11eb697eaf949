"""Identity: the input, unchanged (a placeholder layer)."""

from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


class Identity(Layer):
    _built_at_init = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._core = core_from_config(self, "Identity")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
