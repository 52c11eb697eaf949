"""Writes the Keras reference files the tests in tests/saving/test_keras_files.py read.

Run with real Keras (Keras 3 with the TensorFlow backend), not densekit:

    /work/venv-keras14/bin/python tests/data/keras/make_reference_files.py

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
functional model with nested models (no weights-only file for that one: densekit inlines
nested models, so its weights files use the flat layout).
Keep them small: the files are committed.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

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


def main():
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    expected = {"keras_version": np.array(keras.__version__)}

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

    np.savez(os.path.join(HERE, "expected.npz"), **expected)


if __name__ == "__main__":
    main()
