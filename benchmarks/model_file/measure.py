"""Issue 5's figures for the W1 model (266,610 parameters): file size against the raw float32
weights, and load time. Run: python benchmarks/model_file/measure.py [folder]"""

import os
import sys
import tempfile
import time

import numpy as np

import densekit as keras


def main(folder):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(300, activation="relu"),
                              keras.layers.Dense(100, activation="relu"), keras.layers.Dense(10, activation="softmax")])
    plain = os.path.join(folder, "w1_plain.dk")
    model.save(plain)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).random((256, 784), dtype=np.float32)
    model.fit(x, np.zeros(256), epochs=1, verbose=0)
    adam = os.path.join(folder, "w1_adam.dk")
    model.save(adam)
    raw = model.count_params() * 4
    print(f"parameters: {model.count_params():,} ({raw:,} bytes of float32)")
    for path in (plain, adam):
        size = os.path.getsize(path)
        best = min(_time(lambda: keras.models.load_model(path)) for _ in range(20))
        print(f"{os.path.basename(path)}: {size:,} bytes = {size / raw:.3f} x the raw weights; load {best * 1e3:.2f} ms")
    print(f"for the C++ latency: benchmarks/model_file/predict_latency {plain}")


def _time(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
