"""Activation: applies an activation function."""

from densekit import _core, activations
from densekit.layers.layer import Layer


class Activation(Layer):
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation_spec = activations.get(activation)
        self._core = _core.ActivationLayer(self.name, self.activation_spec)

    @property
    def activation(self):
        return getattr(activations, self.activation_spec.name)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
