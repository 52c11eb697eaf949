"""RepeatVector: ``(batch, features)`` to ``(batch, n, features)``, the vector repeated n times."""

from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


class RepeatVector(Layer):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        self.n = n
        self._core = core_from_config(self, "RepeatVector", n=n)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])
