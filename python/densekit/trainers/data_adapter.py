"""What users pass to fit / evaluate / predict (x, y, sample_weight, class_weight, validation
data; arrays, lists, pandas, or lists / dicts of those for several inputs or outputs) turned into
the float32 C-ordered arrays the C++ loop reads, matched to the model's inputs and outputs
(keras/src/trainers/data_adapters/). The conversion of one array is utils/arrays.py."""

import math
import numbers

import numpy as np

from densekit.utils import traceback_utils
from densekit.utils.arrays import check_same_length, is_pandas, to_array


def input_arrays(model, x):
    """The model's input arrays, in graph order, from an array, a list/tuple or a dict keyed
    by input names (building the model on its first data if needed)."""
    if x is None:
        raise ValueError("`x` is None: pass the input data.")
    if model._core is None:
        model._build_from_data(x)
    names, shapes = model._input_spec()
    n = len(names)
    network = getattr(model, "_network", None)
    keys = network.input_keys if network is not None and network.input_kind == "dict" else None
    if isinstance(x, dict):
        # A model built from a dict of inputs takes its keys (in graph order, as the names are),
        # else the inputs' names. Keys that match no input are left unused, as Keras leaves them
        # (a feature column the model does not take); named when an input is missing (a typo).
        if keys is not None and (all(k in x for k in keys) or not all(k in x for k in names)):
            names = list(keys)
        missing = [k for k in names if k not in x]
        if missing:
            unknown = [k for k in x if k not in names]
            also = f" (the dict's key(s) {unknown} match no input)" if unknown else ""
            raise ValueError(f"`x` is a dict without the model input(s) {missing}; the model's inputs are "
                             f"{names}{also}.")
        raw = [x[k] for k in names]
        labels = [f"x['{k}']" for k in names]
    elif isinstance(x, (list, tuple)) and (n > 1 or (len(x) == 1 and (hasattr(x[0], "shape")
                                                                      or is_pandas(x[0])))):
        if len(x) != n:
            raise ValueError(f"The model expects {n} input array(s) ({names}), but received a list of {len(x)}.")
        given = network.input_keys_as_given if keys is not None else None
        if keys is not None and given != sorted(keys):
            # Keras matches a list to the dict's keys in sorted order, and refuses one where that is
            # not the order the dict gave them in: the arrays would go to the wrong inputs. A loaded
            # or copied model does not know that order (its file keeps the sorted one): refused too.
            order = f"given as {given}" if given is not None else "of a loaded or copied model, in an order not known"
            raise ValueError(f"The structure of `inputs` doesn't match the expected structure: the model takes a dict "
                             f"of inputs ({order}), and a list is matched to its keys in sorted order {list(keys)}. "
                             "Pass a dict keyed by those names.")
        raw = list(x)
        labels = [f"x[{k}]" for k in range(n)]
    else:
        if n != 1:
            raise ValueError(f"The model has {n} inputs ({names}): pass x as a list of {n} arrays or a dict keyed by "
                             "input names.")
        raw, labels = [x], ["x"]
    xs = [to_array(a, label) for a, label in zip(raw, labels)]
    first = model.name if n > 1 or not model.layers else model.layers[0].name
    return check_input_shapes(xs, shapes, first, names if n > 1 else None)


def target_arrays(model, y):
    """The model's target arrays, in output order, from an array, a list/tuple or a dict keyed by
    output names (or the keys of a dict of outputs). The C++ model checks their lengths."""
    if getattr(model, "_compile_args", None) is not None and model._without_loss():
        if model._graph is not None and not model._graph.has_added_losses:  # (known once built, on the data)
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        if y is None:
            return []  # compiled without a loss: the model's own losses need no targets
    if y is None:
        raise ValueError("Target data `y` is missing: pass the targets to train or evaluate on.")
    names = model.output_names
    keys = model._output_keys
    n = len(names)
    if isinstance(y, dict):
        index = {name: k for k, name in enumerate(names)}
        if keys:
            index.update({key: k for k, key in enumerate(keys)})
        unknown = [k for k in y if k not in index]
        if unknown:
            raise ValueError(f"`y` is a dict with key(s) {unknown} that match no model output; the model's outputs "
                             f"are {names}.")
        raw = [None] * n
        for key, value in y.items():
            raw[index[key]] = value
        missing = [names[k] for k in range(n) if raw[k] is None]
        if missing:
            raise ValueError(f"`y` is a dict without targets for output(s) {missing}; the model's outputs are {names}.")
    elif isinstance(y, (list, tuple)) and (n > 1 or (len(y) == 1 and (hasattr(y[0], "shape")
                                                                      or is_pandas(y[0])))):
        if len(y) != n:
            raise ValueError(f"The model has {n} output(s) ({names}), but `y` is a list of {len(y)} arrays.")
        raw = list(y)
    else:
        if n != 1:
            raise ValueError(f"The model has {n} outputs ({names}): pass y as a list of {n} arrays or a dict keyed by "
                             "output names.")
        raw = [y]
    ys = [to_array(a, "y") for a in raw]
    for k, array in enumerate(ys):
        if array.ndim == 0:  # (Keras fails here with an IndexError)
            which = "`y`" if n == 1 else f"The target of output '{names[k]}'"
            raise ValueError(f"{which} is a scalar (an array of shape ()): pass one target a sample, an array with a "
                             "batch axis such as shape (n,) or (n, 1).")
    _check_position_targets(model, ys)
    return ys


def _check_position_targets(model, ys):
    """For an output of several positions a sample (batch, steps, classes), a target shaped as the
    output, or as it without its last axis (labels), or with a last axis of 1: the C++ core sees
    targets flattened, and would take any array of as many values (Keras refuses the others)."""
    graph = getattr(model, "_graph", None)
    if graph is None or len(graph.output_nodes) != len(ys):
        return
    for y, node in zip(ys, graph.output_nodes):
        shape = tuple(graph.node_shape(node))
        if len(shape) < 2 or y.ndim < 2:
            continue
        if tuple(y.shape[1:]) not in (shape, shape[:-1], shape[:-1] + (1,)):
            raise ValueError("Arguments `target` and `output` must have the same shape. Received: "
                             f"target.shape={(None,) + tuple(y.shape[1:])}, output.shape={(None,) + shape}")


def validation_arrays(model, validation_data):
    """(xs, ys, sample_weight) of validation data given as arrays, (x_val, y_val) or (x_val,
    y_val, val_sample_weight): converted as fit's own x, y and sample_weight are, whatever fit's
    x is (arrays, a generator or a PyDataset)."""
    xs = input_arrays(model, validation_data[0])
    ys = target_arrays(model, validation_data[1])
    sw = sample_weights(validation_data[2]) if len(validation_data) == 3 else None
    return xs, ys, sw


RAN_OUT = ("Your input ran out of data; interrupting training. Make sure that your dataset or generator can generate "
           "at least `steps_per_epoch * epochs` batches.")


def batch_size_for(rows, batch_size, steps):
    """Keras's batch size for `rows` rows of arrays: the one given, else ceil(rows / steps) when
    only a step count is given, else 32 (array_data_adapter.py)."""
    if batch_size is not None:
        return batch_size
    return max(1, math.ceil(rows / steps)) if steps else 32


def array_batches(rows, batch_size, steps):
    """How evaluate and predict batch `rows` rows of arrays, given their `batch_size` and `steps`
    arguments (keras/src/trainers/data_adapters/array_data_adapter.py, epoch_iterator.py):
    (batch size, rows used, the progress bar's step count). Only `steps` given: batches of
    ceil(rows / steps). Both: the first `steps` batches; more steps than batches warns, as Keras
    does when its input runs out, and the bar still counts `steps`."""
    batch_size = batch_size_for(rows, batch_size, steps)
    batches = math.ceil(rows / batch_size)
    if steps is None:
        return batch_size, rows, batches
    if steps > batches:
        traceback_utils.warn(RAN_OUT)
        return batch_size, rows, steps
    return batch_size, min(rows, steps * batch_size), steps


def pass_runs_out(batches, steps_per_epoch, epochs):
    """Whether a pass over `batches` batches runs out inside one of `epochs` epochs of
    `steps_per_epoch` batches (each going on where the previous one stopped): Keras warns then."""
    position = 0
    for _ in range(max(0, min(epochs, batches))):  # the positions repeat within `batches` epochs
        if steps_per_epoch > batches - position:
            return True
        position = (position + steps_per_epoch) % batches
    return False


def sample_weights(sample_weight):
    """One weight per sample (or per position of the outputs, a row a sample), or None."""
    if sample_weight is None:
        return None
    # Arrays inside the list are one per output; scalars (NumPy's have a shape too, ()) are one
    # weight per sample, as Python numbers are.
    if isinstance(sample_weight, (dict, list, tuple)) and sample_weight and all(
            is_pandas(w) or getattr(w, "ndim", 0) > 0
            for w in (sample_weight.values() if isinstance(sample_weight, dict) else sample_weight)):
        raise ValueError("densekit takes one `sample_weight` array, applied to every output; per-output sample "
                         "weights are not supported.")
    weights = to_array(sample_weight, "sample_weight")
    if weights.ndim >= 2:  # (batch, 1), or a weight a position: (batch, steps)
        return weights.reshape(len(weights), -1)  # rows stay samples, for the splits and the C++ model's checks
    return weights.reshape(-1)  # its length: checked by the C++ model


def class_weight_pairs(class_weight):
    """``class_weight`` ({class index: weight}) as the (index, weight) pairs the C++ loop takes."""
    if not isinstance(class_weight, dict):
        raise ValueError(f"`class_weight` must be a dict mapping class indices to weights. Received: {class_weight!r}")
    pairs = []
    for key, value in class_weight.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"`class_weight` must map class indices to numbers; class {key} has {value!r}.")
        # Keras looks each label up as class_weight.get(int(label)): a key equal to an integer
        # (np.float32(1.0) from np.unique of float labels) is that class, and any other key (0.5,
        # a string) matches no label, silently (keras/src/trainers/data_adapters/data_adapter_utils.py).
        if isinstance(key, numbers.Real) and np.isfinite(key) and key == int(key) and abs(key) < 2**62:
            pairs.append((int(key), float(value)))
    return pairs


def train_validation_split(xs, ys, sw, fraction):
    """((x, y, sample_weight) to train on, the same to validate on): the last ``fraction``. The
    arrays must have one length to be split at one place."""
    check_same_length(xs + ys + ([] if sw is None else [sw]), "x, y and sample_weight")
    train_x, val_x = split_validation(xs, fraction)
    train_y, val_y = split_validation(ys, fraction)
    (train_w,), (val_w,) = split_validation([sw], fraction) if sw is not None else ((None,), (None,))
    return (train_x, train_y, train_w), (val_x, val_y, val_w)


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


def first_batches(data, steps, batch_size):
    """The (xs, ys, sample_weight) arrays cut to their first ``steps`` batches (all of them for
    None): Keras validates on validation_steps batches of arrays too."""
    if data is None or not steps:
        return data
    rows = int(steps) * int(batch_size)
    xs, ys, sw = data
    return [x[:rows] for x in xs], [y[:rows] for y in ys], None if sw is None else sw[:rows]


def split_validation(arrays, fraction):
    """The last ``fraction`` of every array, taken before shuffling: (train, validation)."""
    if isinstance(fraction, bool) or not isinstance(fraction, numbers.Real):  # ("0.5" < 1: a bare TypeError)
        raise TypeError(f"`validation_split` must be a number in [0, 1). Received: validation_split={fraction!r}")
    if not 0 < fraction < 1:
        raise ValueError(f"`validation_split` must be in [0, 1). Received: validation_split={fraction}")
    n = len(arrays[0])
    split_at = int(n * (1 - fraction))
    if split_at == 0 or split_at == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to split it into a validation "
                         f"and training set as specified by `validation_split={fraction}`. Either provide more data, "
                         "or a different value for the `validation_split` argument.")
    return [a if a is None else a[:split_at] for a in arrays], [a if a is None else a[split_at:] for a in arrays]
