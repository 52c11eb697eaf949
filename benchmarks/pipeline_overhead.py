"""What streaming costs: one W1 epoch (784-300-100-10, 60,000 rows) trained from in-memory
arrays, from a keras.utils.PyDataset returning slices, and from a generator (the batches are the
same, shuffle=False), best of 3 epochs each.

    python benchmarks/pipeline_overhead.py [--rows N] [--batch B]
"""

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import workloads  # noqa: E402

import densekit  # noqa: E402


class Slices(densekit.utils.PyDataset):
    def __init__(self, x, y, batch):
        super().__init__()
        self.x, self.y, self.batch = x, y, batch

    def __len__(self):
        return -(-len(self.x) // self.batch)

    def __getitem__(self, i):
        part = slice(i * self.batch, (i + 1) * self.batch)
        return self.x[part], self.y[part]


def best_epoch(fit):
    times = []

    class Timer(densekit.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    fit([Timer()])
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=60000)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    cpu = subprocess.run("lscpu | grep 'Model name'", shell=True, capture_output=True, text=True).stdout.split(":")[-1]
    print(f"CPU: {cpu.strip()}; {densekit.config.get_num_threads()} threads; load average {os.getloadavg()[0]:.1f}")
    x, y = workloads.mnist_shaped(args.rows)
    steps = -(-args.rows // args.batch)

    def generator():
        while True:
            for i in range(0, len(x), args.batch):
                yield x[i:i + args.batch], y[i:i + args.batch]

    runs = {
        "arrays": lambda cb: workloads.build_keras_model(densekit, workloads.W1).fit(
            x, y, batch_size=args.batch, epochs=3, shuffle=False, verbose=0, callbacks=cb),
        "PyDataset": lambda cb: workloads.build_keras_model(densekit, workloads.W1).fit(
            Slices(x, y, args.batch), epochs=3, shuffle=False, verbose=0, callbacks=cb),
        "generator": lambda cb: workloads.build_keras_model(densekit, workloads.W1).fit(
            generator(), steps_per_epoch=steps, epochs=3, shuffle=False, verbose=0, callbacks=cb),
    }
    base = None
    print(f"W1, {args.rows} rows, batch {args.batch} ({steps} steps), best of 3 epochs")
    for name, fit in runs.items():
        seconds = best_epoch(fit)
        base = base or seconds
        print(f"  {name:<10} {seconds:7.3f} s/epoch  {seconds / steps * 1e6:8.1f} us/step  "
              f"{seconds / base:5.2f}x arrays  (+{(seconds - base) / steps * 1e6:.1f} us/step)")


if __name__ == "__main__":
    main()
