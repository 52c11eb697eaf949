"""Writes op_nodes.keras, op_nodes.npz and op_nodes_config.json for tests/saving/test_keras_op_nodes.py:
a functional model whose graph calls ops on its tensors (``x * 2.0``, ``x + y``,
``keras.ops.relu``, a mean, a concatenation, a slice), which Keras saves as op nodes outside
``model.layers``. Two of its layers are named as densekit names the layers it records for ops
(an Activation "activation", a Rescaling "rescaling"). Compiled with Adam and trained a few
steps, so the file holds the optimizer's state. (No legacy .h5: Keras's writer drops the
op nodes' modules there, and Keras itself cannot load the file back.)

Run with real Keras 3 (TensorFlow backend), not densekit:

    /work/venv-keras/bin/python tests/data/keras/make_op_nodes.py

op_nodes.npz: the input rows ``x``, Keras's predictions ``y``, the model's parameter count, the
names in ``model.layers`` (``layer_names``) and those of its op nodes (``op_names``);
op_nodes_config.json: ``model.get_config()``. Keep them small: the files are committed.
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers, ops  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def build():
    x = keras.Input((6,), name="features")
    h = layers.Dense(8, name="hidden")(x)
    r = layers.Activation("tanh")(ops.relu(h) * 2.0 - 1.0)  # the layer is named "activation"
    u = ops.sigmoid(r + layers.Dense(8, name="skip")(x))
    w = ops.mean(u, axis=-1, keepdims=True)
    c = ops.concatenate([u[:, :5], w], axis=-1) / 2.0
    e = ops.abs(c) + ops.square(c) - ops.exp(-c)
    s = layers.Rescaling(3.0)(ops.maximum(e, -0.5))  # the layer is named "rescaling"
    return keras.Model(x, layers.Dense(3, activation="softmax", name="out")(s))


def main():
    keras.utils.set_random_seed(7)
    model = build()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(7)
    x_train = rng.normal(size=(64, 6)).astype("float32")
    model.fit(x_train, rng.integers(0, 3, 64), epochs=2, batch_size=16, verbose=0)
    model.save(os.path.join(HERE, "op_nodes.keras"))
    x = rng.normal(size=(10, 6)).astype("float32")
    np.savez(os.path.join(HERE, "op_nodes.npz"), x=x, y=model.predict(x, verbose=0),
             params=model.count_params(), layer_names=[layer.name for layer in model.layers],
             op_names=[op.name for op in model._operations if not isinstance(op, layers.Layer)],
             keras_version=keras.__version__)
    with open(os.path.join(HERE, "op_nodes_config.json"), "w") as f:
        json.dump(model.get_config(), f)


if __name__ == "__main__":
    main()
