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


def unpack(data):
    """(metadata, {name: array}) of native-format bytes written by densekit itself (the C++
    writer, so only its own layout needs reading: tensors in header order). The arrays are
    read-only views of ``data``: a copy of each would hold the file twice."""
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__")
    region = memoryview(data)[8 + length:]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        array = np.frombuffer(region[begin:end], dtype=_DTYPES[entry["dtype"]]).reshape(entry["shape"])
        array.flags.writeable = False  # (a view of bytearray data would be writable)
        tensors[name] = array
    return metadata, tensors


def pack(metadata, tensors):
    """Native-format bytes of ``metadata`` (strings) and ``tensors`` (name -> array of F32, F64,
    I64 or U64), with the checksum the loader verifies. No probe and no generator state: both are
    optional, and a probe can only be made by running the model (the C++ writer adds one when
    the loaded model is saved). The bytes are joined once from the arrays' own memory."""
    header, arrays, offset, crc = {}, [], 0, 0
    for name, array in tensors.items():
        array = np.asarray(array)
        # little-endian and C-ordered (np.require keeps a scalar 0-d, where ascontiguousarray makes it 1-d)
        array = np.require(array.astype(array.dtype.newbyteorder("<"), copy=False), requirements="C")
        raw = memoryview(array.reshape(-1)).cast("B")
        header[name] = {"dtype": _NAMES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + raw.nbytes]}
        arrays.append(raw)
        crc = zlib.crc32(raw, crc)
        offset += raw.nbytes
    header["__metadata__"] = {**metadata, "checksum": f"crc32:{crc:08x}"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return b"".join([struct.pack("<Q", len(text)), text, *arrays])


def layer_tensors(tensors):
    """{layer name: [tensor names]} of the layer weights (``<layer>/<weight>``) among a native
    file's tensors, in the file's order, which is the model's weight order."""
    out = {}
    for name in tensors:
        if not name.startswith(_NOT_LAYER_TENSORS):
            out.setdefault(name.rpartition("/")[0], []).append(name)
    return out
