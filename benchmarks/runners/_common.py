"""Helpers shared by the runners: thread settings, loading workloads.py by path, timing
(best of N), the sgemm peak, W6's captured epoch lines, the busy-loop process of the contended
case, import timing and the JSON report.

Standard library only until a runner imports numpy, so each runner can set the thread
environment before any numerical library loads."""

import argparse
import contextlib
import importlib.util
import io
import json
import os
import platform
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH_DIR = os.path.dirname(HERE)


def set_thread_env(threads):
    """Thread count for every pool a library might start: call before importing numpy."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                "NUMEXPR_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        os.environ[var] = str(threads)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def parse_args(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="reduced sizes (smoke test)")
    parser.add_argument("--threads", type=int, default=2, help="threads for every library (default 2)")
    parser.add_argument("--only", default="", help="comma-separated subset: import,W1,W2,W3,W4,W5,W6,peak,memory,"
                                                   "contended,threads")
    parser.add_argument("--json", default="", help="also write the JSON result to this file")
    args = parser.parse_args()
    args.only = {s.strip().lower() for s in args.only.split(",") if s.strip()}
    set_thread_env(args.threads)
    return args


def wanted(args, name):
    return not args.only or name.lower() in args.only


def load_workloads():
    spec = importlib.util.spec_from_file_location("bench_workloads", os.path.join(BENCH_DIR, "workloads.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def best_of(fn, repeats):
    """Runs fn() `repeats` times; returns (min seconds, all seconds). fn may return its own
    measured seconds (for timings that exclude set-up), else it is timed whole."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        own = fn()
        elapsed = time.perf_counter() - start
        samples.append(own if isinstance(own, float) else elapsed)
    return min(samples), samples


def whole_fits(args, wl, sz, whole_fit, results, samples, classification_labels=lambda y: y):
    """W2 and W3: the best of sz["repeats"] whole fits, whole_fit(spec, x, y, batch_size, epochs)
    returning its seconds. classification_labels converts W2's 0/1 labels where a library needs
    another type."""
    if wanted(args, "W2"):
        x2, y2 = wl.breast_cancer_scaled()
        y2 = classification_labels(y2)
        log(f"  W2: fit {sz['w2_epochs']} epochs, batch {sz['w2_batch']}, best of {sz['repeats']}")
        results["w2_fit_s"], samples["w2_fit_s"] = best_of(
            lambda: whole_fit(wl.W2, x2, y2, sz["w2_batch"], sz["w2_epochs"]), sz["repeats"])
    if wanted(args, "W3"):
        x3, y3 = wl.regression(sz["w3_rows"])
        log(f"  W3: fit {sz['w3_epochs']} epochs, batch {sz['w3_batch']}, best of {sz['repeats']}")
        results["w3_fit_s"], samples["w3_fit_s"] = best_of(
            lambda: whole_fit(wl.W3, x3, y3, sz["w3_batch"], sz["w3_epochs"]), sz["repeats"])


def contended_summary(quiet, contended):
    """The contended case's extras: best quiet and best contended epoch, their ratio, the samples."""
    q, c = min(quiet), min(contended)
    return {"quiet_s": q, "contended_s": c, "ratio": c / q, "quiet_samples": quiet, "contended_samples": contended}


def per_call_latency(fn, calls, loops, loop_budget_s=0.5, total_budget_s=4.0, max_loops=30):
    """Best (minimum) seconds per call over loops of up to `calls` calls: at least `loops`
    loops, more (up to max_loops) while the total stays under total_budget_s, since on a
    shared machine a loop is often preempted. Slow calls (Keras predict() takes tens of ms)
    get fewer calls per loop (at least 10) so a loop stays near loop_budget_s."""
    return per_call_latencies({"fn": fn}, calls, loops, loop_budget_s, total_budget_s, max_loops)["fn"]


def per_call_latencies(fns, calls, loops, loop_budget_s=0.5, total_budget_s=4.0, max_loops=30):
    """per_call_latency() of several functions ({name: fn}) whose loops alternate, so that each
    sees the same background load (compared one after the other, two calls of the same C++
    path differed by 14 % on this shared machine). Returns {name: (best, per_loop, n)}."""
    n = {}
    for name, fn in fns.items():
        for _ in range(3):
            fn()  # warm-up (tracing, first-call allocations)
        start = time.perf_counter()
        fn()
        one = max(time.perf_counter() - start, 1e-7)
        n[name] = int(max(10, min(calls, loop_budget_s / one)))
    per_call = {name: [] for name in fns}
    budget = total_budget_s * len(fns)
    began = time.perf_counter()
    while True:
        done = min(len(v) for v in per_call.values())
        if done >= max_loops or (done >= loops and time.perf_counter() - began >= budget):
            break
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(n[name]):
                fn()
            per_call[name].append((time.perf_counter() - start) / n[name])
    return {name: (min(v), v, n[name]) for name, v in per_call.items()}


def best_of_alternating(fns, repeats):
    """best_of() of several functions ({name: fn}), their runs alternating."""
    samples = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            samples[name].append(best_of(fn, 1)[0])
    return {name: (min(v), v) for name, v in samples.items()}


def gemm_gflops(fn, m, k, n, budget_s=2.0, loop_s=0.05, max_loops=200):
    """Best GFLOP/s of fn() computing an (m x k)@(k x n) product: the minimum over many short
    loops of about loop_s seconds each (a shared machine preempts long ones), for budget_s."""
    for _ in range(2):
        fn()  # warm-up: first-touch of the output, thread pools waking
    start = time.perf_counter()
    fn()
    calls = max(1, int(loop_s / max(time.perf_counter() - start, 1e-7)))
    best, began = float("inf"), time.perf_counter()
    for _ in range(max_loops):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
        if time.perf_counter() - began > budget_s:
            break
    return 2 * m * k * n / best / 1e9


def sgemm_peak(make_product, shapes, budget_s):
    """{"MxKxN": best GFLOP/s} over `shapes` ((m, k, n) triples): make_product(m, k, n) returns a
    function computing one float32 (m x k)@(k x n) product into a preallocated output."""
    return {f"{m}x{k}x{n}": gemm_gflops(make_product(m, k, n), m, k, n, budget_s) for m, k, n in shapes}


def random_operands(np, m, k, n, seed=0):
    """float32 A (m x k), B (k x n) uniform in [0, 1) and an output C (m x n), all C-contiguous."""
    rng = np.random.default_rng(seed)
    return rng.random((m, k), dtype=np.float32), rng.random((k, n), dtype=np.float32), np.empty((m, n), np.float32)


def blas_info(np):
    """numpy's BLAS, as numpy reports it (e.g. "scipy-openblas 0.3.27")."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # noqa: BLE001 - informational only
        return "unknown"


def numpy_peak(np, wl, sz, threads):
    """The peak entry of numpy.matmul (its BLAS at OPENBLAS_NUM_THREADS = threads)."""
    def product(m, k, n):
        a, b, c = random_operands(np, m, k, n)
        return lambda: np.matmul(a, b, out=c)

    return {"gflops": sgemm_peak(product, wl.PEAK_SHAPES, sz["peak_budget_s"]), "threads": threads,
            "what": f"numpy.matmul ({blas_info(np)})"}


def flop_counts(wl, sz):
    """The FLOP counts compare.py turns times into GFLOP/s with (see workloads.training_flops_per_sample)."""
    return {"w1_epoch_flop": wl.training_flops_per_sample(wl.W1) * sz["w1_rows"],
            "w5_epoch_flop": wl.training_flops_per_sample(wl.W5) * sz["w5_rows"],
            "w4_predict_row_flop": wl.forward_flops_per_sample(wl.W1)}


def check_epoch_lines(text, epochs):
    """W6's check that fit really printed: one line per epoch carrying the validation loss."""
    lines = [line for line in text.splitlines() if "val_loss" in line]
    if len(lines) != epochs:
        raise RuntimeError(f"W6: expected {epochs} epoch lines with val_loss in fit's output, got {len(lines)}:\n"
                           + text[-2000:])


@contextlib.contextmanager
def captured_stdout(epochs):
    """sys.stdout goes to a buffer (the table stays readable; printing still costs what it costs),
    and on leaving, the buffer must hold `epochs` epoch lines."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        yield buffer
    check_epoch_lines(buffer.getvalue(), epochs)


def import_time(module_stmt, repeats, env=None):
    """Seconds for `import X` in a fresh interpreter (timed inside it), best of `repeats`."""
    code = ("import time; t = time.perf_counter(); " + module_stmt +
            "; print(repr(time.perf_counter() - t))")
    samples = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=env or os.environ.copy(), check=True).stdout.strip().splitlines()
        samples.append(float(out[-1]))
    return min(samples), samples


class BusyLoop:
    """`python -c "while True: pass"` keeping one core busy; ended by its own pid."""

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.5)  # let the scheduler see it
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def epoch_timer(callback_base):
    """A Keras-API callback recording the seconds of every epoch (densekit or Keras)."""

    class EpochTimer(callback_base):
        def __init__(self):
            super().__init__()
            self.times = []
            self._start = None

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self._start)

    return EpochTimer()


def rss_now_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def maxrss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def reset_peak_rss():
    """Resets the peak RSS (VmHWM) to the current RSS (Linux: write 5 to /proc/self/clear_refs).
    Returns False where that is not possible (then ru_maxrss, the peak since start, is used)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_bytes():
    """The peak RSS since the last reset_peak_rss() (VmHWM), else ru_maxrss."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return maxrss_bytes()


def machine():
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "loadavg": list(os.getloadavg())}


def emit(report, args, wl=None, sz=None):
    report.setdefault("python", sys.executable)
    if wl is not None:
        report["flops"] = flop_counts(wl, sz)
    report.setdefault("threads", args.threads)
    report.setdefault("quick", args.quick)
    report["machine_end"] = machine()
    text = json.dumps(report, sort_keys=True)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    print(text, flush=True)  # the last line of stdout: one JSON object
