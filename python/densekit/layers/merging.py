"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum (element-wise, trailing
dimensions of 1 broadcast), Concatenate and Dot, with Keras's functional helpers (``add``,
``concatenate``, ...). Computed in C++."""

import numbers

from densekit.layers.core_config import core_from_config
from densekit.layers.layer import Layer


class _Merge(Layer):
    _takes_list = True
    _op = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._core = core_from_config(self, type(self).__name__)

    def compute_output_shape(self, input_shape):
        out = ()
        for shape in input_shape:  # right-aligned broadcast, as Keras
            a, b = tuple(out), tuple(shape[1:])
            if len(a) < len(b):
                a, b = b, a
            tail = tuple(x if y == 1 else y for x, y in zip(a[len(a) - len(b):], b))
            out = a[:len(a) - len(b)] + tail
        return (input_shape[0][0],) + out


class Add(_Merge):
    """Element-wise sum of its inputs."""


class Subtract(_Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs)."""


class Multiply(_Merge):
    """Element-wise product of its inputs."""


class Average(_Merge):
    """Element-wise mean of its inputs."""


class Maximum(_Merge):
    """Element-wise maximum of its inputs."""


class Minimum(_Merge):
    """Element-wise minimum of its inputs."""


class Concatenate(Layer):
    """Concatenates its inputs along ``axis`` (which counts the batch axis; -1: the last)."""

    _takes_list = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise ValueError(f"`axis` must be an integer. Received: axis={axis!r}")
        self.axis = int(axis)
        self._core = core_from_config(self, "Concatenate", axis=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = [list(s) for s in input_shape]
        axis = self.axis % len(shapes[0])
        out = list(shapes[0])
        out[axis] = sum(s[axis] for s in shapes)
        return tuple(out)


class Dot(Layer):
    """The dot product of two inputs' vectors, one value per sample (``axes`` 1 or -1; with
    ``normalize``, of the L2-normalised vectors: their cosine similarity)."""

    _takes_list = True

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, (list, tuple)):
            if len(axes) != 2:
                raise ValueError(f"Invalid format for argument `axes`: it should contain two elements. Received: axes={axes}")
            if not all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axes):
                raise ValueError(f"Invalid format for argument `axes`: list elements should be integers. Received: axes={axes}")
            axes = [int(a) for a in axes]
        elif isinstance(axes, bool) or not isinstance(axes, numbers.Integral):
            raise TypeError(f"Invalid type for argument `axes`: it should be a list or an int. Received: axes={axes}")
        else:
            axes = int(axes)
        self.axes, self.normalize = axes, bool(normalize)
        self._core = core_from_config(self, "Dot", axes=self.axes, normalize=self.normalize)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)


def _functional(cls, inputs, **kwargs):
    return cls(**kwargs)(inputs)


def add(inputs, **kwargs):
    """Functional interface to :class:`Add`."""
    return _functional(Add, inputs, **kwargs)


def subtract(inputs, **kwargs):
    """Functional interface to :class:`Subtract`."""
    return _functional(Subtract, inputs, **kwargs)


def multiply(inputs, **kwargs):
    """Functional interface to :class:`Multiply`."""
    return _functional(Multiply, inputs, **kwargs)


def average(inputs, **kwargs):
    """Functional interface to :class:`Average`."""
    return _functional(Average, inputs, **kwargs)


def maximum(inputs, **kwargs):
    """Functional interface to :class:`Maximum`."""
    return _functional(Maximum, inputs, **kwargs)


def minimum(inputs, **kwargs):
    """Functional interface to :class:`Minimum`."""
    return _functional(Minimum, inputs, **kwargs)


def dot(inputs, axes=-1, **kwargs):
    """Functional interface to :class:`Dot`."""
    return _functional(Dot, inputs, axes=axes, **kwargs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional interface to :class:`Concatenate`."""
    return _functional(Concatenate, inputs, axis=axis, **kwargs)
