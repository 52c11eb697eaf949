"""MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28 grey pixels,
labels 0-9 (keras/src/datasets/mnist.py). Cached as ``~/.keras/datasets/mnist.npz``."""

from densekit.datasets._files import BUCKET, read_npz
from densekit.utils.file_utils import get_file

ORIGIN = BUCKET + "mnist.npz"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """``(x_train, y_train), (x_test, y_test)``: uint8 images of shape (60000, 28, 28) and
    (10000, 28, 28), uint8 labels of shape (60000,) and (10000,). ``path`` is the file's name in
    the cache folder."""
    path = get_file(fname=path, origin=ORIGIN, file_hash=FILE_HASH)
    x_train, y_train, x_test, y_test = read_npz(path, ("x_train", "y_train", "x_test", "y_test"))
    return (x_train, y_train), (x_test, y_test)
