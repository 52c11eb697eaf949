"""Dense: ``activation(x @ kernel + bias)``, kernel ``(input_dim, units)``."""

import numbers

from densekit import activations, constraints, initializers, regularizers
from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


class Dense(Layer):
    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        # Checked before the layer takes a name, as in Keras: a refused Dense(0) leaves `dense` free.
        if isinstance(units, bool) or not isinstance(units, numbers.Integral) or units <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive integer. Received: units={units}")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for arg, value in [("lora_rank", lora_rank), ("quantization_config", quantization_config)]:
            if value is not None:
                raise ValueError(f"densekit's Dense does not support `{arg}` yet. Received: {arg}={value!r}")
        self.units = int(units)
        self._activation_spec, self._custom_activation = activations.split(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._core = core_from_config(
            self, "Dense", units=self.units, activation=self._activation_spec, use_bias=self.use_bias,
            kernel_initializer=initializers.core(self.kernel_initializer),
            bias_initializer=initializers.core(self.bias_initializer),
            kernel_regularizer=regularizers.core(self.kernel_regularizer),
            bias_regularizer=regularizers.core(self.bias_regularizer),
            kernel_constraint=constraints.core(self.kernel_constraint),
            bias_constraint=constraints.core(self.bias_constraint))

    @property
    def activation(self):
        return self._custom_activation or getattr(activations, self._activation_spec.name)

    @property
    def kernel(self):
        return self._built_weight(0, "kernel")

    @property
    def bias(self):
        return self._built_weight(1, "bias") if self.use_bias else None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self._activation_spec.output_cols(self.units),)  # glu halves it
