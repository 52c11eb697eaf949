"""An optimizer's variables in Keras's order and in densekit's names.

Keras saves an optimizer as one flat list (``optimizer/vars/<i>`` in a ``.keras`` archive, the
``optimizer_weights`` group of a legacy ``.h5``): ``iteration``, then ``learning_rate`` when the
rate is a float (a schedule is not a variable), then what ``build()`` adds. The base class adds
its groups first (``average`` with use_ema, ``gradient_accumulator`` with
gradient_accumulation_steps), then each family's ``build`` calls ``add_optimizer_variables``;
one call with several names interleaves them per model variable (momentum_0, velocity_0,
momentum_1, ...). See ``build`` in keras/src/optimizers/base_optimizer.py and adam.py,
rmsprop.py, ... beside it.

densekit's native file names the same values ``optimizer/iterations`` and
``optimizer/<slot>/<layer>/<weight>`` (docs/format.md). This module only pairs the two lists.
"""

import json

import numpy as np

from densekit import _core
from densekit.saving import native_bytes
from densekit.saving.keras_layout import KerasFileError


class SlotShapeError(KerasFileError):
    """An optimizer slot whose shape in the file is not its weight's in the model."""


# Families whose build() adds their first two slots in one add_optimizer_variables call, which
# interleaves them per model variable; the others add one slot per call.
_PAIRED_FIRST_SLOTS = {"Adam", "AdamW", "Adadelta", "Adamax", "Nadam", "Ftrl", "Lamb"}


def _rule_slots(class_name, config):
    """The update rule's slot names (which depend on its config: SGD without momentum has none)."""
    try:
        core_config = _core.OptimizerConfig.from_json(json.dumps({"class_name": class_name, "config": config}))
    except ValueError as error:
        raise ValueError(f"Optimizer '{class_name}' is not one densekit has (SGD, Adam, AdamW, RMSprop, Adagrad, "
                         f"Adadelta, Adamax, Nadam, Ftrl, Lion, Lamb), or its config is not valid: {error}") from None
    return _core.Optimizer(core_config).slot_names()


def slot_groups(class_name, rule_slots, use_ema, accumulates):
    """The slot groups Keras's build() adds, in order (the names in one group interleave): the
    base class's, then the family's."""
    groups = [("average",)] if use_ema else []
    if accumulates:
        groups.append(("gradient_accumulator",))
    if class_name in _PAIRED_FIRST_SLOTS:
        return groups + [tuple(rule_slots[:2])] + [(s,) for s in rule_slots[2:]]
    return groups + [(s,) for s in rule_slots]


def keras_groups(class_name, config):
    """The slot groups Keras's build() adds for an optimizer of this config."""
    return slot_groups(class_name, _rule_slots(class_name, config), config.get("use_ema"),
                       config.get("gradient_accumulation_steps"))


def has_learning_rate_variable(config):
    """A float learning rate is a variable Keras saves; a schedule is not."""
    return not isinstance(config.get("learning_rate"), dict)


def keras_order(class_name, config, trainable_paths):
    """The native tensor name of each Keras optimizer variable, in Keras's order (None for the
    learning-rate variable, which densekit keeps in the compile config). ``trainable_paths``:
    the model's trainable weights as ``layer/weight``, in the model's order."""
    names = ["optimizer/iterations"] + ([None] if has_learning_rate_variable(config) else [])
    for group in keras_groups(class_name, config):
        names += [f"optimizer/{slot}/{path}" for path in trainable_paths for slot in group]
    if class_name == "Nadam":
        names.append(NADAM_PRODUCT)  # the running product of momentum factors, last (Keras 3.15)
    return names


NADAM_PRODUCT = "optimizer/u_product"


def to_native(class_name, config, trainable_paths, keras_vars, weight_shapes, source):
    """(native optimizer tensors, the saved learning rate or None) from Keras's variable list
    (an optimizer that has not stepped yet: no tensors, its iteration count being 0), or None
    when the list does not have the shape this optimizer and model give (an optimizer saved
    before it was built, or for other weights): then the caller restores none of it.
    ``keras_vars``: keras_reader.StoredArrays (or arrays), each read only once its declared
    dtype and shape are found to be those the model gives it (``weight_shapes``: the model's
    weights' shapes by ``layer/weight``); a SlotShapeError (or another KerasFileError) naming
    the variable when they are not."""
    names = keras_order(class_name, config, trainable_paths)
    prefix = 2 if has_learning_rate_variable(config) else 1
    if len(keras_vars) == prefix and len(names) > prefix:
        # Saved before its first step: Keras had created only these; the slots start at zero.
        names = [None] * prefix
    elif class_name == "Nadam" and len(keras_vars) == len(names) - 1:
        # Keras before 3.15 did not save the momentum product (an untracked variable): a model it
        # reloaded started the product again at 1, and so does densekit.
        names = names[:-1]
    if len(keras_vars) != len(names):
        return None
    tensors, learning_rate = {}, None
    for index, (name, value) in enumerate(zip(names, keras_vars)):
        what = f"{source}: optimizer variable {index} ({name or ('iteration' if index == 0 else 'learning_rate')})"
        array = _read_checked(value, _expected_shape(name, weight_shapes), what)
        if name is None:
            if array.dtype.kind == "f":  # the learning rate (not the unstepped iteration)
                learning_rate = float(array.reshape(()))
                if not np.isfinite(learning_rate):
                    raise KerasFileError(f"{what} is {learning_rate}, not a learning rate to continue with.")
        elif name == "optimizer/iterations":
            tensors[name] = np.asarray(array, dtype=np.int64).reshape(())
        elif name == NADAM_PRODUCT:  # a float32 variable in Keras, a float64 scalar in densekit
            tensors[name] = np.float64(array.reshape(()))
        else:  # a slot: read as the native file is written
            tensors[name] = native_bytes.Lazy(array, np.float32) if hasattr(array, "read") else np.asarray(
                array, dtype=np.float32)
    if class_name == "Nadam":
        tensors.setdefault(NADAM_PRODUCT, np.float64(1.0))
    return tensors, learning_rate


def _expected_shape(name, weight_shapes):
    """The shape the model gives a native optimizer tensor: a slot's weight's; () for the
    iteration count, the learning rate and Nadam's product."""
    if name is None or name in ("optimizer/iterations", NADAM_PRODUCT):
        return ()
    return tuple(weight_shapes[name.split("/", 2)[2]])  # optimizer/<slot>/<layer>/<weight>


def _read_checked(value, expected, what):
    """The values of one of the file's optimizer variables, read only once its declared dtype
    and shape are the expected ones: a few KB of HDF5 can declare any size (docs/security.md)."""
    if value.dtype.kind not in "fiub":
        raise KerasFileError(f"{what} holds {value.dtype} values, not numbers.")
    shape = value.shape
    if expected == () and (shape is None or int(np.prod(shape)) != 1):
        raise KerasFileError(f"{what} has shape {shape} in the file; it is one number.")
    if expected != () and shape != expected:
        raise SlotShapeError(f"{what} has shape {shape} in the file; its weight has {expected} in the model.")
    # a keras_reader.StoredArray (a slot's is read later, as it is written), or tf.keras 2.x's
    # learning rate, which keras2_optimizer_state takes from the optimizer's config
    if expected != () and hasattr(value, "read"):
        return value
    return np.asarray(value.read() if hasattr(value, "read") else value)


def from_native(class_name, config, trainable_paths, tensors, learning_rate):
    """Keras's variable list from the native optimizer tensors, or just the iteration (and the
    learning rate) for an optimizer that has not taken a step yet: Keras creates those with the
    optimizer and the rest on its first step."""
    names = keras_order(class_name, config, trainable_paths)
    prefix = 2 if has_learning_rate_variable(config) else 1
    if "optimizer/iterations" not in tensors:
        names = names[:prefix]
    out = []
    for name in names:
        if name is None:
            out.append(np.float32(learning_rate))
        elif name == "optimizer/iterations":
            out.append(np.int64(tensors.get(name, 0)))
        elif name == NADAM_PRODUCT:
            out.append(np.float32(tensors.get(name, 1.0)))
        elif name in tensors:
            out.append(tensors[name])
        else:
            raise ValueError(f"densekit's optimizer state has no '{name}', which Keras's layout needs: the "
                             "optimizer's configuration and its state disagree.")
    return out
