"""Writes activation_values.json: what Keras 3 computes for the activations Keras 3 added beside
the classic ones (run with Keras 3 installed: python make_activation_values.py).
tests/test_activations_added.py compares densekit's float32 results with these."""

import json
import os

import keras
import numpy as np

X = [-3.0, -1.0, -0.75, -0.5, -0.25, 0.0, 0.3, 0.5, 1.0, 2.5, 20.0]
CALLS = {
    "celu": lambda x: keras.activations.celu(x),
    "celu(alpha=2.0)": lambda x: keras.activations.celu(x, alpha=2.0),
    "hard_tanh": lambda x: keras.activations.hard_tanh(x),
    "hard_shrink": lambda x: keras.activations.hard_shrink(x),
    "hard_shrink(threshold=1.0)": lambda x: keras.activations.hard_shrink(x, threshold=1.0),
    "soft_shrink": lambda x: keras.activations.soft_shrink(x),
    "tanh_shrink": lambda x: keras.activations.tanh_shrink(x),
    "log_sigmoid": lambda x: keras.activations.log_sigmoid(x),
    "sparse_plus": lambda x: keras.activations.sparse_plus(x),
    "sparse_sigmoid": lambda x: keras.activations.sparse_sigmoid(x),
    "squareplus": lambda x: keras.activations.squareplus(x),
    "squareplus(b=1)": lambda x: keras.activations.squareplus(x, b=1),
    "threshold(0.3, -2.0)": lambda x: keras.activations.threshold(x, 0.3, -2.0),
}
GLU_X = [[1.0, 2.0, -1.0, 0.5], [0.3, -0.2, 4.0, -3.0]]
# Rows whose sparsemax keeps one value (where Keras's formula and the definition agree), and
# rows that keep several (where they do not).
SPARSEMAX_X = [[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 5.0, 0.0], [0.1, 0.2, 0.3, 0.4], [1.0, 0.5, -1.0, 1.2]]


def values(tensor):
    return np.asarray(tensor, dtype=np.float32).tolist()


def main():
    x = np.array(X, dtype=np.float32)
    out = {
        "keras_version": keras.__version__, "x": X,
        "elementwise": {name: values(call(x)) for name, call in CALLS.items()},
        "glu": {"x": GLU_X, "y": values(keras.activations.glu(np.array(GLU_X, dtype=np.float32)))},
        "sparsemax": {"x": SPARSEMAX_X, "y": values(keras.activations.sparsemax(np.array(SPARSEMAX_X, dtype=np.float32)))},
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "activation_values.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
