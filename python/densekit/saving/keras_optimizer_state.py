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


# Families whose build() adds their first two slots in one add_optimizer_variables call, which
# interleaves them per model variable; the others add one slot per call.
_PAIRED_FIRST_SLOTS = {"Adam", "AdamW", "Adadelta", "Adamax", "Nadam"}


def _family_groups(class_name, config):
    """The slot groups a family's build() adds, in order; the names of one group interleave. The
    slots themselves are the optimizer rule's (which depend on its config, e.g. SGD without momentum has none)."""
    try:
        core_config = _core.OptimizerConfig.from_json(json.dumps({"class_name": class_name, "config": config}))
    except ValueError as error:
        raise ValueError(f"Optimizer '{class_name}' is not one densekit has (SGD, Adam, AdamW, RMSprop, Adagrad, "
                         f"Adadelta, Adamax, Nadam), or its config is not valid: {error}") from None
    slots = _core.Optimizer(core_config).slot_names()
    if class_name in _PAIRED_FIRST_SLOTS:
        return [tuple(slots[:2])] + [(s,) for s in slots[2:]]
    return [(s,) for s in slots]


def keras_groups(class_name, config):
    """The slot groups Keras's build() adds, in order (the names in one group interleave)."""
    base = [("average",)] if config.get("use_ema") else []
    if config.get("gradient_accumulation_steps"):
        base.append(("gradient_accumulator",))
    return base + _family_groups(class_name, config)


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


def to_native(class_name, config, trainable_paths, keras_vars):
    """(native optimizer tensors, the saved learning rate or None) from Keras's variable list
    (an optimizer that has not stepped yet: no tensors, its iteration count being 0), or None when the list does not have the shape this optimizer and model give (an optimizer
    saved before it was built, or for other weights): then the caller restores none of it."""
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
    for name, value in zip(names, keras_vars):
        if name is None:
            if np.asarray(value).dtype.kind == "f":  # the learning rate (not the unstepped iteration)
                learning_rate = float(np.asarray(value).reshape(()))
        elif name == "optimizer/iterations":
            tensors[name] = np.asarray(value, dtype=np.int64).reshape(())
        elif name == NADAM_PRODUCT:  # a float32 variable in Keras, a float64 scalar in densekit
            tensors[name] = np.float64(np.asarray(value).reshape(()))
        else:
            tensors[name] = np.asarray(value, dtype=np.float32)
    if class_name == "Nadam":
        tensors.setdefault(NADAM_PRODUCT, np.float64(1.0))
    return tensors, learning_rate


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
