"""``densekit.random``: Keras's random ops (keras/src/random/random.py) on arrays.

``seed`` is what Keras takes: an integer (the same draw every call), a :class:`SeedGenerator`
(a new draw each call, reproducible from its seed), or None (a new draw from densekit's global
generator, which ``densekit.utils.set_random_seed`` seeds). The values come from NumPy's PCG64
generator: reproducible within densekit, not equal to the values a Keras backend draws. Inside a
model use the layers (``layers.Dropout``, ``layers.GaussianNoise``), which draw in C++ at every
training step; these ops compute once, on arrays.
"""

import numbers

import numpy as np

from densekit import _core
from densekit.layers.keras_tensor import KerasTensor


class SeedGenerator:
    """A stateful seed: each op that takes it draws new values, the sequence fixed by ``seed``
    (drawn from densekit's global generator when None)."""

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ValueError(f"SeedGenerator's `seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = int(_core.draw_seed() if seed is None else seed)
        self.name = name
        self._generator = np.random.default_rng(self.seed)

    def next(self):
        return self._generator

    def get_config(self):
        return {"seed": self.seed}


def _generator(seed):
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        return np.random.default_rng(_core.draw_seed())
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"`seed` must be an integer, a densekit.random.SeedGenerator or None. Received: seed={seed!r}")
    return np.random.default_rng(int(seed))


def _shape(shape):
    if isinstance(shape, KerasTensor) or any(d is None for d in np.atleast_1d(shape).tolist()):
        raise ValueError(f"densekit.random draws arrays of a known shape; received shape={shape!r}. Inside a model, use "
                         "layers.GaussianNoise or layers.Dropout.")
    return tuple(int(d) for d in np.atleast_1d(shape).tolist()) if np.ndim(shape) else (int(shape),)


def _float(dtype):
    dtype = np.dtype(dtype or "float32")
    if dtype.kind != "f":
        raise ValueError(f"densekit.random draws floats here; received dtype={dtype}.")
    return dtype


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Values from a normal distribution."""
    return _generator(seed).normal(mean, stddev, size=_shape(shape)).astype(_float(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Values from a uniform distribution on [minval, maxval)."""
    return _generator(seed).uniform(minval, maxval, size=_shape(shape)).astype(_float(dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal values, those beyond two standard deviations drawn again (as Keras's)."""
    rng, size = _generator(seed), _shape(shape)
    values = rng.normal(size=size)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = rng.normal(size=int(outside.sum()))
        outside = np.abs(values) > 2
    return (mean + stddev * values).astype(_float(dtype))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers in [minval, maxval)."""
    return _generator(seed).integers(minval, maxval, size=_shape(shape)).astype(dtype)


def shuffle(x, axis=0, seed=None):
    """``x`` with its entries along ``axis`` in a random order."""
    if isinstance(x, KerasTensor):
        raise ValueError("densekit.random.shuffle works on arrays; fit shuffles the training data itself (shuffle=True).")
    return _generator(seed).permuted(np.asarray(x), axis=axis)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Each value zeroed with probability ``rate``, the others scaled by ``1 / (1 - rate)``."""
    if isinstance(inputs, KerasTensor):
        raise NotImplementedError("densekit.random.dropout computes on arrays; inside a model use layers.Dropout(rate), "
                                  "which draws a new mask at every training step.")
    if not 0 <= rate < 1:
        raise ValueError(f"`rate` must be in [0, 1). Received: rate={rate}")
    x = np.asarray(inputs, dtype=np.float32) if not isinstance(inputs, np.ndarray) else inputs
    shape = x.shape if noise_shape is None else tuple(x.shape[i] if d is None else int(d) for i, d in enumerate(noise_shape))
    keep = _generator(seed).uniform(size=shape) >= rate  # a noise_shape of 1s broadcasts one draw
    return np.where(keep, x / (1 - rate), 0).astype(x.dtype)


__all__ = ["SeedGenerator", "dropout", "normal", "randint", "shuffle", "truncated_normal", "uniform"]
