"""One process of the data-parallel checks in test_mpi_data_parallel.py.

    python mpi_fit_worker.py OUT reference      # one process, no MPI: the reference fit
    mpirun -np N python mpi_fit_worker.py OUT auto_shard|own_shard|mismatch|stateful|stop_on_one
    (reference_metrics, auto_shard_metrics: the same with more metrics compiled)

Each run trains the same seeded model on the same data with a global batch of 64 (a last
batch of 40 rows, split unevenly over 3 processes) and writes OUT/<mode>_<rank>.npz: the
weights, the history, evaluate()'s logs and which files the process wrote.
"""

import os
import sys

import numpy as np

import densekit as keras

ROWS, FEATURES, CLASSES, BATCH = 360, 6, 3, 64


def data():
    rng = np.random.default_rng(7)
    centers = rng.normal(size=(CLASSES, FEATURES)) * 2
    y = rng.integers(0, CLASSES, size=ROWS)
    x = (centers[y] + rng.normal(size=(ROWS, FEATURES))).astype("float32")
    return x, y.astype("float32")


def model(stateful=False, more_metrics=False):
    keras.utils.set_random_seed(3)
    # stateful: layers that draw random numbers (Dropout) and keep statistics of their own rows
    # (BatchNormalization's moving mean and variance).
    middle = [keras.layers.BatchNormalization(), keras.layers.Dropout(0.3)] if stateful else []
    m = keras.Sequential([keras.Input((FEATURES,)), keras.layers.Dense(16, activation="relu"), *middle,
                          keras.layers.Dense(CLASSES, activation="softmax")])
    metrics = ["accuracy", keras.metrics.AUC(name="auc")]
    if more_metrics:  # every kind of accumulator the processes sum: per threshold, label, class, column
        M = keras.metrics
        metrics += [M.TruePositives(thresholds=[0.2, 0.6], name="tp"),
                    M.AUC(curve="PR", multi_label=True, name="ml_auc"),
                    M.PrecisionAtRecall(0.5, class_id=1, name="p_at_r"), M.R2Score(class_aggregation=None, name="r2"),
                    M.F1Score(name="f1"), M.FBetaScore(average="micro", beta=2.0, threshold=0.4, name="fb")]
    m.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=metrics)
    return m


def main(out, mode):
    rank, size = 0, 1
    more_metrics = mode.endswith("_metrics")
    if not mode.startswith("reference"):
        keras.distribution.initialize()
        own_shard = mode.startswith("own_shard")
        keras.distribution.set_distribution(keras.distribution.DataParallel(auto_shard_dataset=not own_shard))
        rank, size = keras.distribution.process_id(), keras.distribution.num_processes()
    x, y = data()
    xv, yv = x[:100], y[:100]
    if mode.startswith("own_shard"):  # each process passes only its own rows: every size-th one
        x, y = x[rank::size], y[rank::size]
    if mode == "mismatch":  # auto_shard_dataset=True with different data on each process
        try:
            model().fit(x[:ROWS - rank], y[:ROWS - rank], batch_size=BATCH, verbose=0)
        except ValueError as e:
            np.savez(os.path.join(out, f"{mode}_{rank}.npz"), error=str(e))
        return
    m = model(stateful=mode == "stateful", more_metrics=more_metrics)
    csv_path = os.path.join(out, f"{mode}_{rank}.csv")
    callbacks = [keras.callbacks.CSVLogger(csv_path)]
    if mode == "stop_on_one":  # only the last process asks to stop, after the third batch
        def stop(batch, logs):
            m.stop_training = m.stop_training or (rank == size - 1 and batch == 2)
        callbacks.append(keras.callbacks.LambdaCallback(on_train_batch_end=stop))
    history = m.fit(x, y, batch_size=BATCH, epochs=3, validation_data=(xv, yv), verbose=0, callbacks=callbacks)
    evaluated = m.evaluate(xv, yv, batch_size=32, verbose=0, return_dict=True)
    model_path = os.path.join(out, f"{mode}_{rank}.dk")
    m.save(model_path)
    weights = m.get_weights()
    np.savez(os.path.join(out, f"{mode}_{rank}.npz"), size=size, threads=keras.config.get_num_threads(),
             iterations=int(m.optimizer.iterations),
             wrote_model=os.path.exists(model_path), wrote_csv=os.path.exists(csv_path),
             **{f"w{i}": w for i, w in enumerate(weights)},
             **{f"history_{k}": np.asarray(v) for k, v in history.history.items()},
             **{f"evaluate_{k}": np.asarray(v, np.float64) for k, v in evaluated.items()})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
