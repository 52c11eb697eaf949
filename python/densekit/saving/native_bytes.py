"""densekit's native file (docs/format.md) as Python values: split into its metadata and named
tensors, and assembled again. The Keras readers and writers translate between Keras's layouts
and this one, so every model that comes in from a Keras file is checked and built by the one
C++ loader (cpp/src/io.cpp), never assembled piecemeal in Python.

Only bytes are moved here; no model math.
"""

import json
import struct
import zlib

import numpy as np

_NOT_LAYER_TENSORS = ("optimizer/", "rng/", "probe/")
_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "U64": np.uint64}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


class FileTensor:
    """A tensor of a native file densekit wrote, read from the file only when it is written to
    another: a template whose tensors a Keras file replaces costs no memory, and holds no open
    file (a refused load's traceback keeps no descriptor of a deleted file)."""

    def __init__(self, path, offset, dtype, shape):
        self.path, self.offset, self.dtype, self.shape = path, offset, np.dtype(dtype), tuple(shape)

    def read(self):
        nbytes = int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            return np.frombuffer(f.read(nbytes), dtype=self.dtype).reshape(self.shape)


def unpack_file(path):
    """(metadata, {name: FileTensor}) of a native file densekit wrote: its header only."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
    metadata = header.pop("__metadata__")
    return metadata, {name: FileTensor(path, 8 + length + entry["data_offsets"][0], _DTYPES[entry["dtype"]],
                                       entry["shape"]) for name, entry in header.items()}


def unpack(data):
    """(metadata, {name: array}) of native-format bytes written by densekit itself (the C++
    writer, so only its own layout needs reading: tensors in header order). The arrays are
    read-only views of ``data``: a copy of each would hold the file twice."""
    view = memoryview(data).cast("B")  # (bytes or the C++ writer's uint8 array alike)
    (length,) = struct.unpack("<Q", view[:8])
    header = json.loads(bytes(view[8:8 + length]))
    metadata = header.pop("__metadata__")
    region = view[8 + length:]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        array = np.frombuffer(region[begin:end], dtype=_DTYPES[entry["dtype"]]).reshape(entry["shape"])
        array.flags.writeable = False  # (a view of bytearray data would be writable)
        tensors[name] = array
    return metadata, tensors


class Lazy:
    """A tensor read only when it is written: a Keras file's dataset (anything with ``read()``)
    converted to ``dtype``, with the shape it declared and was checked for. The native file is
    then written one tensor at a time, never holding the file's values all at once."""

    def __init__(self, stored, dtype, shape=None):
        self.stored, self.dtype = stored, np.dtype(dtype)
        self.shape = tuple(stored.shape if shape is None else shape)

    def read(self):
        return np.asarray(self.stored.read(), dtype=self.dtype).reshape(self.shape)


def _raw(array):
    """The bytes of an array as the file holds them: little-endian and C-ordered (np.require
    keeps a scalar 0-d, where ascontiguousarray makes it 1-d)."""
    array = np.asarray(array)
    array = np.require(array.astype(array.dtype.newbyteorder("<"), copy=False), requirements="C")
    return memoryview(array.reshape(-1)).cast("B")


def write_file(path, metadata, tensors):
    """Writes the native file of ``metadata`` (strings) and ``tensors`` (name -> array of F32,
    F64, I64 or U64, or a Lazy or FileTensor), with the checksum the loader verifies. No probe
    and no generator state: both are optional, and a probe can only be made by running the model
    (the C++ writer adds one when the loaded model is saved). Each tensor is read, written and
    let go in turn; the checksum, which the header holds, is written into its place once the
    data is."""
    header, offset = {}, 0
    for name, tensor in tensors.items():
        dtype = np.dtype(tensor.dtype).newbyteorder("=")
        nbytes = int(np.prod(tensor.shape, dtype=np.int64)) * dtype.itemsize
        header[name] = {"dtype": _NAMES[dtype], "shape": [int(d) for d in tensor.shape],
                        "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    placeholder = "crc32:" + "0" * 8  # (the last value of the header, the metadata being its last entry)
    header["__metadata__"] = {**{k: v for k, v in metadata.items() if k != "checksum"}, "checksum": placeholder}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    crc = 0
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for name, tensor in tensors.items():
            raw = _raw(tensor.read() if hasattr(tensor, "read") else tensor)
            if raw.nbytes != header[name]["data_offsets"][1] - header[name]["data_offsets"][0]:
                raise ValueError(f"tensor '{name}' holds {raw.nbytes} bytes, not the {tensor.shape} it declared.")
            crc = zlib.crc32(raw, crc)
            f.write(raw)
            del raw
        f.seek(8 + text.rindex(placeholder.encode()))
        f.write(f"crc32:{crc:08x}".encode())


def layer_tensors(tensors):
    """{layer name: [tensor names]} of the layer weights (``<layer>/<weight>``) among a native
    file's tensors, in the file's order, which is the model's weight order."""
    out = {}
    for name in tensors:
        if not name.startswith(_NOT_LAYER_TENSORS):
            out.setdefault(name.rpartition("/")[0], []).append(name)
    return out
