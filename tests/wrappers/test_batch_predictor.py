"""BatchPredictor: a model's predict as a picklable callable that carries native-format bytes (or
a file's path), loads the model once per process, and predicts exactly what the model does. The
Dask and Ray recipes built on it are tested in tests/distributed."""

import os
import pickle

import numpy as np
import pytest

import densekit as keras
from densekit.wrappers import BatchPredictor
from densekit.wrappers import batch_predictor


@pytest.fixture
def model():
    keras.utils.set_random_seed(3)
    return keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(3, activation="softmax")])


@pytest.fixture
def x():
    return np.random.default_rng(4).normal(size=(200, 6)).astype("float32")


@pytest.fixture(autouse=True)
def _no_loaded_models():
    batch_predictor._LOADED.clear()
    yield
    batch_predictor._LOADED.clear()


def _other_weights(model):
    model.set_weights([w + 0.5 for w in model.get_weights()])


def test_predicts_what_the_model_predicts_after_a_pickle_round_trip(model, x):
    predictor = pickle.loads(pickle.dumps(BatchPredictor(model)))
    assert np.array_equal(predictor(x), model.predict(x, verbose=0))
    assert isinstance(keras.wrappers.BatchPredictor(model), BatchPredictor)


def test_takes_the_model_as_it_is_when_made(model, x):
    """The bytes are taken at construction, as pickling the model would: later training or new
    weights of the original do not reach the workers."""
    expected = model.predict(x, verbose=0)
    predictor = BatchPredictor(model)
    _other_weights(model)
    assert np.array_equal(predictor(x), expected)
    assert not np.array_equal(model.predict(x, verbose=0), expected)


def test_native_bytes_and_pandas_input(model, x, tmp_path):
    pd = pytest.importorskip("pandas", reason="pandas is optional")
    model.save(tmp_path / "model.dk")
    predictor = BatchPredictor((tmp_path / "model.dk").read_bytes())
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(6)])
    assert np.array_equal(predictor(frame), model.predict(x, verbose=0))


def test_loads_once_per_process_and_keeps_a_few(model, x):
    predictor = BatchPredictor(model)
    first = predictor.model()
    again = pickle.loads(pickle.dumps(predictor))  # what each Dask task receives: a new copy
    assert again.model() is first
    assert len(batch_predictor._LOADED) == 1
    for _ in range(batch_predictor._KEEP + 2):
        _other_weights(model)
        BatchPredictor(model).model()
    assert len(batch_predictor._LOADED) == batch_predictor._KEEP
    assert predictor.model() is not first  # evicted as least recently used, then loaded again


def test_a_file_is_read_where_it_is_called_and_again_when_it_changes(model, x, tmp_path):
    path = tmp_path / "model.dk"
    model.save(path)
    predictor = pickle.loads(pickle.dumps(BatchPredictor(str(path), batch_size=64)))
    assert predictor._source == os.fspath(path)  # the path travels, not the file
    assert np.array_equal(predictor(x), model.predict(x, batch_size=64, verbose=0))
    _other_weights(model)
    model.save(path)
    os.utime(path, ns=(1, 1))  # a different modification time, even on a coarse clock
    assert np.array_equal(predictor(x), model.predict(x, batch_size=64, verbose=0))


def test_threads_sets_the_process_thread_count(model, x):
    before = keras.config.get_num_threads()
    try:
        keras.config.set_num_threads(2)
        BatchPredictor(model, threads=1)(x)
        assert keras.config.get_num_threads() == 1
        BatchPredictor(model)(x)  # None: the process's setting stays
        assert keras.config.get_num_threads() == 1
    finally:
        keras.config.set_num_threads(before)


@pytest.mark.parametrize("kwargs, error", [
    ({"batch_size": 0}, "`batch_size` must be a positive integer or None. Received: batch_size=0"),
    ({"threads": True}, "`threads` must be a positive integer or None. Received: threads=True"),
    ({"threads": 1.5}, "`threads` must be a positive integer or None. Received: threads=1.5"),
])
def test_bad_settings(model, kwargs, error):
    with pytest.raises(ValueError, match=error.replace("(", r"\(").replace(")", r"\)")):
        BatchPredictor(model, **kwargs)


def test_bad_models(tmp_path):
    with pytest.raises(TypeError, match="expects a built densekit model, its native-format bytes or the path of a "
                                        "model file. Received: list"):
        BatchPredictor([1, 2])
    unbuilt = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(AttributeError, match="has not been built yet, so it has no state to send to workers"):
        BatchPredictor(unbuilt)
    with pytest.raises(FileNotFoundError):
        BatchPredictor(tmp_path / "missing.dk")(np.zeros((1, 2)))
    with pytest.raises(OSError, match="is not a valid densekit model file"):
        BatchPredictor(b"not a model")(np.zeros((1, 2)))
