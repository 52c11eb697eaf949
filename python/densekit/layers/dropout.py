"""Dropout: inverted dropout while training, identity otherwise."""

import numbers

from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


def checked_rate(rate):
    """A dropout layer's rate as a float, in Keras's words when it is no number in [0, 1]."""
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate <= 1:
        raise ValueError("Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                         f"Received: rate={rate!r}")
    return float(rate)


def noise_shape_config(noise_shape):
    """A noise_shape as the C++ config reads it, which checks it in Keras's words: sizes as ints,
    None where the input's size is taken."""
    if noise_shape is None or isinstance(noise_shape, str):
        return noise_shape
    if isinstance(noise_shape, numbers.Number):
        return _json_number(noise_shape)
    try:
        dims = list(noise_shape)
    except TypeError:
        raise ValueError("Invalid value received for argument `noise_shape`. Expected an iterable of integers "
                         f"(e.g., a tuple or list). Received: noise_shape={noise_shape}") from None
    return [d if d is None or isinstance(d, str) else _json_number(d) if isinstance(d, numbers.Number) else str(d)
            for d in dims]


def _json_number(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    return float(value) if isinstance(value, numbers.Real) else str(value)


class Dropout(Layer):
    _built_at_init = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = checked_rate(rate)
        self.seed = seed
        self._core = core_from_config(self, "Dropout", rate=self.rate, seed=seed,
                                      noise_shape=noise_shape_config(noise_shape))
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
