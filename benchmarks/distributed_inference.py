"""Batch inference throughput: a local model.predict against the recipes of docs/distributed.md
on this machine, in rows per second, for a 784-300-100-10 MLP (relu, relu, softmax) over
--rows rows of random float32 data:

- local predict with all cores (densekit's default) and with one thread;
- Dask: a LocalCluster of 2 worker processes x 1 thread, map_blocks(BatchPredictor(model)) over
  a Dask array in blocks of --block rows, once with the data already on the workers (persisted)
  and once sent from the driver's NumPy array;
- Ray Data: ray.init(num_cpus=2), from_numpy over blocks of --block rows, map_batches with a
  stateful predictor in a pool of 2 actors of one CPU each (the time includes starting them).

Each time is the best of 3 runs; every result is checked bit for bit against the local predict.
Prints the CPU model and the load average (the machine may be shared), then one line per way.

    PYTHONPATH=python python benchmarks/distributed_inference.py --rows 200000
"""

import argparse
import logging
import os
import platform
import subprocess
import time
import warnings

import numpy as np

import densekit as keras
from densekit.wrappers import BatchPredictor


class RayPredictor:
    """The Ray Data recipe's predictor: the model (unpickled from its native bytes) once per actor."""

    def __init__(self, model):
        self.model = model

    def __call__(self, batch):
        return {"probabilities": self.model.predict(batch["data"], verbose=0)}


def build_model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((784,)), keras.layers.Dense(300, activation="relu"),
                             keras.layers.Dense(100, activation="relu"), keras.layers.Dense(10, activation="softmax")])


REPEAT = 3


def timed(run):
    """The result and the best time of REPEAT runs (the machine may be shared: the best run is
    the one least disturbed)."""
    best = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - start)
    return out, best


def report(name, rows, seconds, result, expected):
    same = "bit-identical" if np.array_equal(result, expected) else "DIFFERS from the local predict"
    print(f"{name:<62} {seconds:7.2f} s  {rows / seconds:>10,.0f} rows/s  {same}", flush=True)


def local(model, x):
    threads = keras.config.get_num_threads()
    expected, seconds = timed(lambda: model.predict(x, verbose=0))
    report(f"local predict, {threads} threads", len(x), seconds, expected, expected)
    keras.config.set_num_threads(1)
    result, seconds = timed(lambda: model.predict(x, verbose=0))
    keras.config.set_num_threads(threads)
    report("local predict, 1 thread", len(x), seconds, result, expected)
    return expected


def dask(model, x, expected, block):
    import dask.array as da
    from dask.distributed import Client, LocalCluster, wait

    predictor = BatchPredictor(model)
    # from_array puts the driver's array into the task graph, and Dask says so: for a benchmark
    # that is the point (real data would be read by the workers: da.from_zarr, dd.read_parquet).
    warnings.filterwarnings("ignore", message="Sending large graph")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        images = client.persist(da.from_array(x, chunks=(block, 784)))
        wait(images)
        result, seconds = timed(lambda: images.map_blocks(predictor, dtype="float32",
                                                          chunks=(images.chunks[0], (10,))).compute())
        report("Dask map_blocks, 2 workers x 1 thread, data on the workers", len(x), seconds, result, expected)
        sent = da.from_array(x, chunks=(block, 784))
        result, seconds = timed(lambda: sent.map_blocks(predictor, dtype="float32",
                                                        chunks=(sent.chunks[0], (10,))).compute())
        report("Dask map_blocks, 2 workers x 1 thread, data sent from driver", len(x), seconds, result, expected)


def ray_data(model, x, expected, block):
    import ray

    warnings.simplefilter("ignore", DeprecationWarning)  # Ray Data's own, at DataContext creation
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        dataset = ray.data.from_numpy([x[i:i + block] for i in range(0, len(x), block)])

        def run():
            predictions = dataset.map_batches(
                RayPredictor, fn_constructor_args=(model,), batch_size=block, batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=2), num_cpus=1)
            return np.concatenate([b["probabilities"] for b in
                                   predictions.iter_batches(batch_size=None, batch_format="numpy")])
        result, seconds = timed(run)
        report("Ray Data map_batches, 2 actors x 1 CPU (starting them)", len(x), seconds, result, expected)
    finally:
        ray.shutdown()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--block", type=int, default=8192, help="rows per block")
    parser.add_argument("--skip", nargs="*", default=[], choices=["dask", "ray"])
    args = parser.parse_args()
    cpu = subprocess.run("lscpu | grep 'Model name'", shell=True, capture_output=True, text=True).stdout
    cpu = " ".join(cpu.split())  # "Model name: Intel(R) ..."
    print(f"{cpu}; {os.cpu_count()} cores; densekit core {keras._core.__name__.rpartition('_core_')[2]}; "
          f"Python {platform.python_version()}; load average at start {os.getloadavg()[0]:.1f}")
    model = build_model()
    x = np.random.default_rng(0).normal(size=(args.rows, 784)).astype("float32")
    print(f"{args.rows:,} rows of 784 float32 ({x.nbytes / 1e6:.0f} MB), blocks of {args.block} rows, "
          "predict's batch size 32")
    expected = local(model, x)
    if "dask" not in args.skip:
        dask(model, x, expected, args.block)
    if "ray" not in args.skip:
        ray_data(model, x, expected, args.block)
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
