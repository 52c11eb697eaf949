"""One process of test_mpi_collectives.py, under mpirun -np 2: cases where the processes differ
(their batch logs, a Ctrl-C, their models, their generators, their files) and must still meet
in the same collective calls. Each hung or crossed collectives before.

    mpirun -np 2 python mpi_collective_worker.py OUT

Prints "<rank> <case>: <outcome>" per case, in order, for the test to read.
"""

import hashlib
import os
import signal
import sys

import numpy as np

import densekit as keras


def data(rows=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, 4)).astype("float32"), rng.normal(size=(rows, 1)).astype("float32")


def model(width=8):
    keras.utils.set_random_seed(1)
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(width, activation="relu"), keras.layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    return m


def report(rank, case, run):
    try:
        outcome = run()
    except KeyboardInterrupt:
        outcome = "KeyboardInterrupt"
    except Exception as e:  # noqa: BLE001 -- the outcome is what the test reads
        outcome = f"{type(e).__name__}: {e}"
    print(rank, f"{case}: {outcome}", flush=True)


def best_by_batch(out, rank):
    # save_best_only by batch: each process's batch loss differs, so each would decide otherwise.
    path = os.path.join(out, "best.keras")
    checkpoint = keras.callbacks.ModelCheckpoint(path, monitor="loss", save_best_only=True, save_freq=1)
    model().fit(*data(), batch_size=8, epochs=3, verbose=0, callbacks=[checkpoint])
    return f"best {checkpoint.best:.6f} saved {os.path.exists(path)}"


def ctrl_c_on_one(out, rank):
    def interrupt(batch, logs):
        if rank == 1 and batch == 2:
            os.kill(os.getpid(), signal.SIGINT)  # as a Ctrl-C sent to this process alone
    m = model()
    m.fit(*data(), batch_size=8, epochs=3, verbose=0, validation_data=data(16, seed=1),
          callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=interrupt)])
    return "returned"


def evaluate_after(out, rank):
    return f"{model().evaluate(*data(), verbose=0):.6f}"


def summed_added_loss(out, rank):
    class Penalty(keras.layers.Layer):
        def call(self, x):
            self.add_loss(keras.ops.sum(x * x))
            return x
    inputs = keras.Input((4,))
    m = keras.Model(inputs, keras.layers.Dense(1)(Penalty()(inputs)))
    m.compile(optimizer="sgd", loss="mse")
    m.fit(*data(), batch_size=8, epochs=1, verbose=0)
    return "trained"


def different_models(out, rank):
    model(width=8 if rank == 0 else 16).fit(*data(), batch_size=8, epochs=1, verbose=0)
    return "trained"


def empty_generator(out, rank):
    x, y = data(32)
    batches = ((x[s:s + 8], y[s:s + 8]) for s in range(0, 32 if rank == 0 else 0, 8))
    return model().evaluate(batches, verbose=0)


def backup_everywhere(out, rank):
    keras.distribution.set_distribution(keras.distribution.DataParallel(save_on_every_process=True))
    backup = os.path.join(out, "backup")
    epochs = []
    for _ in range(3):
        epochs.append(len(model().fit(*data(), batch_size=8, epochs=2, verbose=0,
                                      callbacks=[keras.callbacks.BackupAndRestore(backup)]).epoch))
    return f"epochs {epochs} left {os.path.exists(backup)}"


def own_shard_steps(out, rank):
    keras.distribution.set_distribution(keras.distribution.DataParallel(auto_shard_dataset=False))
    seen = {}

    class Steps(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen["steps"] = self.params["steps"]

        def on_train_batch_end(self, batch, logs=None):
            seen["batches"] = batch + 1
    model().fit(*data(16 if rank == 0 else 64), batch_size=8, epochs=1, verbose=0, callbacks=[Steps()])
    return f"steps {seen['steps']} batches {seen['batches']}"


def optimizer_from_process_0(out, rank):
    # Process 1 trains alone first: its Adam moments and step count are not process 0's.
    m = model()
    m.compile(optimizer="adam", loss="mse")
    if rank == 1:
        keras.distribution.set_distribution(None)
        m.fit(*data(), batch_size=8, epochs=1, verbose=0)
        keras.distribution.set_distribution(keras.distribution.DataParallel())
    m.fit(*data(), batch_size=16, epochs=1, verbose=0)
    slots = hashlib.sha256(b"".join(np.asarray(v).tobytes() for v in m.optimizer.variables[2:])).hexdigest()[:12]
    return f"iterations {int(m.optimizer.iterations)} slots {slots}"


def different_optimizers(out, rank):
    m = model()
    m.compile(optimizer="adam" if rank == 0 else "sgd", loss="mse")
    m.fit(*data(), batch_size=8, epochs=1, verbose=0)
    return "trained"


def different_sharding(out, rank):
    keras.distribution.set_distribution(keras.distribution.DataParallel(auto_shard_dataset=rank == 0))
    model().fit(*data(), batch_size=8, epochs=1, verbose=0)
    return "trained"


CASES = [best_by_batch, ctrl_c_on_one, evaluate_after, summed_added_loss, different_models, evaluate_after,
         empty_generator, evaluate_after, backup_everywhere, own_shard_steps, optimizer_from_process_0,
         different_optimizers, evaluate_after, different_sharding, evaluate_after]


def main(out):
    keras.distribution.initialize()
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    rank = keras.distribution.process_id()
    for case in CASES:
        keras.distribution.set_distribution(keras.distribution.DataParallel())  # (a case may have changed it)
        report(rank, case.__name__, lambda: case(out, rank))


if __name__ == "__main__":
    main(sys.argv[1])
