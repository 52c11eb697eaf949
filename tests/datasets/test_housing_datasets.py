"""boston_housing and california_housing: Keras's split (np.random.RandomState(seed) shuffles,
then the first int(n * (1 - test_split)) samples train), checked on small files whose rows say
which sample they are."""

import numpy as np
import pytest
from dataset_files import cached, sha256

import densekit as keras
from densekit.datasets import boston_housing, california_housing

# Keras's order for 10 samples: np.random.RandomState(seed).shuffle(np.arange(10)).
ORDER_SEED_113 = [9, 3, 6, 1, 0, 7, 4, 8, 2, 5]
ORDER_SEED_7 = [8, 5, 0, 2, 1, 9, 7, 3, 6, 4]


def write_npz(keras_home, monkeypatch, module, name, n, features):
    """Sample i has every feature equal to i + j / 100 and target 10 * i."""
    x = np.arange(n)[:, None] + np.arange(features)[None, :] / 100
    path = cached(keras_home, name)
    np.savez(path, x=x, y=10.0 * np.arange(n))
    monkeypatch.setattr(module, "FILE_HASH", sha256(path))


def ids(x):
    return np.round(x[:, 0]).astype(int).tolist()


def test_boston_housing_split_matches_kerass(keras_home, monkeypatch, offline_requests):
    write_npz(keras_home, monkeypatch, boston_housing, "boston_housing.npz", 10, 13)
    (x_train, y_train), (x_test, y_test) = keras.datasets.boston_housing.load_data()
    assert x_train.shape == (8, 13) and x_test.shape == (2, 13) and y_train.shape == (8,) and y_test.shape == (2,)
    assert x_train.dtype == y_train.dtype == np.float64
    assert ids(x_train) == ORDER_SEED_113[:8] and ids(x_test) == ORDER_SEED_113[8:]
    np.testing.assert_array_equal(y_train, 10.0 * np.array(ORDER_SEED_113[:8]))
    np.testing.assert_array_equal(x_test[0], 2 + np.arange(13) / 100)
    assert offline_requests == []


def test_boston_housing_seed_and_test_split(keras_home, monkeypatch):
    write_npz(keras_home, monkeypatch, boston_housing, "boston_housing.npz", 10, 13)
    (x_train, y_train), (x_test, _) = boston_housing.load_data(test_split=0.25, seed=7)
    assert ids(x_train) == ORDER_SEED_7[:7] and ids(x_test) == ORDER_SEED_7[7:]  # int(7.5) = 7
    np.testing.assert_array_equal(y_train, 10.0 * np.array(ORDER_SEED_7[:7]))
    (x_train, _), (x_test, y_test) = boston_housing.load_data(test_split=0)
    assert ids(x_train) == ORDER_SEED_113 and x_test.shape == (0, 13) and y_test.shape == (0,)


@pytest.mark.parametrize("test_split", [1, 1.5, -0.1, "0.2", True])
def test_an_invalid_test_split_is_refused_before_any_download(test_split, offline_requests):
    with pytest.raises(ValueError, match="Invalid `test_split` argument"):
        boston_housing.load_data(test_split=test_split)
    with pytest.raises(ValueError, match="Invalid `test_split` argument"):
        california_housing.load_data(test_split=test_split)
    assert offline_requests == []


def test_california_housing_large_and_small(keras_home, monkeypatch, offline_requests):
    write_npz(keras_home, monkeypatch, california_housing, "california_housing.npz", 700, 8)
    (x_train, y_train), (x_test, y_test) = keras.datasets.california_housing.load_data()
    assert x_train.shape == (560, 8) and x_test.shape == (140, 8) and y_train.shape == (560,)
    order = np.arange(700)
    np.random.RandomState(113).shuffle(order)
    assert ids(x_train) == order[:560].tolist() and ids(x_test) == order[560:].tolist()
    np.testing.assert_array_equal(y_test, 10.0 * order[560:])

    (x_train, _), (x_test, _) = california_housing.load_data(version="small", test_split=0.1, seed=3)
    order = np.arange(600)
    np.random.RandomState(3).shuffle(order)
    assert ids(x_train) == order[:540].tolist() and ids(x_test) == order[540:].tolist()
    assert max(ids(x_train) + ids(x_test)) == 599  # only the first 600 samples
    assert offline_requests == []


def test_california_housing_refuses_an_unknown_version(offline_requests):
    with pytest.raises(ValueError, match="Argument `version` must be one of 'small', 'large'. Received: version=medium"):
        california_housing.load_data(version="medium")
    assert offline_requests == []


def test_housing_urls_are_kerass(offline_requests):
    for loader in (boston_housing.load_data, california_housing.load_data):
        with pytest.raises(OSError):
            loader()
    assert offline_requests == ["https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz",
                                "https://storage.googleapis.com/tensorflow/tf-keras-datasets/california_housing.npz"]
