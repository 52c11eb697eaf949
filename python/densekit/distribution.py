"""Synchronous data-parallel training over MPI, named after Keras 3's distribution API
(keras/src/distribution/distribution_lib.py).

    densekit.distribution.initialize()                      # reads the MPI world (mpi4py)
    densekit.distribution.set_distribution(densekit.distribution.DataParallel())
    model.compile(...); model.fit(x, y, batch_size=256)     # run as: mpirun -np N python train.py

Each process takes its slice of every global batch; the C++ loop sums the gradients with one
MPI allreduce per step and applies the same update everywhere (docs/distributed.md). MPI comes
from the optional extra ``densekit[mpi]`` (mpi4py with Open MPI from PyPI).
"""

import ctypes
import os

from densekit import _core, config

_MISSING_MPI = ('densekit.distribution needs mpi4py and an MPI library: pip install "densekit[mpi]" '
                "(mpi4py with Open MPI from PyPI; no system MPI is needed).")

_world = None  # the communicator initialize() built
_distribution = None


class DataParallel:
    """Data parallelism over the processes initialize() found.

    auto_shard_dataset=True: every process passes the same arrays to fit/evaluate and takes its
    slice of each global batch (training equals one process's fit with the same batch size).
    False: each process passes its own shard; a global batch is made of each process's part.
    save_on_every_process=False: model.save, save_weights and the file-writing callbacks
    (ModelCheckpoint, CSVLogger, BackupAndRestore) write on process 0 only.
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True, save_on_every_process=False):
        if device_mesh is not None or devices is not None:
            raise ValueError("densekit's DataParallel runs one process per MPI rank: `device_mesh` and `devices` "
                             "must be None (start the processes with mpirun -np N).")
        if _world is None:
            raise RuntimeError("Call densekit.distribution.initialize() before creating DataParallel().")
        self.auto_shard_dataset = bool(auto_shard_dataset)
        self.save_on_every_process = bool(save_on_every_process)
        self.communicator = _world

    @property
    def num_processes(self):
        return self.communicator.size

    @property
    def process_id(self):
        return self.communicator.rank

    def __repr__(self):
        return (f"DataParallel(num_processes={self.num_processes}, process_id={self.process_id}, "
                f"auto_shard_dataset={self.auto_shard_dataset})")


def _import_mpi():
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError(_MISSING_MPI) from e
    return MPI


def _function_address(MPI, name):
    """The address of an MPI C function in the library mpi4py loaded (its module's dependency)."""
    return ctypes.cast(getattr(ctypes.CDLL(MPI.__file__), name), ctypes.c_void_p).value


def initialize(job_addresses=None, num_processes=None, process_id=None, comm=None):
    """Joins the MPI world (or the mpi4py communicator `comm`). `num_processes` and `process_id`,
    when given, must match what MPI reports. Unless the thread count was chosen (set_num_threads,
    OMP_NUM_THREADS), each process takes its share of the machine's cores."""
    global _world
    if job_addresses is not None:
        raise ValueError("densekit joins processes through MPI: start them with mpirun and leave `job_addresses` None.")
    MPI = _import_mpi()
    comm = MPI.COMM_WORLD if comm is None else comm
    for name, given, actual in (("num_processes", num_processes, comm.Get_size()), ("process_id", process_id, comm.Get_rank())):
        if given is not None and given != actual:
            raise ValueError(f"`{name}`={given} does not match the MPI world, which reports {actual}.")
    _world = _core.make_mpi_communicator(
        allreduce=_function_address(MPI, "MPI_Allreduce"), bcast=_function_address(MPI, "MPI_Bcast"),
        comm=MPI._handleof(comm), float_type=MPI._handleof(MPI.FLOAT), double_type=MPI._handleof(MPI.DOUBLE),
        byte_type=MPI._handleof(MPI.BYTE), sum_op=MPI._handleof(MPI.SUM), rank=comm.Get_rank(), size=comm.Get_size())
    if not config.num_threads_chosen():
        local = comm.Split_type(MPI.COMM_TYPE_SHARED)
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        _core.set_num_threads(max(1, min(cores, (os.cpu_count() or 1) // local.Get_size())))
        local.Free()


def set_distribution(value):
    """Sets the distribution fit and evaluate use (None: this process alone)."""
    global _distribution
    if value is not None and not isinstance(value, DataParallel):
        raise ValueError(f"`value` must be a DataParallel or None. Received: {value!r}")
    _distribution = value


def distribution():
    """The distribution set_distribution() set, or None."""
    return _distribution


def process_id():
    """This process's rank (0 without a distribution)."""
    return _distribution.process_id if _distribution is not None else 0


def num_processes():
    return _distribution.num_processes if _distribution is not None else 1


def writes_files():
    """Whether this process writes model files, checkpoints and logs (process 0, unless asked)."""
    return _distribution is None or _distribution.save_on_every_process or _distribution.process_id == 0


def _bind(model_core):
    """Hands the current distribution to a model's C++ loop (before each fit / evaluate)."""
    d = _distribution
    _core.set_distribution(model_core, None if d is None else d.communicator,
                           True if d is None else d.auto_shard_dataset)
