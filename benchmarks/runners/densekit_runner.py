"""densekit's runner: W1-W4 and import time like the other libraries, plus densekit's
extras: W5 (GFLOP/s of the W1 training path next to numpy's matmul roofline), peak memory
of a W1 fit (fresh subprocess) and the contended case (W1 batch 32 with one core kept busy).

Run by compare.py with the interpreter that has densekit; prints one JSON object."""

import json
import os
import subprocess
import sys
import time

import _common


def memory_child(quick):
    """Runs in a fresh interpreter: RSS with the data and model ready, and the peak RSS during
    one W1 fit (batch 32, one epoch). The peak is reset just before the fit, so transient
    allocations of the set-up do not count."""
    import numpy as np  # noqa: F401  (import cost belongs to the baseline)
    import densekit as keras

    wl = _common.load_workloads()
    sz = wl.sizes(quick)
    rss_imported = _common.rss_now_bytes()
    x, y = wl.mnist_shaped(sz["w1_rows"])
    model = wl.build_keras_model(keras, wl.W1)
    model.predict(x[:1], verbose=0)
    maxrss_ready = _common.maxrss_bytes()
    reset = _common.reset_peak_rss()
    rss_ready = _common.rss_now_bytes()
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    maxrss_fit = _common.peak_rss_bytes() if reset else _common.maxrss_bytes()
    data_bytes = x.nbytes + y.nbytes
    model_bytes = model.count_params() * 4
    extra = maxrss_fit - rss_ready
    print(json.dumps({
        "rss_after_import_mb": rss_imported / 2**20,
        "rss_after_data_and_model_mb": rss_ready / 2**20,
        "maxrss_before_fit_mb": maxrss_ready / 2**20,
        "peak_rss_during_fit_mb": maxrss_fit / 2**20,
        "peak_source": "VmHWM after clear_refs" if reset else "ru_maxrss",
        "fit_extra_mb": extra / 2**20,
        "data_mb": data_bytes / 2**20,
        "model_mb": model_bytes / 2**20,
        # peak memory of data + model + training, as a multiple of data + model
        "peak_ratio": (data_bytes + model_bytes + extra) / (data_bytes + model_bytes),
        # the same from the RSS after importing (counts everything the data/model creation left behind)
        "peak_ratio_from_import": (maxrss_fit - rss_imported) / (data_bytes + model_bytes),
    }))


def densekit_gemm(keras, np):
    """GFLOP/s of densekit's own forward GEMM at the roofline shape: predict_on_batch of a
    one-layer linear Dense(300) model on 256 x 784 rows (Python-call overhead included)."""
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(300, use_bias=False)])
    x = np.random.default_rng(0).random((256, 784), dtype=np.float32)
    return _common.gemm_gflops(lambda: model.predict_on_batch(x))


def blas_info(np):
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # noqa: BLE001 - informational only
        return "unknown"


def main():
    if sys.argv[1:2] == ["--memory-child"]:
        _common.set_thread_env(int(os.environ.get("OMP_NUM_THREADS", "2")))
        memory_child("--quick" in sys.argv)
        return
    args = _common.parse_args("densekit's benchmark runner (see benchmarks/compare.py)")
    report = {"library": "densekit", "machine": _common.machine()}
    wl = _common.load_workloads()
    sz = wl.sizes(args.quick)
    results, samples, extras = {}, {}, {}
    if _common.wanted(args, "import"):
        results["import_s"], samples["import_s"] = _common.import_time("import densekit", sz["repeats"])

    import numpy as np
    import densekit as keras
    import _keras_api

    keras.config.set_num_threads(args.threads)
    core = keras._core.__file__
    report.update(version=keras.__version__, isa=keras._core.ISA, num_threads=keras.config.get_num_threads(),
                  numpy=np.__version__, core_file=core,
                  core_built=time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.path.getmtime(core))))
    _common.log(f"densekit {keras.__version__} ({keras._core.ISA}), {args.threads} threads")
    roofs = [_common.numpy_roofline(np)] if _common.wanted(args, "W5") else []
    own = [densekit_gemm(keras, np)] if _common.wanted(args, "W5") else []
    x1, y1 = _keras_api.run(keras, wl, sz, args, results, samples)

    if _common.wanted(args, "W5") and "w1_bs256_epoch_s" in results:
        flops_epoch = wl.training_flops_per_sample(wl.W1) * len(x1)
        roofs.append(_common.numpy_roofline(np))  # measured at the start and here: the best of both
        roof = max(roofs)
        own.append(densekit_gemm(keras, np))
        w5 = {"flops_per_sample": wl.training_flops_per_sample(wl.W1), "epoch_gflop": flops_epoch / 1e9,
              "roofline_gflops_numpy": roof, "roofline_samples": roofs, "numpy_blas": blas_info(np),
              "roofline_shape": "(256x784)@(784x300) float32, numpy.matmul",
              "densekit_gemm_gflops": max(own), "densekit_gemm_samples": own}
        for bs in (32, 256):
            gflops = flops_epoch / results[f"w1_bs{bs}_epoch_s"] / 1e9
            w5[f"w1_bs{bs}_gflops"] = gflops
            w5[f"w1_bs{bs}_fraction"] = gflops / roof
        extras["w5"] = w5
        _common.log(f"  W5: roofline {roof:.0f} GFLOP/s (numpy), W1 bs256 {w5['w1_bs256_gflops']:.0f} GFLOP/s")

    if _common.wanted(args, "memory"):
        _common.log("  memory: one W1 fit in a fresh interpreter")
        cmd = [sys.executable, os.path.abspath(__file__), "--memory-child"] + (["--quick"] if args.quick else [])
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()
        extras["memory"] = json.loads(out[-1])

    if _common.wanted(args, "contended"):
        rounds = sz["contended_rounds"]
        _common.log(f"  contended: W1 batch 32, a warm-up epoch, then {rounds} x (quiet epoch, epoch with a busy loop)")
        model, _ = _keras_api.w1_epochs(keras, wl, x1, y1, 32, 1)
        quiet, contended = [], []
        for _ in range(rounds):  # alternate, so both see the same background load
            for times, busy in ((quiet, False), (contended, True)):
                timer = _common.epoch_timer(keras.callbacks.Callback)
                if busy:
                    with _common.BusyLoop():
                        model.fit(x1, y1, batch_size=32, epochs=1, verbose=0, callbacks=[timer])
                else:
                    model.fit(x1, y1, batch_size=32, epochs=1, verbose=0, callbacks=[timer])
                times += timer.times
        extras["contended"] = _common.contended_summary(quiet, contended)

    report.update(results=results, samples=samples, extras=extras)
    _common.emit(report, args)


if __name__ == "__main__":
    main()
