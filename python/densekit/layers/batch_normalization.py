"""BatchNormalization: batch statistics and moving averages in training, moving statistics in
inference and when the layer is frozen (``trainable = False``). Computed in C++."""

import numbers

from densekit import constraints, initializers, regularizers
from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


class BatchNormalization(Layer):
    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 synchronized=False, **kwargs):
        kwargs.pop("renorm_momentum", None)  # read only with renorm, which Keras 3.15's configs write as False
        for arg in ("renorm", "renorm_clipping", "fused", "virtual_batch_size", "adjustment"):
            if kwargs.pop(arg, None):
                raise ValueError(f"densekit's BatchNormalization does not support `{arg}`.")
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise ValueError(f"densekit's BatchNormalization takes one integer `axis`. Received: axis={axis!r}")
        if synchronized:
            raise ValueError("Argument synchronized=True is only supported with the TensorFlow backend.")
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.synchronized = False
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self._core = core_from_config(
            self, "BatchNormalization", axis=self.axis, momentum=self.momentum, epsilon=self.epsilon,
            center=self.center, scale=self.scale, beta_initializer=initializers.core(self.beta_initializer),
            gamma_initializer=initializers.core(self.gamma_initializer),
            moving_mean_initializer=initializers.core(self.moving_mean_initializer),
            moving_variance_initializer=initializers.core(self.moving_variance_initializer),
            beta_regularizer=regularizers.core(self.beta_regularizer),
            gamma_regularizer=regularizers.core(self.gamma_regularizer),
            beta_constraint=constraints.core(self.beta_constraint),
            gamma_constraint=constraints.core(self.gamma_constraint))

    def _weight(self, name):
        for w in self.weights:
            if w.name == name:
                return w
        return None

    @property
    def gamma(self):
        return self._weight("gamma")

    @property
    def beta(self):
        return self._weight("beta")

    @property
    def moving_mean(self):
        return self._weight("moving_mean")

    @property
    def moving_variance(self):
        return self._weight("moving_variance")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
