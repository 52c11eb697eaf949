"""Writes op_nodes.keras, op_nodes_nested.keras, op_nodes_in_sequential.keras,
op_nodes_inner_is_output.keras, op_nodes_legacy.h5, op_nodes.npz and op_nodes_config.json for
tests/saving/test_keras_op_nodes.py. op_nodes.keras is a functional model whose graph calls ops on its tensors (``x * 2.0``, ``x + y``,
``keras.ops.relu``, a mean, a concatenation, a slice), which Keras saves as op nodes outside
``model.layers``. Two of its layers are named as Keras names its Activation and Rescaling
layers, which densekit also records ops as. Compiled with Adam and trained a few steps, so the
file holds the optimizer's state.

Run with real Keras 3 (TensorFlow backend), not densekit:

    /work/venv-keras/bin/python tests/data/keras/make_op_nodes.py

op_nodes_nested.keras holds ops inside a nested functional model and around it,
op_nodes_in_sequential.keras a Sequential holding a functional model with ops, and
op_nodes_inner_is_output.keras a model whose output is a nested model's (with an op);
op_nodes_legacy.h5 a model with ops in Keras 3's legacy .h5 layout, which drops their module.

op_nodes.npz: the input rows ``x``, Keras's predictions ``y``, the model's parameter count, the
names in ``model.layers`` (``layer_names``) and those of its op nodes (``op_names``), and the
nested models' rows and predictions (``nested_x``; ``nested_y``, ``in_sequential_y``,
``inner_is_output_y``);
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


def build_nested():
    """Ops inside a nested functional model and around it."""
    i = keras.Input((4,), name="inner_in")
    h = layers.Rescaling(0.5)(layers.Dense(3, name="inner_dense")(i))
    inner = keras.Model(i, ops.tanh(h) * 2.0, name="inner")
    j = keras.Input((4,), name="outer_in")
    return keras.Model(j, layers.Dense(2, name="outer_dense")(inner(j) + 1.0))


def build_in_sequential():
    """A Sequential holding a functional model with ops."""
    i = keras.Input((4,), name="block_in")
    block = keras.Model(i, ops.tanh(layers.Dense(3, name="block_dense")(i)) * 2.0, name="block")
    return keras.Sequential([keras.Input((4,)), block, layers.Dense(2, name="seq_top")], name="seq_with_ops")


def build_inner_is_output():
    """The model's output is a nested model's, whose graph has an op: Keras names it
    ["inner_out", 1, 0], counting the nested model's own node."""
    i = keras.Input((4,), name="io_in")
    inner = keras.Model(i, ops.exp(-ops.abs(layers.Dense(3, name="io_dense")(i))), name="inner_out")
    j = keras.Input((4,), name="io_outer_in")
    return keras.Model(j, inner(j))


def main():
    keras.utils.set_random_seed(7)
    model = build()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(7)
    x_train = rng.normal(size=(64, 6)).astype("float32")
    model.fit(x_train, rng.integers(0, 3, 64), epochs=2, batch_size=16, verbose=0)
    model.save(os.path.join(HERE, "op_nodes.keras"))
    x = rng.normal(size=(10, 6)).astype("float32")
    x_in = keras.Input((3,))  # Keras's legacy .h5 writer drops the ops' module: Keras cannot load it back
    keras.Model(x_in, layers.Dense(2)(x_in) * 2.0 + 1.0).save(os.path.join(HERE, "op_nodes_legacy.h5"))
    x_nested = rng.normal(size=(5, 4)).astype("float32")
    nested_y = {}
    for name, make in (("nested", build_nested), ("in_sequential", build_in_sequential),
                       ("inner_is_output", build_inner_is_output)):
        nested = make()
        nested.save(os.path.join(HERE, f"op_nodes_{name}.keras"))
        nested_y[f"{name}_y"] = nested.predict(x_nested, verbose=0)
    np.savez(os.path.join(HERE, "op_nodes.npz"), x=x, y=model.predict(x, verbose=0),
             params=model.count_params(), layer_names=[layer.name for layer in model.layers],
             op_names=[op.name for op in model._operations if not isinstance(op, layers.Layer)],
             nested_x=x_nested, **nested_y, keras_version=keras.__version__)
    with open(os.path.join(HERE, "op_nodes_config.json"), "w") as f:
        json.dump(model.get_config(), f)


if __name__ == "__main__":
    main()
