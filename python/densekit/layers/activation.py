"""Activation layers: Activation (any activation function), ReLU, LeakyReLU, ELU, Softmax and PReLU."""

import warnings

from densekit import activations, constraints, initializers, regularizers
from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


class Activation(Layer):
    _built_at_init = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation_spec, self._custom_activation = activations.split(activation)
        self._core = core_from_config(self, "Activation", activation=self.activation_spec)

    @property
    def activation(self):
        return self._custom_activation or getattr(activations, self.activation_spec.name)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        last = shape[-1] if len(shape) > 1 else 1  # (one value a sample: glu refuses it)
        if last is not None:  # glu halves the last axis
            cols = self.activation_spec.output_cols(last)
            shape = shape[:-1] + (cols,) if len(shape) > 1 else shape
        return shape


class ReLU(Layer):
    """``relu(x, negative_slope, max_value, threshold)`` as a layer."""
    _built_at_init = True

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError("negative_slope of a ReLU layer cannot be None or a negative value. "
                             f"Received: negative_slope={negative_slope}")
        if threshold is None or threshold < 0.0:
            raise ValueError(f"threshold of a ReLU layer cannot be None or a negative value. Received: threshold={threshold}")
        self.max_value = max_value
        self.negative_slope, self.threshold = negative_slope, threshold
        self._core = core_from_config(self, "ReLU", max_value=None if max_value is None else float(max_value),
                                      negative_slope=float(negative_slope), threshold=float(threshold))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class LeakyReLU(Layer):
    """``leaky_relu`` with Keras's layer default ``negative_slope=0.3``."""
    _built_at_init = True

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.", stacklevel=2)
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError("The negative_slope value of a Leaky ReLU layer cannot be None or negative value. Expected a "
                             f"float. Received: negative_slope={negative_slope}")
        self.negative_slope = negative_slope
        self._core = core_from_config(self, "LeakyReLU", negative_slope=float(negative_slope))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class ELU(Layer):
    """``elu(x, alpha)`` as a layer."""
    _built_at_init = True

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self._core = core_from_config(self, "ELU", alpha=float(alpha))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class Softmax(Layer):
    """Softmax along ``axis`` (densekit: the last axis)."""
    _built_at_init = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            if len(axis) != 1:
                raise ValueError(f"densekit's Softmax normalizes along one axis. Received: axis={axis}")
            axis = axis[0]
        self.axis = int(axis)
        self._core = core_from_config(self, "Softmax", axis=self.axis)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class PReLU(Layer):
    """``x`` for ``x > 0``, ``alpha * x`` otherwise, with a learned ``alpha`` per element."""

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [int(shared_axes)]
        else:
            self.shared_axes = [int(a) for a in shared_axes]
        self._core = core_from_config(self, "PReLU", alpha_initializer=initializers.core(self.alpha_initializer),
                                      alpha_regularizer=regularizers.core(self.alpha_regularizer),
                                      alpha_constraint=constraints.core(self.alpha_constraint),
                                      shared_axes=self.shared_axes)

    @property
    def alpha(self):
        return self.weights[0] if self.weights else None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
