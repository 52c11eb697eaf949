"""Data-parallel training over MPI on this machine (docs/distributed.md).

    python benchmarks/distributed_fit.py [--quick]

Runs each workload as one process with 1 thread, one process with all threads, and
`mpirun -np 2` with 1 thread per process (DataParallel, same global batch), and prints steps/s,
the speed-up over one thread, the scaling efficiency (speed-up / processes), and a paper
estimate of where data-parallel training over a network stops scaling: a ring allreduce moves
2 (N-1)/N x the gradient bytes per process per step, which is compared with the compute time of
one process's share of the global batch (measured here, single-thread).
Needs the extra densekit[mpi]. Prints the CPU model with the figures.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import workloads  # noqa: E402

WIDE = ((784, 2048, 2048, 10), "relu", "softmax", "sparse_categorical_crossentropy")
SPECS = {"W1": workloads.W1, "wide": WIDE}
BATCH = 256


def worker(spec_name, rows, epochs):
    """One process (of mpirun's, or alone): fit and print rank 0's best epoch time as JSON."""
    import densekit

    if os.environ.get("OMPI_COMM_WORLD_SIZE"):
        densekit.distribution.initialize()
        densekit.distribution.set_distribution(densekit.distribution.DataParallel())
    x, y = workloads.mnist_shaped(rows)
    model = workloads.build_keras_model(densekit, SPECS[spec_name])
    times = []

    class EpochTimer(densekit.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0, callbacks=[EpochTimer()])
    if densekit.distribution.process_id() == 0:
        print(json.dumps({"epoch_s": min(times[1:] or times), "threads": densekit.config.get_num_threads(),
                          "params": model.count_params()}))


def run(spec_name, rows, epochs, processes, threads):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", spec_name, str(rows), str(epochs)]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    if processes > 1:
        mpirun = os.path.join(os.path.dirname(sys.executable), "mpirun")
        cmd = [mpirun if os.path.exists(mpirun) else shutil.which("mpirun"), "-np", str(processes), "--bind-to", "core"] + cmd
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except (OSError, StopIteration):
        return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]), int(args.worker[2]))
        return
    cores = os.cpu_count() or 1
    print(f"CPU: {cpu_model()} ({cores} logical CPUs); global batch {BATCH}")
    sizes = {"W1": 6000 if args.quick else 60000, "wide": 2000 if args.quick else 10000}
    estimates = []
    for name, rows in sizes.items():
        steps = -(-rows // BATCH)
        print(f"\n{name} {SPECS[name][0]}, {rows} rows, {steps} steps/epoch (best epoch of 3)")
        print(f"  {'setting':<34} {'epoch':>9} {'steps/s':>9} {'speed-up':>9} {'efficiency':>10}")
        base = None
        for label, processes, threads in (("1 process x 1 thread", 1, 1), (f"1 process x {cores} threads", 1, cores),
                                          ("mpirun -np 2, 1 thread each", 2, 1)):
            r = run(name, rows, 3, processes, threads)
            base = base or r["epoch_s"]
            speedup = base / r["epoch_s"]
            workers = processes * threads
            print(f"  {label:<34} {r['epoch_s']:>8.3f}s {steps / r['epoch_s']:>9.1f} {speedup:>8.2f}x {speedup / workers:>9.0%}")
            if processes == 1 and threads == 1:
                estimates.append((name, r["params"], r["epoch_s"] / steps))
    print("\nPaper estimate over a network (ring allreduce of the float32 gradients; compute from the"
          "\n1-thread step time above, shared by N processes; latency ignored):")
    print(f"  {'workload':<8} {'MB/step':>8} {'Gb/s':>5} {'comm ms (N large)':>18} {'compute ms at N':>16} {'N where equal':>14}")
    for name, params, step_s in estimates:
        mb = params * 4 / 1e6
        for gbps in (10, 25, 100):
            comm = 2 * params * 4 / (gbps * 1e9 / 8)  # seconds, for large N
            n_equal = step_s / comm
            print(f"  {name:<8} {mb:>8.2f} {gbps:>5} {comm * 1e3:>18.2f} {'%.1f / N' % (step_s * 1e3):>16} {n_equal:>14.1f}")


if __name__ == "__main__":
    main()
