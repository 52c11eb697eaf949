"""Loss and metric settings in a Keras file's compile config that densekit does not compute.

Keras saves a loss or metric object with all its constructor arguments
(``get_config`` in keras/src/metrics/confusion_metrics.py, keras/src/losses/losses.py; tf.keras
2.x the same in its training_config). densekit's compile-config reader takes the settings its
classes have (a threshold, ``k``, ``from_logits`` of a loss, ...) and does not look at the
others, so an ``AUC(curve="PR")`` would come back as a ROC AUC reported under Keras's name, a
``Precision(top_k=1)`` as a thresholded precision. Such a file is refused here, naming the
object and the setting, unless the setting has the value densekit computes with.
"""

from densekit.saving.keras_layout import KerasFileError

# class name -> {setting: the value densekit computes with, or a tuple of them}. Settings not
# listed are either read (threshold, k, num_thresholds, AUC's from_logits, summation_method,
# multi_label and num_labels, a loss's from_logits, label_smoothing, delta, reduction) or do not
# change the value (name, dtype).
_METRICS = {
    "AUC": {"curve": ("ROC", "PR"), "thresholds": None, "label_weights": None},
    "Precision": {"top_k": None, "class_id": None},
    "Recall": {"top_k": None, "class_id": None},
    # crossentropy metrics are densekit's loss functions as metrics (from_logits and label_smoothing read)
    "BinaryCrossentropy": {"axis": -1},
    "CategoricalCrossentropy": {"axis": (-1, 1)},
    "SparseCategoricalCrossentropy": {"ignore_class": None, "axis": (-1, 1)},
}
_LOSSES = {
    "BinaryCrossentropy": {"axis": -1},
    "CategoricalCrossentropy": {"axis": -1},
    "SparseCategoricalCrossentropy": {"ignore_class": None},
    "CosineSimilarity": {"axis": -1},
}


def _objects(value):
    """The class dicts in a compile argument: one, a list (per output, or of metrics), or a dict
    keyed by output name; strings and None are names densekit resolves itself."""
    if isinstance(value, dict) and "class_name" in value:
        yield value
    elif isinstance(value, dict):
        for entry in value.values():
            yield from _objects(entry)
    elif isinstance(value, list):
        for entry in value:
            yield from _objects(entry)


def _check(entry, table, kind, source):
    class_name = entry.get("class_name")
    config = entry.get("config") if isinstance(entry.get("config"), dict) else {}
    for setting, value in table.get(class_name, {}).items():
        if setting in config and config[setting] not in (value if isinstance(value, tuple) else (value,)):
            supported = ", ".join(f"{k}={v!r}" for k, v in table[class_name].items())
            raise KerasFileError(
                f"{source}: {kind} '{config.get('name', class_name)}' ({class_name}) has "
                f"{setting}={config[setting]!r}, which densekit does not compute (its {class_name} takes {supported}): "
                f"it would report another value under Keras's name. Load the model with compile=False and compile "
                f"it with a {kind} densekit has.")


def check(compile_config, source):
    """Refuses a compile config whose losses or metrics have settings densekit would drop."""
    for entry in _objects(compile_config.get("loss")):
        _check(entry, _LOSSES, "loss", source)
    for key in ("metrics", "weighted_metrics"):
        for entry in _objects(compile_config.get(key)):
            _check(entry, _METRICS, "metric", source)
