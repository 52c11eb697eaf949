"""Saving and loading a large model: the time of each format's save and load, and the memory
each takes beyond what the process held before (its peak resident size, reset before each call
through Linux's /proc/self/clear_refs). Run: python benchmarks/model_file/large_save_load.py
[--vocabulary 250000] [folder]. The model is Embedding(vocabulary, 64) + Dense(1) with Adam, so
its files hold three times the parameters (weights and two slots)."""

import argparse
import gc
import os
import subprocess
import tempfile
import time

import numpy as np

import densekit as keras


def status(key):
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith(key))


def measure(call):
    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = status("VmRSS")
    start = time.perf_counter()
    call()
    return time.perf_counter() - start, status("VmHWM") - before


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vocabulary", type=int, default=250_000)
    parser.add_argument("folder", nargs="?")
    args = parser.parse_args()
    if args.folder:
        run(args.folder, args.vocabulary)
    else:  # (its files are removed afterwards: three of the large model's take 2 GB)
        with tempfile.TemporaryDirectory(prefix="densekit-files-") as folder:
            run(folder, args.vocabulary)


def run(folder, vocabulary):
    model = keras.Sequential([keras.Input((4,), dtype="int32"), keras.layers.Embedding(vocabulary, 64),
                              keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    model.train_on_batch(np.zeros((2, 4), "int32"), np.zeros((2, 1), "float32"))
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    print(next((line for line in cpu.splitlines() if line.startswith("Model name")), "Model name: ?"))
    print(f"{model.count_params():,} parameters")
    path = {suffix: os.path.join(folder, f"m{suffix}") for suffix in (".dk", ".keras", ".weights.h5")}
    steps = [("save .dk", lambda: model.save(path[".dk"])), ("save .keras", lambda: model.save(path[".keras"])),
             ("save_weights .weights.h5", lambda: model.save_weights(path[".weights.h5"])),
             ("load_model .dk", lambda: keras.models.load_model(path[".dk"])),
             ("load_model .keras", lambda: keras.models.load_model(path[".keras"])),
             ("load_weights .weights.h5", lambda: model.load_weights(path[".weights.h5"]))]
    for name, call in steps:
        runs = [measure(call) for _ in range(3)]
        size = os.path.getsize(path["." + name.split(".", 1)[1]])
        print(f"{name:26s} best {min(t for t, _ in runs):.3f} s, extra peak memory {max(m for _, m in runs) / 2**20:,.0f} "
              f"MiB for a {size / 2**20:,.0f} MiB file")


if __name__ == "__main__":
    main()
