"""The Breast Cancer Wisconsin (Diagnostic) data set: 569 samples, 30 features, labels
0 = malignant, 1 = benign (UCI Machine Learning Repository, CC BY 4.0; the copy scikit-learn
bundles). Shipped with densekit so its demo and tests run without a download."""

import gzip
from importlib import resources

import numpy as np


def load_arrays():
    """All 569 samples: ``(x float64 (569, 30), y int64 (569,))``."""
    with resources.files(__package__).joinpath("breast_cancer.csv.gz").open("rb") as raw:
        rows = np.loadtxt(gzip.open(raw, "rt"), delimiter=",", skiprows=1)
    return rows[:, :-1], rows[:, -1].astype("int64")


def load_data(test_split=0.2, seed=0):
    """``(x_train, y_train), (x_test, y_test)``, split after a fixed shuffle."""
    x, y = load_arrays()
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    split = int(round(len(x) * (1 - test_split)))
    return (x[:split], y[:split]), (x[split:], y[split:])
