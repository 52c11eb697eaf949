"""Global pooling: each channel's mean or maximum over all the steps (1D), pixels (2D) or voxels
(3D) of a sample, computed in C++ (keras/src/layers/pooling/)."""

from densekit.backend import standardize_data_format
from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


class _GlobalPooling(Layer):
    _built_at_init = True
    _dimensions = 0

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self._core = core_from_config(self, type(self).__name__, data_format=self.data_format, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != self._dimensions + 2:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                             f"ndim={self._dimensions + 2}, found ndim={len(input_shape)}. "
                             f"Full shape received: {tuple(input_shape)}")
        spatial = (1,) * self._dimensions if self.keepdims else ()
        if self.data_format == "channels_last":
            return (input_shape[0],) + spatial + (input_shape[-1],)
        return (input_shape[0], input_shape[1]) + spatial


class GlobalAveragePooling1D(_GlobalPooling):
    """The mean over the steps of ``(batch, steps, features)`` inputs (as after an Embedding)."""
    _dimensions = 1


class GlobalAveragePooling2D(_GlobalPooling):
    _dimensions = 2


class GlobalAveragePooling3D(_GlobalPooling):
    _dimensions = 3


class GlobalMaxPooling1D(_GlobalPooling):
    """The maximum over the steps; tied maxima share the gradient equally, as TensorFlow's."""
    _dimensions = 1


class GlobalMaxPooling2D(_GlobalPooling):
    _dimensions = 2


class GlobalMaxPooling3D(_GlobalPooling):
    _dimensions = 3


# Keras's shorter names for the same classes.
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
