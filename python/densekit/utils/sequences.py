"""pad_sequences (keras/src/utils/sequence_utils.py): lists of token ids of different lengths
made into one (samples, timesteps) array, as an Embedding reads them."""

import numbers

import numpy as np


def _check_side(name, value):
    if value not in ("pre", "post"):
        raise ValueError(f'{name.capitalize()} type "{value}" not understood')


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Each sequence cut to its last (``truncating="pre"``) or first ``maxlen`` steps and filled
    up with ``value`` before (``padding="pre"``) or after it: an array of shape
    ``(len(sequences), maxlen) + the steps' own shape``; ``maxlen`` defaults to the longest."""
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    _check_side("padding", padding)
    _check_side("truncating", truncating)
    if maxlen is not None and (isinstance(maxlen, bool) or not isinstance(maxlen, numbers.Integral) or maxlen < 0):
        raise ValueError(f"`maxlen` must be a non-negative integer or None. Received: maxlen={maxlen!r}")
    lengths, step_shape = [], None
    for s in sequences:
        if not hasattr(s, "__len__"):
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {s}")
        lengths.append(len(s))
        if step_shape is None and len(s):
            step_shape = np.asarray(s).shape[1:]  # the first non-empty sequence's
    step_shape = step_shape or ()
    if maxlen is None:
        maxlen = max(lengths, default=0)
    text_dtype = dtype is object or np.issubdtype(np.dtype(dtype), np.str_) or np.issubdtype(np.dtype(dtype), np.bytes_)
    if isinstance(value, str) and not text_dtype:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\nYou should set "
                         "`dtype=object` for variable length strings.")
    out = np.full((len(sequences), maxlen) + tuple(step_shape), value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s) or not maxlen:
            continue
        kept = np.asarray(s[-maxlen:] if truncating == "pre" else s[:maxlen], dtype=dtype)
        if kept.shape[1:] != tuple(step_shape):
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position {i} is different from expected "
                             f"shape {tuple(step_shape)}")
        if padding == "pre":
            out[i, maxlen - len(kept):] = kept
        else:
            out[i, :len(kept)] = kept
    return out
