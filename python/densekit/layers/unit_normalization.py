"""UnitNormalization: each sample divided by its L2 norm over ``axis`` (computed in C++)."""

from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


class UnitNormalization(Layer):
    _built_at_init = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(f"Invalid value for `axis` argument: expected an int or a list/tuple of ints. Received: "
                            f"axis={axis}")
        self._core = core_from_config(self, "UnitNormalization", axis=self.axis)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
