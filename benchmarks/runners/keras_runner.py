"""Keras's runner: the same W1-W6 user code as densekit's runner (benchmarks/runners/_keras_api.py),
on Keras 3 with the TensorFlow CPU backend (KERAS_BACKEND=tensorflow, the default here);
also works with KERAS_BACKEND=jax. Prints one JSON object.

Set-up: python -m venv /work/venv-keras && /work/venv-keras/bin/pip install tensorflow-cpu numpy
"""

import os

import _common


def configure_threads(backend, threads):
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        return {"tensorflow": tf.__version__, "tf_intra_op_threads": threads, "tf_inter_op_threads": threads}
    if backend == "jax":
        import jax

        return {"jax": jax.__version__}
    return {}


def main():
    args = _common.parse_args("Keras's benchmark runner (see benchmarks/compare.py)")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    backend = os.environ["KERAS_BACKEND"]
    if backend == "jax":
        # XLA's CPU client: one intra-op pool of the chosen size.
        os.environ.setdefault("XLA_FLAGS", f"--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={args.threads}")
    report = {"library": "keras", "machine": _common.machine()}
    wl = _common.load_workloads()
    sz = wl.sizes(args.quick)
    results, samples = {}, {}
    if _common.wanted(args, "import"):
        results["import_s"], samples["import_s"] = _common.import_time("import keras", sz["repeats"])

    versions = configure_threads(backend, args.threads)
    import numpy as np
    import keras
    import _keras_api

    report.update(version=keras.__version__, backend=keras.backend.backend(), numpy=np.__version__, **versions)
    _common.log(f"keras {keras.__version__} ({keras.backend.backend()} backend), {args.threads} threads")
    _keras_api.run(keras, wl, sz, args, results, samples)
    extras = {}
    if _common.wanted(args, "peak"):  # one more sample of numpy's peak, taken at another time of the run
        _common.log("  peak: sgemm, numpy")
        extras["peak"] = {"numpy": _common.numpy_peak(np, wl, sz, args.threads)}
    report.update(results=results, samples=samples, extras=extras)
    _common.emit(report, args, wl, sz)


if __name__ == "__main__":
    main()
