"""One process of the checks in test_mpi_failures.py: what happens around fit when processes
fail, save or read files, under mpirun -np 2.

    mpirun -np 2 python mpi_failure_worker.py OUT raise_one|empty_shard|save_load|save_refused|
                                                  tensorboard|backup_twice

Each mode prints one line per process, "<rank> <outcome>", for the test to read (the failing
modes end the job instead).
"""

import os
import sys
import time

import numpy as np

import densekit as keras


def data(rows=64):
    rng = np.random.default_rng(0)
    return rng.normal(size=(rows, 4)).astype("float32"), rng.integers(0, 3, size=rows).astype("float32")


def model():
    keras.utils.set_random_seed(1)
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dense(3, activation="softmax")])
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return m


def barrier():
    from mpi4py import MPI

    MPI.COMM_WORLD.Barrier()


def raise_one(out, rank):
    # Uncaught, in the middle of an epoch: process 0 is then waiting in the allreduce.
    def fail(batch, logs):
        if rank == 1 and batch == 1:
            raise RuntimeError("raised on process 1 only")
    model().fit(*data(), batch_size=16, epochs=2, verbose=0,
                callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=fail)])


def empty_shard(out, rank):
    # Own shards: process 1 has none, so its fit raises a ValueError (uncaught) and process 0 waits.
    x, y = data(32 if rank == 0 else 0)
    model().fit(x, y, batch_size=8, epochs=2, verbose=0)


def save_load(out, rank):
    m = model()
    m.fit(*data(), batch_size=16, epochs=1, verbose=0)
    path = os.path.join(out, "model.dk")
    m.save(path)
    loaded = keras.saving.load_model(path)  # right after the save, on every process
    same = all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), m.get_weights()))
    weights = os.path.join(out, "model.weights.h5")
    m.save_weights(weights)
    m.load_weights(weights)
    print(rank, f"loaded same={same}", flush=True)


def save_refused(out, rank):
    m = model()
    path = os.path.join(out, "model.dk")
    if rank == 0:
        with open(path, "w") as f:
            f.write("not a model")
    barrier()
    for save in (m.save, m.save_weights):
        try:
            save(path, overwrite=False)
            print(rank, "saved", flush=True)
        except Exception as e:
            print(rank, f"{type(e).__name__}: {e}", flush=True)


def tensorboard(out, rank):
    x, y = data()
    m = model()
    board = keras.callbacks.TensorBoard(out, histogram_freq=1, update_freq=2)
    m.fit(x, y, batch_size=16, epochs=2, verbose=0, validation_data=(x[:16], y[:16]), callbacks=[board])
    m.evaluate(x, y, verbose=0, callbacks=[board])
    barrier()
    files = sorted(os.path.relpath(os.path.join(root, f), out) for root, _, names in os.walk(out) for f in names)
    print(rank, "files", " ".join(f.split(os.sep)[0] for f in files), flush=True)


class SlowEnd(keras.callbacks.Callback):
    """Process 0 reaches on_train_end late: the other process is then first into the next fit."""

    def __init__(self, rank):
        super().__init__()
        self.rank = rank

    def on_train_end(self, logs=None):
        if self.rank == 0:
            time.sleep(0.5)


def backup_twice(out, rank):
    m = model()
    backup = os.path.join(out, "backup")
    for _ in range(2):
        history = m.fit(*data(), batch_size=16, epochs=2, verbose=0,
                        callbacks=[SlowEnd(rank), keras.callbacks.BackupAndRestore(backup)])
        print(rank, "epochs", history.epoch, flush=True)


def main(out, mode):
    keras.distribution.initialize()
    own_shards = mode == "empty_shard"
    keras.distribution.set_distribution(keras.distribution.DataParallel(auto_shard_dataset=not own_shards))
    globals()[mode](out, keras.distribution.process_id())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
