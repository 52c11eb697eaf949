"""What the optimizer costs inside `fit`: the same model and data trained one epoch at a time with
each optimizer named, the optimizers alternating so that all see the same background load.
The difference between two optimizers' steps is the difference between their updates as `fit`
runs them (Dense hands each thread's rows of a weight gradient to the update as it finishes
them), which a stand-alone timing of the update cannot show.

    python benchmarks/optimizer_cost.py [--workload W5] [--optimizers adam,sgd] [--rounds 2]
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

WORKLOADS = {  # units of the hidden layers, rows, batch size (as compare.py's W1 and W5)
    "W1": ((300, 100), 60000, 32),
    "W5": ((2048, 2048), 20000, 256),
}


def model_for(hidden, optimizer):
    layers = [densekit.Input((784,))] + [densekit.layers.Dense(u, activation="relu") for u in hidden]
    model = densekit.Sequential(layers + [densekit.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


def best_epoch(model, x, y, batch, epochs):
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)  # warm-up: buffers, optimizer state
    best = float("inf")
    for _ in range(epochs):
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="W5")
    parser.add_argument("--optimizers", default="adam,sgd", help="comma-separated Keras names")
    parser.add_argument("--rounds", type=int, default=2, help="times every optimizer is measured, alternating")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs a measurement; the best is kept")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    densekit.config.set_num_threads(args.threads)
    hidden, rows, batch = WORKLOADS[args.workload]
    rng = np.random.default_rng(0)
    x = rng.random((rows, 784), dtype=np.float32)
    y = rng.integers(0, 10, rows)
    steps = -(-rows // batch)
    round_trip = densekit._core._testing.cross_core_round_trip_ns
    print(f"CPU: {cpu_model()}; densekit ISA {densekit._core.ISA}; {args.threads} thread(s); {args.workload}, "
          f"batch {batch}, {steps} steps an epoch")
    for r in range(args.rounds):
        for name in args.optimizers.split(","):
            before = round_trip()
            seconds = best_epoch(model_for(hidden, name), x, y, batch, args.epochs)
            print(f"round {r + 1} {name:10s} epoch {seconds * 1e3:8.1f} ms  step {seconds / steps * 1e6:9.1f} us  "
                  f"(cross-core round trip {before:.0f}/{round_trip():.0f} ns)", flush=True)


if __name__ == "__main__":
    main()
