"""Class labels <-> what a classifier model trains on and outputs (numpy glue, no model math).

The Keras 3 wrapper one-hot encodes every target, so the model must have one output unit per
class. densekit also trains the two other shapes tutorials build (docs/sklearn.md):
- one sigmoid unit for two classes: targets are a 0/1 column;
- ``sparse_categorical_crossentropy``: targets are the class indices.
"""

import numpy as np


def check_class_labels(y, wrapper):
    """Raises ValueError unless the 1-D y holds class labels (what scikit-learn's type_of_target
    calls binary or multiclass): integers, booleans, strings, or floats without fractions."""
    kind = y.dtype.kind
    if kind in "biuUS" or (kind == "f" and np.array_equal(y, np.round(y))):
        return
    if kind == "O":
        strings = sum(isinstance(label, str) for label in y)
        if 0 < strings < len(y):  # strings and numbers do not sort: type_of_target's np.unique fails
            raise _mixed_labels(y)
    from sklearn.utils.multiclass import type_of_target  # the rare case: let scikit-learn name it

    target_type = type_of_target(y, input_name="y")
    if target_type == "unknown":
        raise ValueError(f"Unknown label type for y: labels must be numbers, strings or booleans. Received: {y!r}")
    if target_type not in ("binary", "multiclass"):
        raise ValueError(f"Unknown label type: {wrapper} supports binary and multiclass targets; y is "
                         f"{target_type!r}. For continuous targets use SKLearnRegressor.")


def encode_labels(y):
    """(classes_, class index of each sample): classes sorted as np.unique sorts them, for
    string, integer, float or boolean labels."""
    try:
        classes, indices = np.unique(y, return_inverse=True)
    except TypeError:  # an object array whose labels cannot be sorted together: "a" < 1
        raise _mixed_labels(y) from None
    if len(classes) < 2:
        raise ValueError(f"Classifier can't train when only one class is present: every label is {classes[0]!r}.")
    return classes, indices.reshape(-1)


def _shown(values, most=10):
    distinct = list(dict.fromkeys(values.tolist()))
    return "[" + ", ".join(map(repr, distinct[:most])) + (", ...]" if len(distinct) > most else "]")


def _mixed_labels(y):
    types = sorted({type(label).__qualname__ for label in y})
    return ValueError(f"Labels must be uniformly strings or numbers (all strings or all numbers). Got {types}")


def class_indices(y, classes, what):
    """The index in the sorted ``classes`` of each of y's labels; a ValueError naming the labels
    that are not among them (``what``: where y comes from)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{what}'s y must be one class label per sample, of shape (n,); received shape {y.shape}.")
    try:
        indices = np.searchsorted(classes, y)
        known = np.asarray(classes[np.minimum(indices, len(classes) - 1)] == y, dtype=bool)
    except TypeError:  # labels that do not compare with classes_ (numbers against strings)
        indices, known = None, np.zeros(len(y), dtype=bool)
    if known.shape != y.shape:  # older NumPy: one False for arrays of kinds it cannot compare
        known = np.zeros(len(y), dtype=bool)
    if not known.all():
        raise ValueError(f"{what}'s y holds labels that are not in classes_ (the labels fit's y holds: "
                         f"{_shown(classes)}): {_shown(y[~known])}")
    return indices


def one_hot(indices, n_classes):
    return np.eye(n_classes, dtype=np.float32)[indices]


# Losses that compare whole rows of class probabilities: of one column they are constant (a
# categorical cross-entropy of one unit is 0 whatever the model says), so nothing trains.
_ROW_LOSSES = {"categorical_crossentropy", "categorical_focal_crossentropy", "categorical_hinge", "kl_divergence"}


def training_targets(indices, n_classes, units, loss_name, wrapper, activation=None):
    """What the model trains on, for a model with ``units`` output units compiled with the loss
    ``loss_name`` and ending in ``activation``; a clear error when the model cannot fit
    ``n_classes`` classes (Keras's wrapper, which always trains on one-hot targets, refuses
    every one-unit model with its shape mismatch)."""
    if loss_name == "sparse_categorical_crossentropy":
        if units != n_classes:
            raise ValueError(f"{wrapper}: the model's last layer has {units} units but y has {n_classes} classes; "
                             f"with sparse_categorical_crossentropy it needs {n_classes} (one per class).")
        return indices.astype(np.int32)
    if units == n_classes:
        return one_hot(indices, n_classes)
    if units == 1 and n_classes == 2:
        if loss_name in _ROW_LOSSES or activation == "softmax":
            raise ValueError(f"{wrapper}: one output unit for two classes trains on 0/1 targets, with a sigmoid and a "
                             f"binary loss (binary_crossentropy); this model has activation {activation!r} and loss "
                             f"{loss_name!r}, with which it would learn nothing (a softmax of one unit is always 1, "
                             "a categorical loss of one column is constant). Use 1 sigmoid unit with "
                             "binary_crossentropy, or 2 softmax units with categorical_crossentropy.")
        return indices.astype(np.float32).reshape(-1, 1)
    advice = f"{n_classes} units (softmax)" + (", or 1 sigmoid unit" if n_classes == 2 else "")
    raise ValueError(f"{wrapper}: the model's last layer has {units} units but y has {n_classes} classes; the model "
                     f"needs {advice}. In a model function, take the unit count from y: y.shape[1] is the number "
                     "of classes (y arrives one-hot encoded).")


def probabilities(outputs):
    """(n, n_classes) class probabilities from the model's outputs: a single sigmoid column p
    becomes [1 - p, p]."""
    if outputs.shape[1] == 1:
        return np.hstack([1.0 - outputs, outputs])
    return outputs


def labels(outputs, classes):
    """The predicted labels: the most probable class (p > 0.5 for one sigmoid unit)."""
    if outputs.shape[1] == 1:
        return classes[(outputs[:, 0] > 0.5).astype(np.intp)]
    return classes[np.argmax(outputs, axis=1)]
