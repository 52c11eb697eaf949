"""densekit's runner: W1-W6 and import time like the other libraries, the machine's sgemm
peak (numpy's BLAS and densekit's own GEMM), plus densekit's extras: peak memory of a W1 fit
(fresh subprocess), the contended case (W1 batch 32 with one core kept busy) and whether
threads pay (W1 batch 32 at --threads and at 1 thread).

Run by compare.py with the interpreter that has densekit; prints one JSON object."""

import json
import os
import subprocess
import sys
import time

import _common
import _keras_api


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


def densekit_peak(keras, np, wl, sz, threads):
    """The peak entry of densekit's own GEMM kernel (densekit._core._testing.gemm; Dense layers
    call it where cpp/src/gemm.cpp's gemm_preferred says it beats Eigen's packed product), at
    the thread count densekit.config.set_num_threads set."""
    from densekit._core import _testing

    def product(m, k, n):
        a, b, c = _common.random_operands(np, m, k, n)
        return lambda: _testing.gemm(m, n, k, a, k, 1, b, n, c, n)

    return {"gflops": _common.sgemm_peak(product, wl.PEAK_SHAPES, sz["peak_budget_s"]), "threads": threads,
            "what": f"densekit's own GEMM ({keras._core.ISA})"}


def threads_pay(keras, wl, sz, x, y, threads):
    """W1 batch 32 epochs of one model alternating between `threads` threads and 1 thread (after
    a warm-up epoch), so both see the same background load."""
    model, _ = _keras_api.w1_epochs(keras, wl, x, y, 32, 1)
    many, one = [], []
    try:
        for _ in range(sz["threads_rounds"]):
            for times, n in ((many, threads), (one, 1)):
                keras.config.set_num_threads(n)
                timer = _common.epoch_timer(keras.callbacks.Callback)
                model.fit(x, y, batch_size=32, epochs=1, verbose=0, callbacks=[timer])
                times += timer.times
    finally:
        keras.config.set_num_threads(threads)
    return {"threads": threads, "threads_s": min(many), "one_thread_s": min(one), "speedup": min(one) / min(many),
            "threads_samples": many, "one_thread_samples": one}


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

    keras.config.set_num_threads(args.threads)
    core = keras._core.__file__
    report.update(version=keras.__version__, isa=keras._core.ISA, num_threads=keras.config.get_num_threads(),
                  numpy=np.__version__, core_file=core,
                  core_built=time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.path.getmtime(core))))
    _common.log(f"densekit {keras.__version__} ({keras._core.ISA}), {args.threads} threads")
    if _common.wanted(args, "peak"):
        _common.log(f"  peak: sgemm {', '.join('x'.join(map(str, s)) for s in wl.PEAK_SHAPES)}, numpy and densekit")
        extras["peak"] = {"numpy": _common.numpy_peak(np, wl, sz, args.threads),
                          "densekit": densekit_peak(keras, np, wl, sz, args.threads)}
    x1, y1 = _keras_api.run(keras, wl, sz, args, results, samples)
    if x1 is None and (_common.wanted(args, "contended") or _common.wanted(args, "threads")):
        x1, y1 = wl.mnist_shaped(sz["w1_rows"])

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

    if _common.wanted(args, "threads") and args.threads > 1:
        rounds = sz["threads_rounds"]
        _common.log(f"  threads: W1 batch 32, a warm-up epoch, then {rounds} x (epoch at {args.threads} threads, "
                    f"epoch at 1 thread)")
        extras["threads"] = threads_pay(keras, wl, sz, x1, y1, args.threads)

    report.update(results=results, samples=samples, extras=extras)
    _common.emit(report, args, wl, sz)


if __name__ == "__main__":
    main()
