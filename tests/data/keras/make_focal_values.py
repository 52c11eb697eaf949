"""Writes focal_values.json: Keras 3's binary and categorical focal cross-entropies (per sample,
float32) for the cases below (run with Keras 3 installed: python make_focal_values.py).
tests/test_focal_losses.py compares densekit's with these."""

import json
import os

import keras
import numpy as np

RNG = np.random.default_rng(0)
BINARY_Y = RNG.integers(0, 2, (6, 3)).astype(np.float32)
BINARY_LOGITS = (RNG.normal(size=(6, 3)) * 3).astype(np.float32)
BINARY_P = (1 / (1 + np.exp(-BINARY_LOGITS))).astype(np.float32)
CAT_Y = np.eye(4, dtype=np.float32)[RNG.integers(0, 4, 6)]
CAT_LOGITS = (RNG.normal(size=(6, 4)) * 2).astype(np.float32)
CAT_P = (np.exp(CAT_LOGITS) / np.exp(CAT_LOGITS).sum(1, keepdims=True)).astype(np.float32)

BINARY = {
    "defaults": {},
    "gamma=3, apply_class_balancing": {"gamma": 3.0, "apply_class_balancing": True},
    "alpha=0.6, apply_class_balancing, label_smoothing=0.1": {"alpha": 0.6, "apply_class_balancing": True,
                                                              "label_smoothing": 0.1},
    "gamma=0": {"gamma": 0.0},
    "gamma=0.5": {"gamma": 0.5},
}
CATEGORICAL = {
    "defaults": {},
    "gamma=3, alpha=0.5": {"gamma": 3.0, "alpha": 0.5},
    "label_smoothing=0.2": {"label_smoothing": 0.2},
    "gamma=0, alpha=1": {"gamma": 0.0, "alpha": 1.0},
}


def values(fn, y, p, kwargs):
    return np.asarray(fn(y, p, **kwargs), dtype=np.float32).tolist()


def main():
    out = {"keras_version": keras.__version__,
           "binary": {"y": BINARY_Y.tolist(), "logits": BINARY_LOGITS.tolist(), "p": BINARY_P.tolist(), "cases": {}},
           "categorical": {"y": CAT_Y.tolist(), "logits": CAT_LOGITS.tolist(), "p": CAT_P.tolist(), "cases": {}}}
    for name, kwargs in BINARY.items():
        out["binary"]["cases"][name] = {
            "kwargs": kwargs,
            "probabilities": values(keras.losses.binary_focal_crossentropy, BINARY_Y, BINARY_P, kwargs),
            "logits": values(keras.losses.binary_focal_crossentropy, BINARY_Y, BINARY_LOGITS,
                             {**kwargs, "from_logits": True})}
    for name, kwargs in CATEGORICAL.items():
        out["categorical"]["cases"][name] = {
            "kwargs": kwargs,
            "probabilities": values(keras.losses.categorical_focal_crossentropy, CAT_Y, CAT_P, kwargs),
            "logits": values(keras.losses.categorical_focal_crossentropy, CAT_Y, CAT_LOGITS,
                             {**kwargs, "from_logits": True})}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "focal_values.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
