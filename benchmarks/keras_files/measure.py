"""Issue 14's figure: the time to load a model file Keras wrote and predict one row, densekit
against Keras, on the same files in the same run.

    python benchmarks/keras_files/measure.py --keras-python /work/venv-keras14/bin/python [--repeats 10]

Keras (in its own virtualenv, run as a subprocess) first writes the files: the W1 network
(784-300-100-10, 266,610 parameters) and the breast-cancer tutorial network (30-30-15-1),
each compiled with Adam and trained one step (so the files hold the optimizer's state too),
saved as ``.keras`` and as legacy ``.h5``. Then each library, in its own process after its
import, loads every file and predicts one row, ``repeats`` times; every figure is the best
(minimum) of those, as in benchmarks/compare.py. Both run with 2 threads. densekit also loads
the ``.dk`` files ``python -m densekit convert`` made of the ``.keras`` ones (what a C++
application or a server would ship).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time

THREADS = "2"
ENV = {**os.environ, "OMP_NUM_THREADS": THREADS, "TF_NUM_INTRAOP_THREADS": THREADS,
       "TF_NUM_INTEROP_THREADS": THREADS, "TF_CPP_MIN_LOG_LEVEL": "3"}

WRITE_WITH_KERAS = textwrap.dedent("""
    import sys, numpy as np, keras
    folder = sys.argv[1]
    keras.utils.set_random_seed(0)
    for name, sizes in (("w1", [784, 300, 100, 10]), ("tutorial", [30, 30, 15, 1])):
        model = keras.Sequential([keras.Input((sizes[0],))] +
                                 [keras.layers.Dense(n, activation="relu") for n in sizes[1:-1]] +
                                 [keras.layers.Dense(sizes[-1], activation="softmax" if sizes[-1] > 1 else "sigmoid")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy" if sizes[-1] > 1 else "binary_crossentropy")
        model.train_on_batch(np.zeros((8, sizes[0]), "float32"), np.zeros((8, 1), "float32"))
        model.save(f"{folder}/{name}.keras")
        model.save(f"{folder}/{name}.h5")
    print(keras.__version__)
""")

# Runs in either library's interpreter: `lib` is densekit or keras, imported as keras.
LOAD_AND_PREDICT = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    lib, folder, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if lib == "densekit":
        import densekit as keras
        keras.config.set_num_threads(2)
    else:
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(2)
        tf.config.threading.set_inter_op_parallelism_threads(2)
        import keras
    out = {"version": keras.__version__}
    for name, width in (("w1", 784), ("tutorial", 30)):
        row = np.random.default_rng(0).random((1, width), dtype=np.float32)
        for suffix in (".keras", ".h5") + ((".dk",) if lib == "densekit" else ()):
            path = f"{folder}/{name}{suffix}"
            loads, totals = [], []
            for _ in range(repeats):
                start = time.perf_counter()
                model = keras.saving.load_model(path)
                loaded = time.perf_counter()
                model.predict(row, verbose=0)
                end = time.perf_counter()
                loads.append(loaded - start)
                totals.append(end - start)
            out[name + suffix] = {"load_s": min(loads), "load_and_predict_s": min(totals)}
    print(json.dumps(out))
""")


def cpu_model():
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no lscpu)"
    return next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Model name")),
                "unknown")


def run(python, script, *args):
    done = subprocess.run([python, "-c", script, *args], capture_output=True, text=True, env=ENV)
    if done.returncode != 0:
        sys.exit(f"{python} failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def fmt(seconds):
    return f"{seconds * 1e3:.1f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.0f} us"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keras-python", required=True, help="a Python with Keras 3 (e.g. a tensorflow-cpu venv)")
    parser.add_argument("--densekit-python", default=sys.executable)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; {THREADS} threads for both libraries")
    with tempfile.TemporaryDirectory() as folder:
        keras_version = run(args.keras_python, WRITE_WITH_KERAS, folder)
        for name in ("w1", "tutorial"):
            source, target = os.path.join(folder, f"{name}.keras"), os.path.join(folder, f"{name}.dk")
            subprocess.run([args.densekit_python, "-m", "densekit", "convert", source, target], check=True,
                           capture_output=True, env=ENV)
        print(f"files written by Keras {keras_version} (and converted to .dk): " +
              ", ".join(f"{f} {os.path.getsize(os.path.join(folder, f)):,} B" for f in sorted(os.listdir(folder))))
        results = {lib: json.loads(run(python, LOAD_AND_PREDICT, lib, folder, str(args.repeats)))
                   for lib, python in (("densekit", args.densekit_python), ("keras", args.keras_python))}
    dk, ks = results["densekit"], results["keras"]
    print(f"densekit {dk['version']} vs Keras {ks['version']}; best of {args.repeats}")
    print(f"{'file':<16}{'densekit load':>15}{'+ predict 1 row':>17}{'Keras load':>13}{'+ predict 1 row':>17}{'ratio':>9}")
    for name in ("w1", "tutorial"):
        for key in (f"{name}.keras", f"{name}.h5"):
            d, k = dk[key], ks[key]
            ratio = k["load_and_predict_s"] / d["load_and_predict_s"]
            print(f"{key:<16}{fmt(d['load_s']):>15}{fmt(d['load_and_predict_s']):>17}{fmt(k['load_s']):>13}"
                  f"{fmt(k['load_and_predict_s']):>17}{ratio:>8.1f}x")
        d, k = dk[f"{name}.dk"], ks[f"{name}.keras"]
        ratio = k["load_and_predict_s"] / d["load_and_predict_s"]
        print(f"{name + '.dk':<16}{fmt(d['load_s']):>15}{fmt(d['load_and_predict_s']):>17}{'(.keras)':>13}"
              f"{'':>17}{ratio:>8.1f}x")


if __name__ == "__main__":
    main()
