"""CIFAR-10: 50,000 training and 10,000 test colour images of 32x32 pixels in 10 classes
(keras/src/datasets/cifar10.py). The archive from the CIFAR homepage is cached as
``~/.keras/datasets/cifar-10-batches-py-target_archive`` and unpacked beside it into
``cifar-10-batches-py-target/``, the names Keras 3 uses."""

import os

import numpy as np

from densekit import backend
from densekit.datasets._files import unpickle
from densekit.utils.file_utils import get_file, keras_home

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
DIRNAME = "cifar-10-batches-py-target"
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)


def _complete(folder):
    return all(os.path.isfile(os.path.join(folder, name)) for name in _BATCHES)


def _batches_folder():
    """The unpacked batches. tf.keras and Keras before 3.6 unpacked them into
    ``~/.keras/datasets/cifar-10-batches-py/``; such a folder is used rather than downloaded again."""
    datasets = os.path.join(os.path.expanduser(keras_home()), "datasets")
    legacy = os.path.join(datasets, "cifar-10-batches-py")
    if not os.path.exists(os.path.join(datasets, f"{DIRNAME}_archive")) and _complete(legacy):
        return legacy
    folder = os.path.join(get_file(fname=DIRNAME, origin=ORIGIN, extract=True, file_hash=FILE_HASH),
                          "cifar-10-batches-py")
    if not _complete(folder):
        raise ValueError(f"{folder} lacks some of the files {list(_BATCHES)}; delete "
                         f"{os.path.dirname(folder)} and its archive to download CIFAR-10 again.")
    return folder


def load_batch(path, label_key="labels"):
    """One pickled CIFAR batch: uint8 images of shape (N, 3, 32, 32) and uint8 labels (N,)."""
    batch = unpickle(path)
    data = np.asarray(batch["data"], dtype="uint8")
    return data.reshape(len(data), 3, 32, 32), np.asarray(batch[label_key]).astype("uint8")


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 images of shape (50000, 32, 32, 3) and
    (10000, 32, 32, 3) (channels last; (50000, 3, 32, 32) and (10000, 3, 32, 32) when
    ``keras.config.image_data_format()`` is "channels_first", as in Keras), uint8 labels of shape
    (50000, 1) and (10000, 1); ``CLASS_NAMES[label]`` names a label."""
    folder = _batches_folder()
    batches = [load_batch(os.path.join(folder, name)) for name in _BATCHES]
    x_train = np.concatenate([x for x, _ in batches[:5]])
    y_train = np.concatenate([y for _, y in batches[:5]])
    x_test, y_test = batches[5]
    # Stored channels first; Keras hands them out channels last, as a transposed view, unless
    # the image data format says channels first.
    if backend.image_data_format() == "channels_first":
        return (x_train, y_train.reshape(-1, 1)), (x_test, y_test.reshape(-1, 1))
    return ((x_train.transpose(0, 2, 3, 1), y_train.reshape(-1, 1)),
            (x_test.transpose(0, 2, 3, 1), y_test.reshape(-1, 1)))
