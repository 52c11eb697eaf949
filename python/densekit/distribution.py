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
import sys

from densekit import _core, config

_MISSING_MPI = ('densekit.distribution needs mpi4py and an MPI library: pip install "densekit[mpi]" '
                "(mpi4py with Open MPI from PyPI; no system MPI is needed).")

_world = None  # the communicator initialize() built
_mpi_comm = None  # mpi4py's communicator behind it (for the broadcasts and barriers of Python's side)
_distribution = None
_writing = False  # inside shared_write(): a save nested in another (a backup's weights) stays local


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
        self._mpi_comm = _mpi_comm

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
    global _world, _mpi_comm
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
    _mpi_comm = comm
    if comm.Get_size() > 1:
        _abort_on_uncaught_exception(comm)
    if not config.num_threads_chosen():
        local = comm.Split_type(MPI.COMM_TYPE_SHARED)
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        _core.set_num_threads(max(1, min(cores, (os.cpu_count() or 1) // local.Get_size())))
        local.Free()


def _abort_on_uncaught_exception(comm):
    """An uncaught exception on one process would otherwise hang the job: the others wait in an
    allreduce, and mpi4py's MPI_Finalize at exit waits for them, so mpirun never sees the
    process end. After the usual traceback, MPI_Abort ends every process (exit code 1)."""
    previous = sys.excepthook
    if getattr(previous, "_densekit_aborts", False):  # initialize() called again: chain once
        return

    def excepthook(exc_type, exc, tb):
        try:
            previous(exc_type, exc, tb)
        finally:
            # Abort kills the process before Python flushes: the traceback must get out first.
            for stream in (sys.stderr, sys.stdout):
                try:
                    stream.flush()
                except Exception:
                    pass
            comm.Abort(1)

    excepthook._densekit_aborts = True
    sys.excepthook = excepthook


def set_distribution(value):
    """Sets the distribution fit and evaluate use (None: this process alone)."""
    global _distribution
    if value is not None and not isinstance(value, DataParallel):
        raise ValueError(f"`value` must be a DataParallel or None. Received: {value!r}")
    _distribution = value


def distribution():
    """The distribution set_distribution() set, or None."""
    return _distribution


def _local_batch_size(batch_size):
    """The rows of each global batch this process trains on when it holds its own data shard
    (DataParallel(auto_shard_dataset=False)); else the batch size."""
    d = _distribution
    if d is None or d.auto_shard_dataset:
        return batch_size
    return max(1, batch_size // d.num_processes + (d.process_id < batch_size % d.num_processes))


def process_id():
    """This process's rank (0 without a distribution)."""
    return _distribution.process_id if _distribution is not None else 0


def num_processes():
    return _distribution.num_processes if _distribution is not None else 1


def writes_files():
    """Whether this process writes model files, checkpoints and logs (process 0, unless asked)."""
    return _distribution is None or _distribution.save_on_every_process or _distribution.process_id == 0


def _shared(d):
    """Whether files are written by process 0 alone for several processes, which must then wait for it."""
    return d is not None and d.num_processes > 1 and not d.save_on_every_process


def shared_write(write):
    """Runs write() where files are written (writes_files()) and returns on every process once
    it is done. Under a distribution where process 0 alone writes, every process must call this
    at the same point: process 0 broadcasts its outcome, so a file it wrote exists when the call
    returns on any process (load_model right after save works everywhere), and an error there
    (overwrite refused, disk full) is raised on every process, with the same type and message,
    instead of letting the others run ahead."""
    global _writing
    d = _distribution
    if _writing or not _shared(d):
        if writes_files():
            write()
        return
    error = None
    _writing = True
    try:
        if d.process_id == 0:
            try:
                write()
            except BaseException as e:  # Ctrl-C too: the others must not wait for a broadcast
                error = e
    finally:
        _writing = False
    outcome = None if error is None else (type(error).__module__, type(error).__qualname__, str(error))
    outcome = d._mpi_comm.bcast(outcome, root=0)
    if error is not None:
        raise error
    if outcome is not None:
        raise _rebuilt_error(*outcome)


def agreed(value):
    """Process 0's ``value`` on every process where process 0 alone writes files, else
    ``value``: a decision to write taken from what differs between processes (a batch's logs are
    each process's own) must be one decision, or process 0 would wait in shared_write for
    processes that decided otherwise. Every process must call it at the same point."""
    d = _distribution
    return d._mpi_comm.bcast(value, root=0) if _shared(d) else value


def any_process(flag):
    """Whether ``flag`` is true on any process (every process must call it at the same point)."""
    d = _distribution
    if d is None or d.num_processes == 1:
        return bool(flag)
    return d._mpi_comm.allreduce(int(bool(flag))) > 0


def largest(value):
    """The largest of the processes' ``value`` (every process must call it at the same point)."""
    d = _distribution
    if d is None or d.num_processes == 1:
        return value
    return d._mpi_comm.allreduce(value, op=_import_mpi().MAX)


def _rebuilt_error(module, qualname, message):
    """Process 0's exception, on another process: the same class when it can be found and made
    from a message alone, else a RuntimeError naming it."""
    try:
        cls = sys.modules[module]  # the same program runs everywhere: no import on process 0's word
        for part in qualname.split("."):
            cls = getattr(cls, part)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            return cls(message)
    except Exception:
        pass
    return RuntimeError(f"{qualname} on process 0: {message}")


def barrier():
    """Waits for every process, under a distribution where process 0 alone writes files: what it
    wrote or deleted before is then seen by all."""
    if _shared(_distribution):
        _distribution._mpi_comm.Barrier()


def _bind(model_core, call):
    """Hands the current distribution to a model's C++ loop (before each fit / evaluate); a loop
    running in another thread refuses it, naming ``call`` (the user's)."""
    d = _distribution
    _core.set_distribution(model_core, None if d is None else d.communicator,
                           True if d is None else d.auto_shard_dataset, call)
