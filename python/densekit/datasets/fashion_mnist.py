"""Fashion-MNIST: 60,000 training and 10,000 test images of clothing, 28x28 grey pixels, labels
0-9 (keras/src/datasets/fashion_mnist.py). Four gzipped IDX files, cached in
``~/.keras/datasets/fashion-mnist/``."""

import gzip
import math
import os
import zlib

import numpy as np

from densekit.datasets._files import BUCKET
from densekit.utils.file_utils import get_file

CACHE_SUBDIR = os.path.join("datasets", "fashion-mnist")
FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz")
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot")

# An IDX file starts with a magic number whose last byte is the number of dimensions
# (0x08 = unsigned bytes), then each dimension as a big-endian uint32.
_LABELS_MAGIC, _IMAGES_MAGIC = 0x0801, 0x0803


def _read_idx(path, magic):
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"{path} is not a complete gzip file ({error}). Delete it to download it again.") from error
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) < header or int.from_bytes(data[:4], "big") != magic:
        raise ValueError(f"{path} is not a gzipped IDX file of {ndim}-dimensional uint8 data. "
                         "Delete it to download it again.")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if len(data) - header != math.prod(shape):
        raise ValueError(f"{path} holds {len(data) - header} values where its header announces shape {shape}. "
                         "Delete it to download it again.")
    # A bytearray so the arrays are writable (np.frombuffer over bytes would be read-only).
    return np.frombuffer(bytearray(data), np.uint8, offset=header).reshape(shape)


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 images of shape (60000, 28, 28) and
    (10000, 28, 28), uint8 labels of shape (60000,) and (10000,); ``CLASS_NAMES[label]`` names a label."""
    paths = [get_file(fname, origin=BUCKET + fname, cache_subdir=CACHE_SUBDIR) for fname in FILES]
    y_train, x_train = _read_idx(paths[0], _LABELS_MAGIC), _read_idx(paths[1], _IMAGES_MAGIC)
    y_test, x_test = _read_idx(paths[2], _LABELS_MAGIC), _read_idx(paths[3], _IMAGES_MAGIC)
    for images, labels, name in ((x_train, y_train, "train"), (x_test, y_test, "t10k")):
        if len(images) != len(labels):
            raise ValueError(f"The {name} files hold {len(images)} images but {len(labels)} labels.")
    return (x_train, y_train), (x_test, y_test)
