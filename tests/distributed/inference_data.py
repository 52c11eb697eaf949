"""The model and data the Dask and Ray inference tests predict with."""

import numpy as np
import densekit as keras

ROWS, FEATURES, CLASSES = 3000, 20, 3


def model_and_data():
    """A model, 3,000 rows and the model's local predictions, for the Dask and Ray recipes."""
    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((FEATURES,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(CLASSES, activation="softmax")])
    x = np.random.default_rng(6).normal(size=(ROWS, FEATURES)).astype("float32")
    return model, x, model.predict(x, verbose=0)
