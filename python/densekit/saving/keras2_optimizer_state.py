"""tf.keras 2.x optimizer state (the ``optimizer_weights`` group of a legacy ``.h5``) in Keras 3's
order, so keras_optimizer_state.py pairs it with densekit's slots as it pairs a Keras 3 file's.

tf.keras 2.x wrote two layouts, one per optimizer generation (both saved by
``save_optimizer_weights_to_hdf5_group`` in keras/src/saving/legacy/hdf5_format.py, Keras 2.15):

- tf.keras.optimizers.* (keras/src/optimizers/optimizer.py, the default from TF 2.11):
  ``iteration:0``, then ``<optimizer>/<slot>/<layer>/<weight>:0`` in the order ``build`` made
  them (Keras 3's order: the same families, interleaving where Keras 3 does). No learning-rate
  variable: the rate is in the optimizer's config.
- tf.keras.optimizers.legacy.* (OptimizerV2, keras/src/optimizers/legacy/, the default up to
  TF 2.10): ``<optimizer>/iter:0``, then ``<optimizer>/<layer>/<weight>/<slot>:0``, each slot
  for every weight before the next slot (``_create_slots``), under older slot names.

Keras itself reloads optimizer weights by position (``optimizer.set_weights``), the k-th
variable of a slot belonging to the model's k-th trainable weight; so does this module. The
names serve only to tell the slots apart, which also checks that the file's optimizer is the
family its config says.
"""

import numpy as np

from densekit.saving import keras_optimizer_state

# Keras 2 slot name -> Keras 3 (and densekit) slot name, per family and generation: the names
# given to ``add_variable_from_reference`` in keras/src/optimizers/<family>.py, and to
# ``add_slot`` in keras/src/optimizers/legacy/<family>.py (Keras 2.15). "average" is the base
# class's use_ema copy (keras/src/optimizers/optimizer.py, ``build``).
_CURRENT = {
    "Adam": {"m": "momentum", "v": "velocity", "vhat": "velocity_hat"},
    "AdamW": {"m": "momentum", "v": "velocity", "vhat": "velocity_hat"},
    "SGD": {"m": "momentum"},
    "RMSprop": {"velocity": "velocity", "momentum": "momentum", "average_gradient": "average_gradient"},
    "Adagrad": {"accumulator": "accumulator"},
    "Adadelta": {"accumulated_grad": "accumulated_grad", "accumulated_delta_var": "accumulated_delta_var"},
    "Adamax": {"m": "momentum", "u": "norm"},
    "Nadam": {"m": "momentum", "v": "velocity"},
    "Ftrl": {"accumulator": "accumulator", "linear": "linear"},
    "Lion": {"m": "momentum"},
}
_LEGACY = {
    "Adam": {"m": "momentum", "v": "velocity", "vhat": "velocity_hat"},
    "SGD": {"momentum": "momentum"},
    "RMSprop": {"rms": "velocity", "momentum": "momentum", "mg": "average_gradient"},
    "Adagrad": {"accumulator": "accumulator"},
    "Adadelta": {"accum_grad": "accumulated_grad", "accum_var": "accumulated_delta_var"},
    "Adamax": {"m": "momentum", "v": "norm"},
    "Nadam": {"m": "momentum", "v": "velocity"},
    "Ftrl": {"accumulator": "accumulator", "linear": "linear"},
}
# Legacy Nadam's running product of its momentum factors, an optimizer weight. It is not
# carried over: that Nadam's schedule is not Keras 3's (0.96 ** (0.004 * t) where Keras 3 and
# tf.keras 2.11+ take 0.96 ** t), so its product is not the ``u_product`` densekit's Nadam
# (Keras 3's) continues from; that restarts at 1, as when Keras 3 reloads its own Nadam.
_LEGACY_NADAM_PRODUCT = "momentum_cache"


def _bare(name):
    return name[:-2] if name.endswith(":0") else name


def is_keras2_layout(names):
    """Whether an ``optimizer_weights`` list is tf.keras 2.x's (Keras 3's starts ``<opt>/iteration``)."""
    return bool(names) and (_bare(names[0]) == "iteration" or _bare(names[0]).endswith("/iter"))


def to_keras3_order(class_name, config, names, values):
    """Keras 3's variable list (iteration, learning rate, slots) of tf.keras 2.x's ``names`` and
    ``values``, or None when they are not a ``class_name`` optimizer's with this ``config``
    (then the model gets a fresh optimizer, as keras_files.py warns)."""
    legacy = _bare(names[0]).endswith("/iter")
    slot_map = (_LEGACY if legacy else _CURRENT).get(class_name)
    if slot_map is None:
        return None
    if not legacy:
        slot_map = {**slot_map, "average": "average"}
    by_slot = {}
    for name, value in zip(names[1:], values[1:]):
        parts = _bare(name).split("/")
        if legacy and class_name == "Nadam" and parts[-1] == _LEGACY_NADAM_PRODUCT and len(parts) == 2:
            continue
        slot = parts[-1] if legacy else (parts[1] if len(parts) > 2 else None)
        if slot not in slot_map:
            return None
        by_slot.setdefault(slot_map[slot], []).append(value)
    if not by_slot:  # saved before the first step, or an optimizer without slots (SGD without momentum)
        return [values[0]] + _rate(config)
    groups = keras_optimizer_state.keras_groups(class_name, config)
    counts = {len(v) for v in by_slot.values()}
    if sorted(by_slot) != sorted(slot for group in groups for slot in group) or len(counts) > 1:
        return None
    count = counts.pop()
    ordered = [by_slot[slot][k] for group in groups for k in range(count) for slot in group]
    return [values[0]] + _rate(config) + ordered


def _rate(config):
    """Keras 3's learning-rate variable, which tf.keras 2.x kept in the config only."""
    if keras_optimizer_state.has_learning_rate_variable(config):
        return [np.float32(config.get("learning_rate", 0.001))]
    return []
