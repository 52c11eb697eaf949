"""mnist, fashion_mnist and cifar10 read small files written in the exact formats Keras
downloads, from the cache Keras uses. Hash checks run for real: the expected hash is set to
the small file's own (and a test shows the real expected hash rejects a foreign file)."""

import gzip
import io
import os
import pickle
import tarfile

import numpy as np
import pytest
from dataset_files import cached, sha256

import densekit as keras
from densekit.datasets import cifar10, fashion_mnist, mnist

RNG = np.random.default_rng(7)
X_TRAIN = RNG.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)
Y_TRAIN = np.array([5, 0, 4, 1, 9, 2], dtype=np.uint8)
X_TEST = RNG.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
Y_TEST = np.array([7, 2, 1], dtype=np.uint8)


def write_mnist(keras_home, monkeypatch):
    path = cached(keras_home, "mnist.npz")
    np.savez_compressed(path, x_train=X_TRAIN, y_train=Y_TRAIN, x_test=X_TEST, y_test=Y_TEST)
    monkeypatch.setattr(mnist, "FILE_HASH", sha256(path))
    return path


def test_mnist_reads_the_cached_npz(keras_home, monkeypatch, offline_requests):
    write_mnist(keras_home, monkeypatch)
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    for got, expected in ((x_train, X_TRAIN), (y_train, Y_TRAIN), (x_test, X_TEST), (y_test, Y_TEST)):
        assert got.dtype == np.uint8 and got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)
    assert offline_requests == []


def test_mnist_downloads_from_kerass_url(monkeypatch, serve, tmp_path, keras_home):
    source = tmp_path / "served.npz"
    np.savez(source, x_train=X_TRAIN, y_train=Y_TRAIN, x_test=X_TEST, y_test=Y_TEST)
    serve["https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"] = source.read_bytes()
    monkeypatch.setattr(mnist, "FILE_HASH", sha256(str(source)))
    (x_train, _), _ = keras.datasets.mnist.load_data()
    np.testing.assert_array_equal(x_train, X_TRAIN)
    assert open(os.path.join(keras_home, "datasets", "mnist.npz"), "rb").read() == source.read_bytes()


def test_mnist_rejects_a_file_that_is_not_kerass(keras_home):
    """Keras's own sha256 stays in force: a foreign mnist.npz is not used, and offline the error
    says so and where the right file goes."""
    path = cached(keras_home, "mnist.npz")
    np.savez(path, x_train=X_TRAIN, y_train=Y_TRAIN, x_test=X_TEST, y_test=Y_TEST)
    with pytest.raises(OSError) as error:
        keras.datasets.mnist.load_data()
    assert f"The copy at {path} does not match the expected hash {mnist.FILE_HASH}" in str(error.value)
    assert f"download {mnist.ORIGIN} on a machine that has one and copy it to {path}" in str(error.value)


def test_mnist_with_a_custom_path_and_a_missing_array(keras_home, monkeypatch):
    path = cached(keras_home, "my_mnist.npz")
    np.savez(path, x_train=X_TRAIN, y_train=Y_TRAIN)
    monkeypatch.setattr(mnist, "FILE_HASH", sha256(path))
    with pytest.raises(ValueError, match=r"is missing the arrays \['x_test', 'y_test'\]"):
        mnist.load_data(path="my_mnist.npz")


def idx_gz(array):
    """A gzipped IDX file: magic 0x0801 (labels) or 0x0803 (images), the dimensions, the bytes."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def write_fashion_mnist(keras_home):
    for name, array in zip(fashion_mnist.FILES, (Y_TRAIN, X_TRAIN, Y_TEST, X_TEST)):
        open(cached(keras_home, "fashion-mnist", name), "wb").write(idx_gz(array))


def test_fashion_mnist_reads_the_four_idx_files(keras_home, offline_requests):
    write_fashion_mnist(keras_home)
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    for got, expected in ((x_train, X_TRAIN), (y_train, Y_TRAIN), (x_test, X_TEST), (y_test, Y_TEST)):
        assert got.dtype == np.uint8 and got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)
    x_train //= 2  # writable, unlike a frombuffer view of bytes
    np.testing.assert_array_equal(x_train, X_TRAIN // 2)
    assert offline_requests == []


def test_fashion_mnist_asks_for_kerass_urls(keras_home, offline_requests):
    with pytest.raises(OSError, match=os.path.join(str(keras_home), "datasets", "fashion-mnist",
                                                   "train-labels-idx1-ubyte.gz")):
        fashion_mnist.load_data()
    assert offline_requests == ["https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
                                "train-labels-idx1-ubyte.gz"]


def test_fashion_mnist_rejects_a_corrupt_file(keras_home):
    write_fashion_mnist(keras_home)
    open(cached(keras_home, "fashion-mnist", "t10k-images-idx3-ubyte.gz"), "wb").write(idx_gz(X_TEST)[:-40])
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.gz is not a complete gzip file"):
        fashion_mnist.load_data()
    open(cached(keras_home, "fashion-mnist", "t10k-images-idx3-ubyte.gz"), "wb").write(idx_gz(Y_TEST))
    with pytest.raises(ValueError, match="is not a gzipped IDX file of 3-dimensional uint8 data"):
        fashion_mnist.load_data()


def test_the_seed_tutorials_first_lines_run_against_the_cache(keras_home):
    """000_2bbf18c1f308d111 (and the brief's spelling of it), with `import densekit as keras`."""
    write_fashion_mnist(keras_home)
    (train_images, train_labels), (test_images, test_labels) = keras.datasets.fashion_mnist.load_data()
    fashion_mnist_module = keras.datasets.fashion_mnist
    (fashion_train, fashion_train_label), (fashion_test, fashion_test_label) = fashion_mnist_module.load_data()
    assert (train_images.shape, train_labels.shape, test_images.shape, test_labels.shape) == \
        ((6, 28, 28), (6,), (3, 28, 28), (3,))
    np.testing.assert_array_equal(fashion_train, train_images)
    np.testing.assert_array_equal(fashion_test_label, Y_TEST)


# CIFAR-10: 2 images per training batch and 3 in the test batch, pickled as the archive pickles them.
CIFAR_TRAIN = RNG.integers(0, 256, size=(10, 3072), dtype=np.uint8)
CIFAR_TRAIN_LABELS = [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]
CIFAR_TEST = RNG.integers(0, 256, size=(3, 3072), dtype=np.uint8)
CIFAR_TEST_LABELS = [9, 2, 4]


def cifar_batches():
    batches = {f"data_batch_{i}": (CIFAR_TRAIN[2 * i - 2: 2 * i], CIFAR_TRAIN_LABELS[2 * i - 2: 2 * i])
               for i in range(1, 6)}
    batches["test_batch"] = (CIFAR_TEST, CIFAR_TEST_LABELS)
    return {name: pickle.dumps({b"batch_label": name.encode(), b"labels": labels, b"data": data,
                                b"filenames": [b"x.png"] * len(labels)}, protocol=2)
            for name, (data, labels) in batches.items()}


def cifar_archive():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in cifar_batches().items():
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def check_cifar(x_train, y_train, x_test, y_test):
    assert x_train.shape == (10, 32, 32, 3) and x_test.shape == (3, 32, 32, 3)
    assert y_train.shape == (10, 1) and y_test.shape == (3, 1)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    # A row holds the red plane, then green, then blue, each 32x32 row-major.
    assert x_train[4, 5, 6, 2] == CIFAR_TRAIN[4, 2 * 1024 + 5 * 32 + 6]
    np.testing.assert_array_equal(x_test[1, :, :, 0], CIFAR_TEST[1, :1024].reshape(32, 32))
    np.testing.assert_array_equal(x_train, CIFAR_TRAIN.reshape(10, 3, 32, 32).transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(y_train[:, 0], CIFAR_TRAIN_LABELS)
    np.testing.assert_array_equal(y_test[:, 0], CIFAR_TEST_LABELS)


def test_cifar10_unpacks_the_cached_archive_where_keras_does(keras_home, monkeypatch, offline_requests):
    archive = cached(keras_home, "cifar-10-batches-py-target_archive")
    open(archive, "wb").write(cifar_archive())
    monkeypatch.setattr(cifar10, "FILE_HASH", sha256(archive))
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    check_cifar(x_train, y_train, x_test, y_test)
    assert os.path.isfile(os.path.join(keras_home, "datasets", "cifar-10-batches-py-target", "cifar-10-batches-py",
                                       "test_batch"))
    assert offline_requests == []


def test_cifar10_downloads_from_the_cifar_homepage(monkeypatch, serve):
    content = cifar_archive()
    serve["https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"] = content
    monkeypatch.setattr(cifar10, "FILE_HASH", sha256(content))
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    check_cifar(x_train, y_train, x_test, y_test)


def test_cifar10_follows_the_image_data_format(keras_home, offline_requests):
    for name, data in cifar_batches().items():
        open(cached(keras_home, "cifar-10-batches-py", name), "wb").write(data)
    keras.config.set_image_data_format("channels_first")
    try:
        (x_train, _), (x_test, _) = cifar10.load_data()
    finally:
        keras.config.set_image_data_format("channels_last")
    np.testing.assert_array_equal(x_train, CIFAR_TRAIN.reshape(10, 3, 32, 32))
    assert x_test.shape[1:] == (3, 32, 32)


def test_cifar10_reuses_the_folder_older_keras_unpacked(keras_home, offline_requests):
    for name, data in cifar_batches().items():
        open(cached(keras_home, "cifar-10-batches-py", name), "wb").write(data)
    check_cifar(*[a for pair in cifar10.load_data() for a in pair])
    assert offline_requests == []


def test_cifar10_refuses_a_pickle_that_runs_code(keras_home, tmp_path):
    marker = tmp_path / "ran"
    batches = cifar_batches()

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    batches["test_batch"] = pickle.dumps({b"data": Payload()}, protocol=2)
    for name, data in batches.items():
        open(cached(keras_home, "cifar-10-batches-py", name), "wb").write(data)
    with pytest.raises(pickle.UnpicklingError, match="Refusing to load `posix.system`"):
        cifar10.load_data()
    assert not marker.exists()


@pytest.mark.parametrize("module, origin, file_hash", [
    (mnist, "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
     "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),
    (cifar10, "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
     "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"),
    (keras.datasets.boston_housing, "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz",
     "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"),
    (keras.datasets.california_housing,
     "https://storage.googleapis.com/tensorflow/tf-keras-datasets/california_housing.npz",
     "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"),
])
def test_urls_and_hashes_are_kerass(module, origin, file_hash):
    """As in keras/src/datasets/*.py: the same file, checked the same way, is shared with Keras."""
    assert (module.ORIGIN, module.FILE_HASH) == (origin, file_hash)
