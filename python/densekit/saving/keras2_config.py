"""tf.keras 2.x's config forms in Keras 3's, where densekit's config reader (which follows Keras 3)
would refuse them: a legacy ``.h5`` written by tf.keras 2.x holds its ``model_config`` and
``training_config`` as tf.keras 2.x serialized them (keras/src/saving/legacy/ in Keras 2.15).
Keras 3 accepts most of these forms itself when it reads such a file
(keras/src/legacy/saving/saving_utils.py, ``compile_args_from_training_config``); densekit
translates them once, here, and reads the rest as a Keras 3 config.
"""

import warnings

from densekit import _core
from densekit.saving import keras_layout

# Keras's built-in optimizers: tf.keras 2.11+ serialized its (new) optimizers registered as
# "Custom>Adam", ... (keras/src/optimizers/optimizer.py in Keras 2.15, register_keras_serializable).
_KERAS_OPTIMIZERS = ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl", "Lion",
                     "Adafactor")


def _keras3_node(node):
    """A tf.keras 2.x inbound node, ``[[layer, node_index, tensor_index, kwargs], ...]``, in
    Keras 3's form: ``{"args": [tensor or [tensors]], "kwargs": {...}}`` with each tensor a
    ``__keras_tensor__`` naming its ``keras_history`` (keras/src/models/functional.py reads both)."""
    if not isinstance(node, list):
        return node
    for t in node:
        if not (isinstance(t, list) and len(t) in (3, 4) and isinstance(t[0], str)):
            raise keras_layout.KerasFileError(f"A tf.keras 2.x inbound node names {t!r}, not [layer name, node index, "
                                              "tensor index, kwargs].")
    tensors = [{"class_name": "__keras_tensor__", "config": {"keras_history": list(t[:3])}} for t in node]
    kwargs = node[0][3] if node and len(node[0]) > 3 and isinstance(node[0][3], dict) else {}
    return {"args": [tensors[0] if len(tensors) == 1 else tensors], "kwargs": kwargs}


def keras3_model_config(serialized):
    """``serialized`` with inbound nodes as nested lists and BatchNormalization's built ``axis``
    as a one-element list (tf.keras 2.x turned ``-1`` into ``[1]`` when the layer was built) in
    Keras 3's forms."""
    for entry in serialized["config"]["layers"]:
        if entry.get("class_name") in keras_layout.NESTED_MODEL_CLASSES and isinstance(entry.get("config"), dict):
            keras3_model_config(entry)
        if isinstance(entry.get("inbound_nodes"), list):
            entry["inbound_nodes"] = [_keras3_node(node) for node in entry["inbound_nodes"]]
        config = entry.get("config")
        if entry.get("class_name") == "BatchNormalization" and isinstance(config, dict):
            axis = config.get("axis")
            if isinstance(axis, list) and len(axis) == 1:
                config["axis"] = axis[0]
    return serialized


def _metric(entry, known):
    """A metric tf.keras 2.x was given by name, which it saved as a ``MeanMetricWrapper`` of its
    function under that name (``{"name": "mae", "fn": "mean_absolute_error"}``), as the name
    (Keras 3 saves the string); per-output lists of them keep their shape."""
    if isinstance(entry, list):
        return [_metric(e, known) for e in entry]
    if isinstance(entry, dict) and entry.get("class_name") == "MeanMetricWrapper":
        config = entry.get("config") or {}
        return config.get("name") if config.get("name") in known else config.get("fn")
    return entry


def compile_config(training, source):
    """Keras 3's compile config from a legacy ``training_config`` (its optimizer is under
    ``optimizer_config``; tf.keras 2.x keys Keras 3 no longer has are dropped)."""
    optimizer = dict(training.get("optimizer_config") or {})
    class_name = optimizer.get("class_name")
    if isinstance(class_name, str) and class_name.startswith("Custom>") and class_name[7:] in _KERAS_OPTIMIZERS:
        class_name = class_name[7:]
    config = dict(optimizer.get("config") or {})
    if "lr" in config and "learning_rate" not in config:
        config["learning_rate"] = config.pop("lr")
    decay = config.pop("decay", 0.0)
    if decay and class_name != "Nadam":  # legacy Nadam's `decay` is its momentum schedule's, not a rate decay
        warnings.warn(f"{source}: its tf.keras 2.x {class_name} decays the learning rate as lr / (1 + {decay} * "
                      f"iterations); Keras 3 and densekit have no `decay` argument, so training continues at the "
                      f"learning rate {config.get('learning_rate')}.", UserWarning, stacklevel=5)
    for legacy_key in ("jit_compile", "is_legacy_optimizer"):
        config.pop(legacy_key, None)
    out = {key: training.get(key) for key in ("loss", "loss_weights", "metrics", "weighted_metrics")}
    known = set(_core.Metric.names())
    for key in ("metrics", "weighted_metrics"):
        out[key] = _metric(out[key], known)
    out["optimizer"] = {"module": "keras.optimizers", "class_name": class_name, "config": config,
                        "registered_name": None}
    return out
