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
from densekit.layers.operation_layers import RandomDraw
from densekit.layers.trace_call import tracing


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


class DeferredDraw:
    """normal or uniform with an unknown batch size (``shape=(ops.shape(x)[0], d)`` in a traced
    call): the values are drawn in C++ at every call of the model, by a RandomDraw node shaped
    like the tensor the draw is first combined with (``z_mean + sigma * epsilon``)."""

    def __init__(self, distribution, shape, a, b):
        self.distribution, self.shape, self.a, self.b = distribution, tuple(shape), float(a), float(b)

    def _draw_like(self, tensor):
        if tuple(tensor.shape[1:]) != self.shape[1:]:
            raise ValueError(f"densekit.random.{self.distribution} of shape {self.shape} was combined with a tensor of "
                             f"shape {tensor.shape}: in a traced call a draw takes its batch size from the tensor it "
                             "meets, which must have its per-sample shape.")
        return RandomDraw(self.distribution, self.a, self.b)(tensor)

    def _affine(self, scale, shift):
        """scale · draw + shift, still a draw (normal: mean and stddev; uniform: its bounds)."""
        if self.distribution == "normal":
            return DeferredDraw("normal", self.shape, self.a * scale + shift, self.b * abs(scale))
        lo, hi = sorted((self.a * scale + shift, self.b * scale + shift))
        return DeferredDraw("uniform", self.shape, lo, hi)

    def _apply(self, name, other, swapped=False):
        from densekit import ops  # densekit.ops imports the layers this module uses
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            c = float(other)
            scale, shift = {"add": (1.0, c), "multiply": (c, 0.0),
                            "subtract": (-1.0, c) if swapped else (1.0, -c)}[name]
            return self._affine(scale, shift)
        if not isinstance(other, KerasTensor):
            return NotImplemented
        drawn = self._draw_like(other)
        return getattr(ops, name)(other, drawn) if swapped else getattr(ops, name)(drawn, other)

    def __add__(self, other):
        return self._apply("add", other)

    def __radd__(self, other):
        return self._apply("add", other, swapped=True)

    def __sub__(self, other):
        return self._apply("subtract", other)

    def __rsub__(self, other):
        return self._apply("subtract", other, swapped=True)

    def __mul__(self, other):
        return self._apply("multiply", other)

    def __rmul__(self, other):
        return self._apply("multiply", other, swapped=True)

    def __array__(self, dtype=None, copy=None):
        raise TypeError(f"A densekit.random draw of shape {self.shape} (its batch size unknown) has no values until "
                        "the model runs; combine it with a symbolic tensor of that shape (+, -, *).")


def _deferred(shape):
    """Whether a draw of ``shape`` is the model's to make: in a traced call, whatever batch size
    (None or the trace's) the shape gives."""
    dims = list(shape) if isinstance(shape, (list, tuple)) else None
    if not dims or not all(isinstance(d, numbers.Integral) for d in dims[1:]):
        return False
    return tracing()


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Values from a normal distribution (in a traced call with an unknown batch size: drawn by
    the model, DeferredDraw)."""
    if _deferred(shape):
        return DeferredDraw("normal", shape, mean, stddev)
    return _generator(seed).normal(mean, stddev, size=_shape(shape)).astype(_float(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Values from a uniform distribution on [minval, maxval) (DeferredDraw as normal's)."""
    if _deferred(shape):
        return DeferredDraw("uniform", shape, minval, maxval)
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
    # whole slices move (Keras shuffles rows, not each column on its own as Generator.permuted would)
    return _generator(seed).permutation(np.asarray(x), axis=axis)


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


def _arrays_only(name, *values):
    if any(isinstance(v, KerasTensor) for v in values):
        raise NotImplementedError(f"densekit.random.{name} draws arrays; a model's graph does not draw it.")


def categorical(logits, num_samples, dtype="int32", seed=None):
    """``num_samples`` class indices per row of ``logits`` (batch, classes), drawn with the
    probabilities softmax(logits) gives."""
    _arrays_only("categorical", logits)
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 2:
        raise ValueError(f"`logits` should be a 2-D tensor with shape [batch_size, num_classes]. Received: "
                         f"logits={logits.shape}")
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    u = _generator(seed).uniform(size=(len(logits), int(num_samples)))
    picks = np.array([np.searchsorted(c, row, side="right") for c, row in zip(cumulative, u)]).reshape(u.shape)
    return np.minimum(picks, logits.shape[1] - 1).astype(dtype)


def gamma(shape, alpha, dtype=None, seed=None):
    """Values from a Gamma distribution of shape ``alpha`` and scale 1."""
    _arrays_only("gamma", alpha)
    return _generator(seed).gamma(alpha, size=_shape(shape)).astype(_float(dtype))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Successes out of ``counts`` trials of probability ``probabilities`` (as floats)."""
    _arrays_only("binomial", counts, probabilities)
    return _generator(seed).binomial(np.asarray(counts).astype(np.int64), probabilities,
                                     size=_shape(shape)).astype(_float(dtype))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Values from a Beta distribution of parameters ``alpha`` and ``beta``."""
    _arrays_only("beta", alpha, beta)
    return _generator(seed).beta(alpha, beta, size=_shape(shape)).astype(_float(dtype))


__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal", "randint", "shuffle",
           "truncated_normal", "uniform"]
