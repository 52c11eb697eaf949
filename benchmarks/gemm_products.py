"""Each matrix product of a Dense training step, timed alone: densekit's GEMM kernel beside
numpy's BLAS on the same operands, alternating call by call so both see the same background
load. The products are those of W1 (784-300-100-10) and W5 (784-2048-2048-10) at batch 256:
forward x·W, weight gradient xᵀ·dz (A read transposed), input gradient dz·Wᵀ (the kernel read
as stored). Prints GFLOP/s (best of the calls, on the calling thread's CPU time, which leaves
out time the host gave to other machines) and the ratio densekit / numpy, with gemm's path.

    OPENBLAS_NUM_THREADS=1 python benchmarks/gemm_products.py [--threads 1] [--calls 12]

Compare densekit with numpy at the same thread count: set OPENBLAS_NUM_THREADS (or the
variable of numpy's BLAS) to --threads. With more than one thread, CPU time counts only the
calling thread: read the figures at --threads 1.
"""

import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from compare_machine import cpu_model  # noqa: E402

import densekit  # noqa: E402
from densekit._core import _testing  # noqa: E402


def products(batch=256):
    """(label, m, n, k, how A and B are read) for every product of W1 and W5's training steps."""
    out = []
    for name, sizes in (("W1", (784, 300, 100, 10)), ("W5", (784, 2048, 2048, 10))):
        for i, (fan_in, units) in enumerate(zip(sizes, sizes[1:])):
            layer = f"{name} layer {i + 1}"
            out.append((f"{layer} forward", batch, units, fan_in, "row-major"))
            out.append((f"{layer} weight gradient", fan_in, units, batch, "transposed A"))
            if i > 0:  # the first layer's input needs no gradient
                out.append((f"{layer} input gradient", batch, fan_in, units, "transposed B"))
    return out


def timer(fn, clock=time.thread_time):
    start = clock()
    fn()
    return clock() - start


def measure(m, n, k, layout, calls, rng, clock=time.thread_time, numpy=True):
    """(FLOPs, best seconds of densekit's GEMM, best seconds of numpy's or None without numpy).
    Leave numpy out to time densekit at 2 threads: the BLAS's own threads spin after each call,
    on the cores densekit's pool shares."""
    a_stored = rng.standard_normal((k, m) if layout == "transposed A" else (m, k), dtype=np.float32)
    b_stored = rng.standard_normal((n, k) if layout == "transposed B" else (k, n), dtype=np.float32)
    c = np.zeros((m, n), np.float32)
    a = a_stored.T if layout == "transposed A" else a_stored
    b = b_stored.T if layout == "transposed B" else b_stored
    rs, cs = (1, m) if layout == "transposed A" else (k, 1)
    ldb = k if layout == "transposed B" else n

    def ours():
        _testing.gemm(m, n, k, a_stored.reshape(-1), rs, cs, b_stored.reshape(-1), ldb, c.reshape(-1), n,
                      b_transposed=layout == "transposed B")

    def theirs():
        np.matmul(a, b)

    ours()
    best_ours = best_theirs = float("inf")
    for _ in range(calls):
        best_ours = min(best_ours, timer(ours, clock))
        if numpy:
            best_theirs = min(best_theirs, timer(theirs, clock))
    return 2.0 * m * n * k, best_ours, best_theirs if numpy else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--calls", type=int, default=12)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()
    densekit.config.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    print(f"CPU: {cpu_model()}; densekit ISA {densekit._core.ISA}; {args.threads} thread(s); "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'product':34s} {'m x n x k':>18s} {'densekit':>9s} {'numpy':>7s} {'ratio':>6s}  path")
    for label, m, n, k, layout in products(args.batch):
        flop, ours, theirs = measure(m, n, k, layout, args.calls, rng)
        print(f"{label:34s} {f'{m}x{n}x{k}':>18s} {flop / ours / 1e9:9.1f} {flop / theirs / 1e9:7.1f} "
              f"{theirs / ours:6.2f}  {_testing.gemm_path(m, n, k)}")
    print("GFLOP/s on the calling thread's CPU time, best of", args.calls, "calls each")


if __name__ == "__main__":
    main()
