"""What recorded ops cost in training: a fit whose layers hold custom pieces written with
densekit.ops (a Lambda, arithmetic between layers) against the same network built from the
built-in layers that compute the same function, timed side by side in alternating rounds.

    python benchmarks/custom_ops.py [--rounds 3] [--rows 60000] [--batch-size 128]

Pairs (the MNIST-sized network 784-256-256-10 of the tutorials, one epoch):
- swish: Dense(256, activation="silu") against Dense(256) + Lambda(t * ops.sigmoid(t));
- layer norm: LayerNormalization(center=False, scale=False) against
  (t - mean) / sqrt(var + eps) written with ops;
- residual: Dense + Add against Dense + ``x + h`` arithmetic (the same layers: a control);
- loss + metric + layer: a fit whose hidden layer is a Layer subclass (add_weight, matmul + bias,
  relu), whose loss is a cross-entropy function and whose metric is an absolute-error function
  written with ops, against Dense(256, "relu"), "categorical_crossentropy" and "mae";
- stateful metric: a Metric subclass counting hits (argmax, ==, cast, assign_add of a batch sum,
  a ratio in result) against "sparse_categorical_accuracy", the same network otherwise;
- weight regularizer: every Dense kernel penalized by a function ``1e-4 * ops.sum(ops.square(w))``
  against the built-in L2(1e-4).
Prints each pair's best epoch time and the ratio custom / built-in (issue 12's bound: 1.3).
"""

import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from compare_machine import cpu_model  # noqa: E402

import densekit as keras  # noqa: E402
from densekit import layers, ops  # noqa: E402

EPS = 1e-3


def swish(custom):
    x = keras.Input((784,))
    h = layers.Dense(256)(x) if custom else layers.Dense(256, activation="silu")(x)
    if custom:
        h = layers.Lambda(lambda t: t * ops.sigmoid(t))(h)
    return keras.Model(x, layers.Dense(10, activation="softmax")(layers.Dense(256, activation="relu")(h)))


def layer_norm(custom):
    x = keras.Input((784,))
    h = layers.Dense(256, activation="relu")(x)
    if custom:
        h = (h - ops.mean(h, axis=-1, keepdims=True)) / ops.sqrt(ops.var(h, axis=-1, keepdims=True) + EPS)
    else:
        h = layers.LayerNormalization(center=False, scale=False, epsilon=EPS)(h)
    return keras.Model(x, layers.Dense(10, activation="softmax")(layers.Dense(256, activation="relu")(h)))


def residual(custom):
    x = keras.Input((784,))
    h = layers.Dense(256, activation="relu")(x)
    g = layers.Dense(256, activation="relu")(h)
    h = h + g if custom else layers.Add()([h, g])
    return keras.Model(x, layers.Dense(10, activation="softmax")(h))


class Linear(keras.layers.Layer):
    """The subclassing guide's Linear, with a relu."""

    def __init__(self, units):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        return ops.relu(ops.matmul(inputs, self.w) + self.b)


def crossentropy(y_true, y_pred):
    return -ops.sum(y_true * ops.log(ops.clip(y_pred, 1e-7, 1.0 - 1e-7)), axis=-1)


def absolute_error(y_true, y_pred):
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


def loss_metric_layer(custom):
    x = keras.Input((784,))
    h = Linear(256)(x) if custom else layers.Dense(256, activation="relu")(x)
    return keras.Model(x, layers.Dense(10, activation="softmax")(layers.Dense(256, activation="relu")(h)))


loss_metric_layer.compile = lambda custom: dict(loss=crossentropy, metrics=[absolute_error]) if custom else dict(
    loss="categorical_crossentropy", metrics=["mae"])
loss_metric_layer.one_hot = True

class HitRate(keras.metrics.Metric):
    """Accuracy as a stateful metric of the user's: two variables, traced into C++."""

    def __init__(self, name="hit_rate"):
        super().__init__(name=name)
        self.hits = self.add_variable(shape=(), initializer="zeros", name="hits")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        hit = ops.cast(ops.argmax(y_pred, axis=-1) == ops.cast(y_true, "int32"), "float32")
        self.hits.assign_add(ops.sum(hit))
        self.count.assign_add(ops.sum(ops.ones_like(hit)))

    def result(self):
        return self.hits / ops.maximum(self.count, 1.0)


def stateful_metric(custom):
    x = keras.Input((784,))
    h = layers.Dense(256, activation="relu")(layers.Dense(256, activation="relu")(x))
    return keras.Model(x, layers.Dense(10, activation="softmax")(h))


stateful_metric.compile = lambda custom: dict(loss="sparse_categorical_crossentropy",
                                              metrics=[HitRate() if custom else "sparse_categorical_accuracy"])

def l2_penalty(w):
    return 1e-4 * ops.sum(ops.square(w))


def weight_regularizer(custom):
    reg = l2_penalty if custom else keras.regularizers.L2(1e-4)
    x = keras.Input((784,))
    h = layers.Dense(256, activation="relu", kernel_regularizer=reg)(x)
    h = layers.Dense(256, activation="relu", kernel_regularizer=reg)(h)
    return keras.Model(x, layers.Dense(10, activation="softmax", kernel_regularizer=reg)(h))


PAIRS = {"swish": swish, "layer norm": layer_norm, "residual (control)": residual,
         "loss + metric + layer": loss_metric_layer, "stateful metric": stateful_metric,
         "weight regularizer": weight_regularizer}


def epoch_time(build, custom, x, y, batch_size):
    keras.utils.set_random_seed(0)
    model = build(custom)
    compile_args = getattr(build, "compile", lambda _: dict(loss="sparse_categorical_crossentropy"))(custom)
    if getattr(build, "one_hot", False):
        y = np.eye(10, dtype=np.float32)[y]
    model.compile("adam", **compile_args)
    model.fit(x[:batch_size * 4], y[:batch_size * 4], batch_size=batch_size, epochs=1, verbose=0)  # buffers
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=60000)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.random((args.rows, 784), dtype=np.float32)
    y = rng.integers(0, 10, args.rows)
    print(f"CPU: {cpu_model()}; densekit ISA {keras._core.ISA}; {keras.config.get_num_threads()} "
          f"thread(s); {args.rows} rows, batch {args.batch_size}, best of {args.rounds} alternating rounds")
    print(f"{'pair':22} {'built-in':>10} {'custom':>10} {'ratio':>7}")
    for name, build in PAIRS.items():
        best = {False: float("inf"), True: float("inf")}
        for _ in range(args.rounds):
            for custom in (False, True):
                best[custom] = min(best[custom], epoch_time(build, custom, x, y, args.batch_size))
        print(f"{name:22} {best[False]:9.3f}s {best[True]:9.3f}s {best[True] / best[False]:7.2f}")


if __name__ == "__main__":
    main()
