"""Writes the tf.keras 2.x reference files tests/saving/test_tf_keras2_files.py reads.

Run with TensorFlow 2.15 and its Keras 2 (tf.keras), not densekit and not Keras 3:

    python3 -m venv /tmp/venv-tfkeras2
    /tmp/venv-tfkeras2/bin/pip install tensorflow-cpu==2.15.1   # brings keras 2.15.0 and h5py
    /tmp/venv-tfkeras2/bin/python tests/data/keras/make_tf_keras2_reference_files.py

(The files committed here were made with tensorflow-cpu 2.15.1, keras 2.15.0, h5py 3.16.0 and
Python 3.11; the versions are also recorded in expected_tf_keras2.npz.)

tf.keras 2.x has two optimizer generations, and its ``model.save("m.h5")`` lays their state
out differently in ``optimizer_weights``:
    tf2_<name>.h5          tf.keras.optimizers.*, the default since TF 2.11:
                           ``iteration:0``, then ``<Opt>/<slot>/<layer>/<weight>:0``
    tf2_legacy_<name>.h5   tf.keras.optimizers.legacy.* (OptimizerV2, the default up to TF 2.10):
                           ``<Opt>/iter:0``, then ``<Opt>/<layer>/<weight>/<slot>:0``
Each holds the same Sequential MLP with Dropout, compiled with the optimizer and trained four
steps (2 epochs of 2 batches of 8, no shuffling). expected_tf_keras2.npz holds, per file, the
fixed input rows (``x``) and Keras's predictions on them (``<name>/y``), the training data
(``train_x``, ``train_y``) and the predictions after one more training step on the first 8
training rows (``<name>/y_after_step``), taken after saving. That step runs with the Dropout
layer's rate set to 0 (the layer rebuilt into the training function), since two frameworks
cannot draw the same dropout mask; the tests load the file with the same rate, so the step
depends only on the weights and the optimizer's restored state.

tf2_compiled_<task>.h5 hold a tiny MLP compiled with loss and metric *objects*
(``tf.keras.losses.BinaryCrossentropy()``, ``tf.keras.metrics.AUC()``, ...), which tf.keras 2.x
saves in ``training_config`` as class dicts without a ``module`` (a metric given by name as a
``MeanMetricWrapper``), trained four steps with Adam. Per file, expected_tf_keras2.npz holds
``<task>/y`` (predictions on ``x``), ``<task>/train_y``, the names tf.keras reported in the fit
history (``<task>/history``), ``model.evaluate`` on the training data after saving
(``<task>/evaluate_names``, ``<task>/evaluate_values``) and ``<task>/y_after_step`` as above.
tf2_compiled_f1.h5 is compiled with ``tf.keras.metrics.F1Score()``, a metric class densekit
does not have: the tests check that loading it names the class.
Keep them small: the files are committed.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import keras as keras_package  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow import keras  # noqa: E402  (tf.keras: Keras 2.15)

HERE = os.path.dirname(os.path.abspath(__file__))

OPTIMIZERS = {
    "adam": lambda: keras.optimizers.Adam(learning_rate=0.01),
    "sgd": lambda: keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
    "rmsprop": lambda: keras.optimizers.RMSprop(learning_rate=0.01, momentum=0.5, centered=True),
    "legacy_adam": lambda: keras.optimizers.legacy.Adam(learning_rate=0.01),
    "legacy_sgd": lambda: keras.optimizers.legacy.SGD(learning_rate=0.05, momentum=0.9),
    "legacy_rmsprop": lambda: keras.optimizers.legacy.RMSprop(learning_rate=0.01, momentum=0.5, centered=True),
}


def mlp():
    return keras.Sequential([
        keras.Input(shape=(6,)),
        keras.layers.Dense(8, activation="relu", name="hidden"),
        keras.layers.Dropout(0.25, name="dropout"),
        keras.layers.Dense(4, activation="tanh", name="hidden_2"),
        keras.layers.Dense(1, activation="sigmoid", name="out"),
    ], name="mlp")


# The compiled files: (output units, activation, targets from rng, compile arguments).
COMPILED = {
    "binary": (1, "sigmoid", lambda rng: rng.integers(0, 2, size=(16, 1)), lambda: dict(
        loss=keras.losses.BinaryCrossentropy(from_logits=False),
        metrics=[keras.metrics.AUC(), keras.metrics.Precision(), keras.metrics.Recall(thresholds=0.4), "accuracy"])),
    "categorical": (3, "softmax", lambda rng: np.eye(3)[rng.integers(0, 3, size=16)], lambda: dict(
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
        metrics=[keras.metrics.CategoricalAccuracy(), keras.metrics.TopKCategoricalAccuracy(k=2), "accuracy"])),
    "sparse": (3, "softmax", lambda rng: rng.integers(0, 3, size=(16, 1)), lambda: dict(
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=["accuracy", keras.metrics.SparseCategoricalAccuracy(name="sparse_acc")])),
    "regression": (1, None, lambda rng: rng.normal(size=(16, 1)), lambda: dict(
        loss=keras.losses.MeanSquaredError(),
        metrics=[keras.metrics.RootMeanSquaredError(), keras.metrics.MeanAbsoluteError(name="abs_error"), "mae"],
        weighted_metrics=[keras.metrics.MeanSquaredError(name="weighted_mse")])),
    "f1": (1, "sigmoid", lambda rng: rng.integers(0, 2, size=(16, 1)), lambda: dict(
        loss="binary_crossentropy", metrics=[keras.metrics.F1Score(threshold=0.5)])),
}


def compiled_files(rng, x, x_train, f32, expected):
    for task, (units, activation, targets, compile_args) in COMPILED.items():
        y_train = f32(targets(rng))
        keras.utils.set_random_seed(7)
        model = keras.Sequential([
            keras.Input(shape=(6,)),
            keras.layers.Dense(8, activation="relu", name="hidden"),
            keras.layers.Dense(units, activation=activation, name="out"),
        ], name=f"compiled_{task}")
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), **compile_args())
        history = model.fit(x_train, y_train, batch_size=8, epochs=2, shuffle=False, verbose=0)
        model.save(os.path.join(HERE, f"tf2_compiled_{task}.h5"))
        if task == "f1":
            continue
        evaluated = model.evaluate(x_train, y_train, batch_size=16, verbose=0, return_dict=True)
        expected.update({f"{task}/y": model.predict(x, verbose=0), f"{task}/train_y": y_train,
                         f"{task}/history": np.array(list(history.history)),
                         f"{task}/evaluate_names": np.array(list(evaluated)),
                         f"{task}/evaluate_values": np.array(list(evaluated.values()), dtype="float64")})
        model.train_on_batch(x_train[:8], y_train[:8])
        expected[f"{task}/y_after_step"] = model.predict(x, verbose=0)


def main():
    rng = np.random.default_rng(11)
    f32 = lambda a: np.asarray(a, dtype="float32")  # noqa: E731
    x_train, y_train = f32(rng.normal(size=(16, 6))), f32(rng.integers(0, 2, size=(16, 1)))
    x = f32(rng.normal(size=(5, 6)))
    expected = {"tensorflow_version": np.array(tf.__version__), "keras_version": np.array(keras_package.__version__),
                "h5py_version": np.array(h5py.__version__), "x": x, "train_x": x_train, "train_y": y_train}
    for name, make_optimizer in OPTIMIZERS.items():
        keras.utils.set_random_seed(7)
        model = mlp()
        model.compile(optimizer=make_optimizer(), loss="binary_crossentropy", metrics=["mae"])
        model.fit(x_train, y_train, batch_size=8, epochs=2, shuffle=False, verbose=0)
        prefix = "tf2_legacy_" if name.startswith("legacy_") else "tf2_"
        model.save(os.path.join(HERE, f"{prefix}{name.removeprefix('legacy_')}.h5"))
        expected[f"{name}/y"] = model.predict(x, verbose=0)
        model.get_layer("dropout").rate = 0.0
        model.make_train_function(force=True)
        model.train_on_batch(x_train[:8], y_train[:8])
        expected[f"{name}/y_after_step"] = model.predict(x, verbose=0)
    compiled_files(rng, x, x_train, f32, expected)
    np.savez(os.path.join(HERE, "expected_tf_keras2.npz"), **expected)


if __name__ == "__main__":
    main()
