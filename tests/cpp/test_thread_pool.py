"""densekit's thread pool (cpp/src/parallel.cpp): which thread runs which block of a job."""
import pytest

import densekit
from densekit._core import _testing


@pytest.fixture(params=[2, 3])
def threads(request):
    before = densekit.config.get_num_threads()
    densekit.config.set_num_threads(request.param)
    yield request.param
    densekit.config.set_num_threads(before)


@pytest.mark.parametrize("blocks", [2, 3, 7])
def test_the_posting_thread_runs_block_zero_of_every_job(threads, blocks):
    """Callers split work so that block 0 is what the calling thread's core holds (a kernel's rows
    in training, a one-row product's columns): a spinning helper must never take it."""
    jobs = 3000
    first_on_poster, runs = _testing.pool_blocks(blocks, jobs)
    assert first_on_poster == jobs
    assert runs == [jobs] * blocks  # every block once a job, whoever ran it


def test_a_job_of_one_block_runs_on_the_posting_thread(threads):
    assert _testing.pool_blocks(1, 100) == (100, [100])
