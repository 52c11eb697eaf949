"""Turning what users pass to fit / evaluate / predict into float32 C-ordered arrays (converted
once; no copy when they already are), and checking them against the model's inputs. The
conversion itself (to_array, used by layers too) lives in utils/arrays.py."""

import numpy as np

from densekit.utils.arrays import check_same_length, is_pandas, to_array  # noqa: F401

_is_pandas = is_pandas


def as_list(data, count, what, names=()):
    """The arrays of a model's inputs (or outputs) in order, from one array, a list or a dict."""
    if isinstance(data, dict):
        missing = [n for n in names if n not in data]
        if missing or len(data) != count:
            raise ValueError(f"`{what}` is a dict with keys {sorted(data)}, but the model expects {list(names)}.")
        data = [data[n] for n in names]
    elif isinstance(data, (list, tuple)) and count > 1:
        if len(data) != count:
            raise ValueError(f"The model expects {count} arrays for `{what}`, but received {len(data)}.")
    else:
        data = [data]
    return [to_array(d, what) for d in data]


def check_input_shapes(arrays, shapes, first_layer_name, names=None):
    """Rank and width against the model's inputs (Keras's _adjust_input_rank: one axis too few
    for an input ending in 1 is added; one trailing axis of 1 too many is squeezed)."""
    out = []
    for k, (array, shape) in enumerate(zip(arrays, shapes)):
        shape = tuple(shape)
        if array.ndim == len(shape) and shape[-1:] == (1,):
            array = array.reshape(array.shape + (1,))
        elif array.ndim == len(shape) + 2 and array.shape[-1] == 1:
            array = array.reshape(array.shape[:-1])
        if array.ndim == 0 or array.shape[1:] != shape:
            received = tuple(array.shape)
            hint = ""
            if array.ndim >= 1 and int(np.prod(array.shape[1:])) == int(np.prod(shape)) and array.ndim != len(shape) + 1:
                hint = " Reshape the data or add a Flatten layer."
            which = f"'{names[k]}' " if names else ""
            raise ValueError(f'Input {k} {which}of layer "{first_layer_name}" is incompatible with the layer: expected '
                             f"shape={(None,) + shape}, found shape={received}.{hint}")
        out.append(array)
    return out


def split_validation(arrays, fraction):
    """The last ``fraction`` of every array, taken before shuffling: (train, validation)."""
    if not 0 < fraction < 1:
        raise ValueError(f"`validation_split` must be in [0, 1). Received: validation_split={fraction}")
    n = len(arrays[0])
    split_at = int(n * (1 - fraction))
    if split_at == 0 or split_at == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to split it into a validation "
                         f"and training set as specified by `validation_split={fraction}`. Either provide more data, "
                         "or a different value for the `validation_split` argument.")
    return [a if a is None else a[:split_at] for a in arrays], [a if a is None else a[split_at:] for a in arrays]
