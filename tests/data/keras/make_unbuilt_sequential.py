"""Writes unbuilt_sequential.keras: a Sequential with no Input, compiled but never built, saved
by Keras itself (Keras saves it with a warning, and no weights; its first fit builds it).

Run with real Keras (Keras 3 with the TensorFlow backend), not densekit:

    /work/venv-keras/bin/python tests/data/keras/make_unbuilt_sequential.py
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import warnings  # noqa: E402

import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

model = keras.Sequential([keras.layers.Dense(4, activation="relu", name="hidden"), keras.layers.Dense(1, name="out")],
                         name="unbuilt")
model.compile(keras.optimizers.Adam(learning_rate=0.01), "mse", metrics=["mae"])
assert not model.built
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # (Keras warns that the model is not built)
    model.save(os.path.join(HERE, "unbuilt_sequential.keras"))
print("Keras", keras.__version__)
