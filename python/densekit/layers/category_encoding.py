"""CategoryEncoding: whole numbers in ``[0, num_tokens)`` encoded as ``num_tokens`` columns
("multi_hot", "count" or "one_hot"), computed in C++."""

import numpy as np

from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


class CategoryEncoding(Layer):
    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        self.num_tokens = num_tokens
        self.sparse = sparse
        self._core = core_from_config(self, "CategoryEncoding", num_tokens=num_tokens, output_mode=output_mode,
                                      sparse=bool(sparse))
        self.output_mode = self.get_config()["output_mode"]  # Keras's deprecated "binary" is "multi_hot"

    def compute_output_shape(self, input_shape):
        if self.output_mode == "one_hot":
            kept = input_shape[:-1] if len(input_shape) > 1 and input_shape[-1] == 1 else input_shape
            return tuple(kept) + (self.num_tokens,)
        return tuple(input_shape[:-1]) + (self.num_tokens,)

    def __call__(self, inputs, *args, **kwargs):
        """Keras's unbatched forms, for arrays: with "multi_hot" and "count" a 1-D array is one
        sample's tokens (giving ``(num_tokens,)``) and so is a scalar; with "one_hot" a scalar
        gives one row."""
        if hasattr(inputs, "_keras_history") or isinstance(inputs, dict) or (
                isinstance(inputs, (list, tuple)) and any(hasattr(t, "_keras_history") for t in inputs)):
            return super().__call__(inputs, *args, **kwargs)
        array = np.asarray(inputs)  # (a list of numbers is one tensor, as Keras converts it)
        if self.output_mode == "one_hot" and array.ndim == 0:
            array = array.reshape(1)
        if self.output_mode != "one_hot" and array.ndim <= 1:
            if array.size == 0:  # no tokens: a row of zeros, as Keras gives
                return np.zeros((self.num_tokens,), np.float32)
            return super().__call__(array.reshape(1, -1), *args, **kwargs)[0]
        return super().__call__(array, *args, **kwargs)
