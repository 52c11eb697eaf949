"""Predicting over data that does not fit in one process: a picklable callable that carries a
model as densekit's native-format bytes (or the path of a model file) and turns it into a model
once per worker process, for Dask's map_blocks / map_partitions, Ray Data's map_batches or a
multiprocessing pool. docs/distributed.md shows the recipes.

Only bytes and settings travel; every worker loads the model with the same C++ loader that
load_model uses, so it predicts exactly what the original does.
"""

import collections
import hashlib
import os
import threading

import numpy as np

from densekit import _core, config, saving
from densekit.models.model import Model
from densekit.trainers import data_adapter

# Models already loaded in this process, by the key of what they were loaded from. A worker
# keeps a handful, most recently used last, so predicting with several models does not reload
# one per block and predicting with many does not keep them all.
_LOADED = collections.OrderedDict()
_KEEP = 4
_LOCK = threading.Lock()  # two threads of one Dask worker starting at once load the model once


class BatchPredictor:
    """``predictor(x)`` is ``model.predict(x, batch_size=batch_size, verbose=0)`` in whichever
    process calls it, with the model loaded there on the first call and kept for the next ones.

    ``model``: a built model (its native-format bytes are taken now, as pickling would), those
    bytes themselves, or the path of a model file (``.dk``, or anything ``load_model`` reads)
    that every worker can open; the file is read in the worker, again if it changes.

    ``threads``: densekit's thread count in the worker (``densekit.config.set_num_threads``,
    process-wide). ``None`` keeps the process's setting, which is ``OMP_NUM_THREADS`` when the
    scheduler sets it: Dask's worker processes get 1 and Ray's tasks and actors their
    ``num_cpus``, so workers sharing the cores do not oversubscribe them.
    """

    def __init__(self, model, batch_size=None, threads=None):
        for name, value in (("batch_size", batch_size), ("threads", threads)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"`{name}` must be a positive integer or None. Received: {name}={value!r}")
        if isinstance(model, (bytes, bytearray, memoryview)):
            self._source = bytes(model)
        elif isinstance(model, (str, os.PathLike)):
            self._source = os.path.abspath(os.fspath(model))
        elif isinstance(model, Model):
            model._require_built("state to send to workers")
            self._source = _core.save_model_to_bytes(model._core)
        else:
            raise TypeError("BatchPredictor expects a built densekit model, its native-format bytes or the path "
                            f"of a model file. Received: {type(model).__name__}")
        # The bytes' digest is computed once here and travels with them: workers find the
        # loaded model without hashing megabytes per block.
        self._digest = hashlib.sha256(self._source).hexdigest() if isinstance(self._source, bytes) else None
        self.batch_size = batch_size
        self.threads = threads

    def __call__(self, x):
        if self.threads is not None and config.get_num_threads() != self.threads:
            config.set_num_threads(self.threads)
        model = self.model()
        if _rows(x) == 0:
            # predict refuses empty data, but a Dask partition or a Ray batch left empty by a
            # filter is routine: the outputs' structure, with no rows.
            return _empty_outputs(model, x)
        return model.predict(x, batch_size=self.batch_size, verbose=0)

    def model(self):
        """The model in this process (loaded on the first call)."""
        key = self._key()
        with _LOCK:
            model = _LOADED.get(key)
            if model is None:
                model = self._load()
                _LOADED[key] = model
                while len(_LOADED) > _KEEP:
                    _LOADED.popitem(last=False)
            _LOADED.move_to_end(key)
        return model

    def _key(self):
        if self._digest is not None:
            return ("bytes", self._digest)
        stat = os.stat(self._source)  # a replaced file is a different model
        return ("file", self._source, stat.st_mtime_ns, stat.st_size)

    def _load(self):
        if self._digest is not None:
            return saving.model_from_bytes(self._source)
        return saving.load_model(self._source, compile=False)

    def __dask_tokenize__(self):
        """Dask names tasks by their arguments' tokens; the digest spares it hashing the bytes."""
        return (type(self).__name__, self._digest or self._key(), self.batch_size, self.threads)

    def __repr__(self):
        source = f"{len(self._source)} bytes" if self._digest is not None else repr(self._source)
        return f"BatchPredictor({source}, batch_size={self.batch_size}, threads={self.threads})"


def _rows(x):
    """The sample count of x (an array or DataFrame, or a list or dict of them for a model of
    several inputs), or None where it takes more than a look at a shape."""
    first = x
    if isinstance(x, dict):
        first = next(iter(x.values()), None)
    elif isinstance(x, (list, tuple)) and x:
        first = x[0]
    shape = getattr(first, "shape", None)
    return shape[0] if shape else None


def _empty_outputs(model, x):
    """What ``model.predict`` returns, with 0 rows: float32 arrays of each output's shape, in the
    outputs' structure (one array, a list or a dict)."""
    data_adapter.input_arrays(model, x)  # x's inputs and columns checked as predict checks them
    graph = model._graph
    return model._structured_outputs([np.empty((0,) + tuple(graph.node_shape(node)), dtype=np.float32)
                                      for node in graph.output_nodes])
