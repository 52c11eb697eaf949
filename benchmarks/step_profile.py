"""Where a W1 (or W5) training step's time goes: the step as `fit` runs it, beside each of its matrix
products timed alone at the same thread count, and (where `perf` is installed) the step's CPU
time by kind of work — the GEMM kernel, activations, loss and metrics, the optimizer, the thread
pool's waiting and waking, copies, Python.

    python benchmarks/step_profile.py --batch 32 [--workload W5] [--threads 2] [--rows N] [--no-perf]

The products alone are densekit's GEMM on the workload's operands (benchmarks/gemm_products.py), wall
time, best of --calls. Their sum per step against the step's own time tells how much of the
step is not arithmetic a BLAS would do. perf samples both threads; a share is of all CPU time,
so a thread spinning while it waits for the other counts as the pool's.

perf needs the C++ core's symbols: pip strips them, so for the breakdown build the core
unstripped, e.g. `pip install --no-build-isolation -e . -C cmake.define.CMAKE_STRIP=/bin/true`
(the code is the same; only the symbol table stays).
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gemm_products  # noqa: E402
import workloads as wl  # noqa: E402
from compare_machine import cpu_model  # noqa: E402

import densekit  # noqa: E402
from densekit._core import _testing  # noqa: E402

# Kinds of work, tried in order on each sampled symbol (C++ names demangled where perf could;
# a lambda's mangled name still holds its enclosing function's).
KINDS = (
    ("copies and row gathers", r"memcpy|memmove|memset|gather"),
    ("scan of the data for NaN/inf", r"finite"),
    ("GEMM: tiles and packing", r"\b(gemm|tile|tiles|one_row\w*|column_block\w*|block_range|product|pack_\w+|transpose\w*)\b"),
    ("activations", r"[Aa]ctivation|relu|softmax|sigmoid|tanh"),
    ("loss and metrics", r"[Ll]oss|crossentropy|[Mm]etric|accuracy"),
    ("optimizer", r"optimi[sz]|Optimizer|adam|Adam|update_range"),
    ("thread pool: waiting, waking", r"Pool|relax|run_blocks|futex|sched_yield|__lll_|pthread_|syscall|\[kernel"),
    ("other densekit", r"densekit"),
    ("Python, numpy", r"\[(python|libpython|numpy|_multiarray)"),
)


def time_products(workload, batch, calls):
    """Seconds per step that the workload's products take alone: (label, m, n, k, seconds) each."""
    rng = np.random.default_rng(0)
    out = []
    for label, m, n, k, layout in gemm_products.products(batch):
        if label.startswith(workload + " "):
            _, ours, _ = gemm_products.measure(m, n, k, layout, calls, rng, clock=time.perf_counter, numpy=False)
            out.append((label, m, n, k, ours))
    return out


def fitted_model(spec, x, y, batch):
    model = wl.build_keras_model(densekit, spec)
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=True)  # warm-up: allocations, caches
    return model


def timed_epoch(model, x, y, batch):
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=True)
    return time.perf_counter() - start


def perf_record(model, x, y, batch, data_file):
    """One epoch under `perf record` (this process, all threads); the epoch's wall time."""
    recorder = subprocess.Popen(["perf", "record", "-q", "-F", "2999", "-p", str(os.getpid()), "-o", data_file],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)  # perf attaches to every thread before the epoch starts
    seconds = timed_epoch(model, x, y, batch)
    recorder.send_signal(signal.SIGINT)
    recorder.wait(timeout=60)
    return seconds


def perf_shares(data_file, caller):
    """{(thread, symbol): share of samples} from a perf data file; thread is "calling" (the
    thread that runs fit) or "helpers" (the pool's)."""
    report = subprocess.run(["perf", "report", "-i", data_file, "--stdio", "--no-children", "--sort", "pid,dso,sym"],
                            capture_output=True, text=True, timeout=300).stdout
    shares = {}
    for line in report.splitlines():
        match = re.match(r"\s*([\d.]+)%\s+(\d+):\S*\s+(\S+)\s+\[[.k]\]\s+(.*)", line)
        if match:
            percent, tid, dso, symbol = match.groups()
            if symbol.startswith("0x"):  # no symbol: name the object instead
                symbol = f"[{dso}"
            elif "[kernel" in dso:
                symbol = f"[kernel] {symbol}"
            key = ("calling" if int(tid) == caller else "helpers", symbol.strip())
            shares[key] = shares.get(key, 0.0) + float(percent) / 100
    return shares


def kind_of(symbol):
    for kind, pattern in KINDS:
        if re.search(pattern, symbol):
            return kind
    return "other"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", choices=("W1", "W5"), default="W1")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rows", type=int, help="training rows (default: the workload's, 60000 or 20000)")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs; the best is kept")
    parser.add_argument("--calls", type=int, default=200, help="calls of each product alone; the best is kept")
    parser.add_argument("--no-perf", action="store_true", help="leave out perf's breakdown")
    parser.add_argument("--perf-epochs", type=int, default=3, help="epochs recorded; the fastest one's profile is kept")
    parser.add_argument("--top", type=int, default=15, help="symbols listed from perf's report")
    args = parser.parse_args()
    densekit.config.set_num_threads(args.threads)
    spec = wl.SPECS[args.workload]
    rows = args.rows or (60000 if args.workload == "W1" else wl.FULL["w5_rows"])
    x, y = wl.mnist_shaped(rows) if args.workload == "W1" else wl.wide_inputs(rows)
    steps = -(-rows // args.batch)

    print(f"CPU: {cpu_model()}; densekit ISA {densekit._core.ISA}; {args.threads} thread(s); "
          f"{args.workload}, batch {args.batch}; {rows} rows = {steps} steps; load average {os.getloadavg()[0]:.1f}")
    round_trip = densekit._core._testing.cross_core_round_trip_ns
    before = round_trip()
    model = fitted_model(spec, x, y, args.batch)
    epoch = min(timed_epoch(model, x, y, args.batch) for _ in range(args.epochs))
    step = epoch / steps
    print(f"cross-core round trip before/after the epochs: {before:.0f}/{round_trip():.0f} ns "
          "(two threads passing a flag: where the vCPUs sit)")
    flop = wl.training_flops_per_sample(spec) * args.batch
    print(f"step in fit: {step * 1e6:8.1f} us ({flop / step / 1e9:.0f} GFLOP/s; epoch {epoch * 1e3:.0f} ms, best of {args.epochs})")

    products = time_products(args.workload, args.batch, args.calls)
    alone = sum(p[4] for p in products)
    print(f"\n{'product, alone':34s} {'m x n x k':>16s} {'us':>8s} {'GFLOP/s':>8s}  path")
    for label, m, n, k, seconds in products:
        print(f"{label:34s} {f'{m}x{n}x{k}':>16s} {seconds * 1e6:8.1f} {2 * m * n * k / seconds / 1e9:8.1f}  "
              f"{_testing.gemm_path(m, n, k)}")
    print(f"{'sum of the products alone':34s} {'':16s} {alone * 1e6:8.1f} {flop / alone / 1e9:8.1f}")
    print(f"the rest of the step (step - products alone): {(step - alone) * 1e6:.1f} us = {(step - alone) / step:.0%}")

    if args.no_perf:
        return
    if shutil.which("perf") is None:
        print("\nperf is not installed: no breakdown by kind of work")
        return
    with tempfile.TemporaryDirectory() as tmp:
        # The host's noise reaches memory-bound work most (the optimizer): of a few recorded
        # epochs, the fastest one's profile is kept.
        recorded, shares = float("inf"), {}
        for attempt in range(args.perf_epochs):
            data_file = os.path.join(tmp, f"perf{attempt}.data")
            seconds = perf_record(model, x, y, args.batch, data_file)
            if seconds < recorded:
                recorded, shares = seconds, perf_shares(data_file, os.getpid())
    if not shares:
        print("\nperf recorded no samples (perf_event_paranoid? see `perf record` alone)")
        return
    if not any(symbol.startswith("densekit::") for _, symbol in shares):
        print("\nthe C++ core has no symbols (pip strips them): see this script's help to build it unstripped")
    kinds = {}
    for (thread, symbol), share in shares.items():
        row = kinds.setdefault(kind_of(symbol), {"calling": 0.0, "helpers": 0.0})
        row[thread] += share
    cpu_per_step = recorded / steps * args.threads
    print(f"\nCPU time of a step by kind of work (perf, {args.threads} thread(s); the fastest of {args.perf_epochs} "
          f"recorded epochs, {recorded * 1e3:.0f} ms: {cpu_per_step * 1e6:.0f} us of CPU a step; shares of all samples)")
    print(f"  {'':34s} {'all':>6s} {'us':>8s} {'calling':>8s} {'helpers':>8s}")
    for kind, row in sorted(kinds.items(), key=lambda item: -sum(item[1].values())):
        share = row["calling"] + row["helpers"]
        print(f"  {kind:34s} {share:6.1%} {share * cpu_per_step * 1e6:8.1f} {row['calling']:8.1%} {row['helpers']:8.1%}")
    print(f"\ntop {args.top} symbols")
    for (thread, symbol), share in sorted(shares.items(), key=lambda item: -item[1])[:args.top]:
        print(f"  {share:6.1%}  {thread:8s} {kind_of(symbol):30s} {symbol[:100]}")

if __name__ == "__main__":
    main()
