"""Helpers that build and locate the small dataset files the tests use."""

import hashlib
import io
import os
import pickle
import zipfile

import numpy as np


class Response(io.BytesIO):
    """What `urlopen` returns: a readable stream with headers; `fail_after` bytes in, the
    connection drops (or `interrupt` raises KeyboardInterrupt, as Ctrl-C would). `length` is
    the Content-Length announced: the true one, None for none, or a number."""

    def __init__(self, data, fail_after=None, interrupt=False, length=True):
        super().__init__(data)
        if length is True:
            length = len(data)
        self.headers = {} if length is None else {"Content-Length": str(length)}
        self.fail_after, self.interrupt = fail_after, interrupt

    def read(self, size=-1):
        if self.fail_after is not None and self.tell() >= self.fail_after:
            if self.interrupt:
                raise KeyboardInterrupt
            raise ConnectionResetError(104, "Connection reset by peer")
        return super().read(min(size, 1000) if size and size > 0 else size)


def sha256(path_or_bytes):
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else open(path_or_bytes, "rb").read()
    return hashlib.sha256(data).hexdigest()


def md5(path_or_bytes):
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else open(path_or_bytes, "rb").read()
    return hashlib.md5(data).hexdigest()


def cached(keras_home, *parts):
    """The path of a file in the cache's ``datasets`` folder, its folders created."""
    path = os.path.join(str(keras_home), "datasets", *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def object_array(lists):
    out = np.empty(len(lists), dtype=object)
    for i, item in enumerate(lists):
        out[i] = item
    return out


def write_npz(path, numpy1_names=False, **arrays):
    """An .npz as IMDB's and Reuters's: ragged sequences as object arrays of lists, labels int64.
    ``numpy1_names`` pickles the object arrays with NumPy 1's module names (``numpy.core``), as
    the files Keras downloads were written."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in arrays.items():
            stream = io.BytesIO()
            if array.dtype == object:
                np.lib.format.write_array_header_1_0(
                    stream, {"descr": "|O", "fortran_order": False, "shape": array.shape})
                # Protocol 2 names globals as "module\nname\n" text, so renaming one is a plain replace.
                data = pickle.dumps(array, protocol=2)
                if numpy1_names:
                    data = data.replace(b"numpy._core.", b"numpy.core.")
                stream.write(data)
            else:
                np.lib.format.write_array(stream, array)
            archive.writestr(f"{name}.npy", stream.getvalue())
