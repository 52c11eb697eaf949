"""CategoryEncoding: whole numbers in ``[0, num_tokens)`` encoded as ``num_tokens`` columns
("multi_hot", "count" or "one_hot"), computed in C++."""

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
