"""LayerNormalization and RMSNormalization: per-sample normalization over the trailing axes.
Computed in C++."""

import numbers
import warnings

from densekit import constraints, initializers, regularizers
from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


def _axis_argument(axis):
    """Keras's ``axis``: an int, or a list of ints (from a list or tuple)."""
    if isinstance(axis, (list, tuple)):
        return [int(a) for a in axis]
    if isinstance(axis, numbers.Integral) and not isinstance(axis, bool):
        return int(axis)
    raise TypeError(f"Expected an int or a list/tuple of ints for the argument 'axis', but received: {axis!r}")


class LayerNormalization(Layer):
    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        # Keras's deprecated argument, by keyword only (keras/src/layers/normalization/layer_normalization.py)
        rms_scaling = kwargs.pop("rms_scaling", False)
        super().__init__(**kwargs)
        self.axis = _axis_argument(axis)
        if rms_scaling:
            warnings.warn("You passed `rms_scaling=True`, which is deprecated. This argument incorrectly scales the input "
                          "by the variance, not the root mean square. To correctly use RMS Normalization, please use "
                          "`keras.layers.RMSNormalization` instead.", stacklevel=2)
        self.epsilon = float(epsilon)
        self.center, self.scale, self.rms_scaling = bool(center), bool(scale), bool(rms_scaling)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self._core = core_from_config(
            self, "LayerNormalization", axis=self.axis, epsilon=self.epsilon, center=self.center, scale=self.scale,
            rms_scaling=self.rms_scaling,
            beta_initializer=initializers.core(self.beta_initializer),
            gamma_initializer=initializers.core(self.gamma_initializer),
            beta_regularizer=regularizers.core(self.beta_regularizer),
            gamma_regularizer=regularizers.core(self.gamma_regularizer),
            beta_constraint=constraints.core(self.beta_constraint),
            gamma_constraint=constraints.core(self.gamma_constraint))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class RMSNormalization(Layer):
    """``x / sqrt(mean(x²) + epsilon) · scale`` over the trailing ``axis`` (keras.layers.RMSNormalization)."""

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = _axis_argument(axis)
        self.epsilon = float(epsilon)
        self._core = core_from_config(self, "RMSNormalization", axis=self.axis, epsilon=self.epsilon)

    @property
    def scale(self):
        return self._built_weight(0, "scale")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
