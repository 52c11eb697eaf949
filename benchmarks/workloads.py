"""The benchmark workloads (issue 6), with float32 data from fixed seeds; shared by the
pytest-benchmark suite and by compare.py."""

import numpy as np


def mnist_shaped(n=60000, seed=0):
    """W1 data: 60000 x 784 random float32 in [0, 1), 10 integer classes."""
    rng = np.random.default_rng(seed)
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n).astype(np.float32)


def breast_cancer_scaled():
    """W2 data: the 455 training rows of the breast-cancer tutorial, standardised."""
    from densekit.__main__ import load_breast_cancer_split

    x_train, _, y_train, _ = load_breast_cancer_split()
    return x_train.astype(np.float32), y_train.astype(np.float32)


def regression(n=16512, seed=0):
    """W3 data: 16512 x 8 (California-housing shaped), a smooth nonlinear target."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype(np.float32)
    y = (np.sin(x[:, 0]) + 0.5 * x[:, 1] * x[:, 2] - 0.3 * x[:, 3] ** 2 + 0.1 * rng.normal(size=n)).astype(np.float32)
    return x, y


# (layer sizes, hidden activation, output activation, loss)
W1 = ((784, 300, 100, 10), "relu", "softmax", "sparse_categorical_crossentropy")
W2 = ((30, 30, 15, 1), "relu", "sigmoid", "binary_crossentropy")
W3 = ((8, 32, 32, 1), "relu", "linear", "mse")


def densekit_model(spec, seed=0):
    import densekit as keras

    sizes, hidden, out, loss = spec
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((sizes[0],))]
                             + [keras.layers.Dense(n, activation=hidden) for n in sizes[1:-1]]
                             + [keras.layers.Dense(sizes[-1], activation=out)])
    model.compile(optimizer="adam", loss=loss)
    return model
