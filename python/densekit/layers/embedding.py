"""Embedding: whole-number inputs in [0, input_dim) replaced by rows of a trainable
(input_dim, output_dim) table (categorical features, token ids); computed in C++."""

import numbers
import warnings

from densekit import constraints, initializers, regularizers
from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


class Embedding(Layer):
    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, **kwargs):
        if kwargs.pop("input_length", None) is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.", stacklevel=2)
        super().__init__(**kwargs)
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
                raise ValueError(f"`{arg}` must be a positive integer. Received: {arg}={value} "
                                 f"(of type {type(value).__name__}).")
        for arg, value in (("lora_rank", lora_rank), ("quantization_config", quantization_config)):
            if value is not None:
                raise ValueError(f"densekit's Embedding does not support `{arg}`. Received: {arg}={value!r}")
        self.input_dim, self.output_dim, self.mask_zero = int(input_dim), int(output_dim), False
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self._core = core_from_config(
            self, "Embedding", input_dim=self.input_dim, output_dim=self.output_dim, mask_zero=bool(mask_zero),
            embeddings_initializer=initializers.core(self.embeddings_initializer),
            embeddings_regularizer=regularizers.core(self.embeddings_regularizer),
            embeddings_constraint=constraints.core(self.embeddings_constraint))
        if weights is not None:  # Keras's initial table
            self.build((None, 1))  # (the table does not depend on the input shape)
            self.set_weights(weights if isinstance(weights, list) and len(weights) == 1 else [weights])

    def build(self, input_shape=None):
        """Creates the table, which does not depend on the input shape (Keras's ``build()``)."""
        super().build((None, 1) if input_shape is None else input_shape)

    @property
    def embeddings(self):
        return self._built_weight(0, "embeddings")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)
