"""Writes the Keras reference files the tests in tests/saving/test_keras_files.py read.

Run with real Keras (Keras 3 with the TensorFlow backend), not densekit:

    /work/venv-keras14/bin/python tests/data/keras/make_reference_files.py [name ...]

(all models, or only those named: each of the nested-model files below is made from its own
seeds, so writing it alone gives the same weights and predictions; expected.npz keeps the other models' entries).

Every file here was written by Keras itself (the version is recorded in expected.npz):
    <name>.keras            model.save(...)         Keras 3 zip archive
    <name>.h5               model.save(...)         the legacy HDF5 model format (Keras 3's
                                                    writer of the tf.keras 2.x layout)
    <name>.weights.h5       model.save_weights(...) Keras 3's weights-only file
and expected.npz holds, per model, the fixed input rows and the predictions Keras gave on them
(`<name>/x<k>`, `<name>/y`), the parameter counts and layer names, the training data the tests
continue on, and (for the models without Dropout) the predictions after one more training step
on the first 8 training rows (`<name>/y_after_step`), which only a reader that restored the
optimizer's state reproduces.

Four models, each compiled with Adam and trained a few steps so the optimizer's variables
exist in the files: a Sequential MLP with Dropout, a functional two-input model with
Concatenate and BatchNormalization, a model with an adapted Normalization layer, and a
functional model with nested models. Then nested models in Sequential ones: ``seq_nested``
(a Sequential holding a Sequential and a functional model), ``seq_in_seq`` (a Sequential
holding a Sequential) and ``nested_order`` (a functional model whose nested model's layers a flat
graph would order otherwise). For these and ``nested``, ``<name>/leaf_names`` and
``<name>/leaf_params`` list the layers inside the nested models, depth first, as densekit
inlines them, and ``nested.weights.h5`` is Keras's ``save_weights`` of the model Keras loaded
from ``nested.keras`` (written after that file, so the earlier files stay as they were).
Keep them small: the files are committed.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import sys  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def mlp():
    return keras.Sequential([
        keras.Input(shape=(6,)),
        keras.layers.Dense(8, activation="relu", name="hidden"),
        keras.layers.Dropout(0.25, name="dropout"),
        keras.layers.Dense(4, activation="tanh", name="hidden_2"),
        keras.layers.Dense(1, activation="sigmoid", name="out"),
    ], name="mlp")


def two_inputs():
    a = keras.Input(shape=(3,), name="a")
    b = keras.Input(shape=(2,), name="b")
    x = keras.layers.Concatenate(name="concat")([a, b])
    x = keras.layers.Dense(6, name="dense_a")(x)
    x = keras.layers.BatchNormalization(name="bn")(x)
    x = keras.layers.Activation("relu", name="act")(x)
    out = keras.layers.Dense(2, name="head")(x)
    return keras.Model([a, b], out, name="two_inputs")


def normalized(adapt_data):
    norm = keras.layers.Normalization(name="norm")
    norm.adapt(adapt_data)
    return keras.Sequential([
        keras.Input(shape=(4,)),
        norm,
        keras.layers.Dense(5, activation="relu", name="dense_n"),
        keras.layers.Dense(3, activation="softmax", name="probs"),
    ], name="normalized")


def nested():
    """Nested models: a Sequential block (itself holding a Sequential) and a functional model
    with two outputs, used as layers of a functional model."""
    block = keras.Sequential([
        keras.layers.Dense(5, activation="relu", name="b_dense"),
        keras.Sequential([keras.layers.BatchNormalization(name="b_bn")], name="block_norm"),
    ], name="block")
    inner_in = keras.Input(shape=(5,), name="f_in")
    inner_out = keras.layers.Dense(3, name="f_dense")(inner_in)
    sub = keras.Model(inner_in, [inner_out, keras.layers.Activation("tanh", name="f_act")(inner_out)], name="sub")
    x = keras.Input(shape=(4,), name="x")
    first, second = sub(block(x))
    out = keras.layers.Dense(1, name="head")(keras.layers.Concatenate(name="cat")([first, second]))
    return keras.Model(x, out, name="nested")


def seq_nested():
    """A Sequential holding a Sequential and a two-branch functional model."""
    pre = keras.Sequential([keras.layers.Dense(5, activation="tanh", name="p_dense")], name="pre")
    inner_in = keras.Input(shape=(5,), name="g_in")
    left = keras.layers.Dense(3, activation="relu", name="g_left")(inner_in)
    right = keras.layers.Dense(3, name="g_right")(inner_in)
    graph = keras.Model(inner_in, keras.layers.Add(name="g_add")([left, right]), name="graph")
    return keras.Sequential([keras.Input(shape=(4,)), pre, graph, keras.layers.BatchNormalization(name="s_bn"),
                             keras.layers.Dense(1, name="s_head")], name="seq_nested")


def seq_in_seq():
    inner = keras.Sequential([keras.layers.Dense(3, activation="relu", name="i_dense"),
                              keras.layers.Dense(3, name="i_dense_2")], name="inner")
    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(4, name="o_dense"), inner,
                             keras.layers.Dense(1, name="o_head")], name="seq_in_seq")


def nested_order():
    """A nested model whose layers Keras's order of the flat graph would place elsewhere: Keras
    lists the outer layers x, s1, deep, o_cat, o_head (by depth, s1 first as o_cat's first
    input), so the optimizer's slots go s1, d1, d2, d3, o_head; the inlined graph by depth
    would give d1, d2, s1, d3, o_head. All four inner Dense kernels are 4x4, so a wrong order
    would pass every shape check."""
    sub_in = keras.Input(shape=(4,), name="sub_in")
    h = keras.layers.Dense(4, activation="relu", name="d1")(sub_in)
    h = keras.layers.Dense(4, activation="relu", name="d2")(h)
    deep = keras.Model(sub_in, keras.layers.Dense(4, name="d3")(h), name="deep")
    x = keras.Input(shape=(4,), name="x")
    s1 = keras.layers.Dense(4, activation="relu", name="s1")(x)
    out = keras.layers.Dense(1, name="o_head")(keras.layers.Concatenate(name="o_cat")([s1, deep(x)]))
    return keras.Model(x, out, name="nested_order")


def leaves(model):
    """The layers inside nested models, depth first, without InputLayers."""
    out = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            out += leaves(layer)
        elif not isinstance(layer, keras.layers.InputLayer):
            out.append(layer)
    return out


def main(only=()):
    path = os.path.join(HERE, "expected.npz")
    expected = dict(np.load(path)) if only else {}
    expected["keras_version"] = np.array(keras.__version__)

    def record(name, model, x_train, y_train, x_fixed, loss, weights_file=True):
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss=loss, metrics=["mae"])
        model.fit(x_train, y_train, batch_size=8, epochs=2, verbose=0)  # 2 epochs x 2 steps: Adam has state
        model.save(os.path.join(HERE, f"{name}.keras"))
        model.save(os.path.join(HERE, f"{name}.h5"))
        if weights_file:
            model.save_weights(os.path.join(HERE, f"{name}.weights.h5"))
        xs = x_fixed if isinstance(x_fixed, list) else [x_fixed]
        for k, x in enumerate(xs):
            expected[f"{name}/x{k}"] = x
        expected[f"{name}/y"] = model.predict(x_fixed, verbose=0)
        expected[f"{name}/params"] = np.array([model.count_params()])
        expected[f"{name}/layer_params"] = np.array([layer.count_params() for layer in model.layers])
        expected[f"{name}/layer_names"] = np.array([layer.name for layer in model.layers])
        for k, x in enumerate(x_train if isinstance(x_train, list) else [x_train]):
            expected[f"{name}/train_x{k}"] = x
        expected[f"{name}/train_y"] = y_train
        if not any(isinstance(layer, keras.layers.Dropout) for layer in model.layers):
            # One more step on the first 8 rows, after saving: a reader that restores Adam's
            # state (moments, iteration count) must reach the same weights.
            first = [x[:8] for x in x_train] if isinstance(x_train, list) else x_train[:8]
            model.train_on_batch(first, y_train[:8])
            expected[f"{name}/y_after_step"] = model.predict(x_fixed, verbose=0)

    f32 = lambda a: np.asarray(a, dtype="float32")  # noqa: E731
    if not only:
        first_four(record, f32)
    for seed, (name, make) in enumerate([("seq_nested", seq_nested), ("seq_in_seq", seq_in_seq),
                                         ("nested_order", nested_order)]):
        if only and name not in only:
            continue
        keras.utils.set_random_seed(20 + seed)
        rng = np.random.default_rng(20 + seed)
        model = make()
        record(name, model, f32(rng.normal(size=(16, 4))), f32(rng.normal(size=(16, 1))),
               f32(rng.normal(size=(5, 4))), "mse")
        expected[f"{name}/leaf_names"] = np.array([layer.name for layer in leaves(model)])
        expected[f"{name}/leaf_params"] = np.array([layer.count_params() for layer in leaves(model)])
    if not only or "nested" in only:
        model = keras.saving.load_model(os.path.join(HERE, "nested.keras"))
        model.save_weights(os.path.join(HERE, "nested.weights.h5"))
        expected["nested/leaf_names"] = np.array([layer.name for layer in leaves(model)])
        expected["nested/leaf_params"] = np.array([layer.count_params() for layer in leaves(model)])
    np.savez(path, **expected)


def first_four(record, f32):
    """The first four models, from one random sequence (as they were first written)."""
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    x = f32(rng.normal(size=(16, 6)))
    record("mlp", mlp(), x, f32(rng.integers(0, 2, size=(16, 1))), f32(rng.normal(size=(5, 6))),
           "binary_crossentropy")

    a, b = f32(rng.normal(size=(16, 3))), f32(rng.normal(size=(16, 2)))
    record("two_inputs", two_inputs(), [a, b], f32(rng.normal(size=(16, 2))),
           [f32(rng.normal(size=(5, 3))), f32(rng.normal(size=(5, 2)))], "mse")

    raw = f32(rng.normal(loc=3.0, scale=2.0, size=(16, 4)))
    labels = f32(np.eye(3)[rng.integers(0, 3, size=16)])
    record("normalized", normalized(raw), raw, labels, f32(rng.normal(loc=3.0, scale=2.0, size=(5, 4))),
           "categorical_crossentropy")

    record("nested", nested(), f32(rng.normal(size=(16, 4))), f32(rng.normal(size=(16, 1))),
           f32(rng.normal(size=(5, 4))), "mse", weights_file=False)


if __name__ == "__main__":
    main(sys.argv[1:])
