"""Writes layer_zoo.keras and layer_zoo.npz, which tests/saving/test_layer_zoo.py reads.

Run with real Keras (Keras 3 with the TensorFlow backend), not densekit:

    /work/venv-keras/bin/python tests/data/keras/make_layer_zoo.py

One uncompiled functional model holding every layer class densekit reads from Keras files, so
the file carries each class's config as Keras writes it (every key, at its defaults or not) and
an uncompiled model's `"compile_config": {}`. layer_zoo.npz holds fixed input rows, Keras's
predictions on them (inference: the noise and dropout layers pass their input through), and the
Keras version. Keep it small: the files are committed.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def zoo():
    keras.utils.set_random_seed(7)
    layers = keras.layers
    x = keras.Input((4,), name="x")
    y = x
    for layer in [layers.Dense(4, activity_regularizer="l2", name="dense"), layers.Dropout(0.2, seed=3),
                  layers.GaussianNoise(0.1, seed=4), layers.GaussianDropout(0.1, seed=5), layers.ReLU(max_value=6.0),
                  layers.LeakyReLU(negative_slope=0.2), layers.ELU(alpha=0.5), layers.PReLU(), layers.Softmax(),
                  layers.BatchNormalization(), layers.LayerNormalization(), layers.Rescaling(0.5, 1.0),
                  layers.Reshape((2, 2)), layers.Flatten(), layers.Activation("tanh"),
                  layers.Normalization(mean=0.25, variance=2.0)]:
        y = layer(y)
    merged = [cls()([y, x]) for cls in (layers.Add, layers.Subtract, layers.Multiply, layers.Average,
                                         layers.Maximum, layers.Minimum)]
    out = layers.Dense(3, activation="sigmoid", name="out")(layers.Concatenate()(merged))
    return keras.Model(x, out, name="layer_zoo")


def main():
    model = zoo()
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    model.save(os.path.join(HERE, "layer_zoo.keras"))
    np.savez(os.path.join(HERE, "layer_zoo.npz"), x=x, y=model.predict(x, verbose=0),
             keras_version=np.array(keras.__version__), layer_classes=np.array([type(l).__name__ for l in model.layers]))


if __name__ == "__main__":
    main()
