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


def _structure(outputs):
    """Each output's type, shape past the rows, and dtype, in the outputs' structure."""
    if isinstance(outputs, dict):
        return {name: _structure(o) for name, o in outputs.items()}
    if isinstance(outputs, list):
        return [_structure(o) for o in outputs]
    return type(outputs), outputs.shape[1:], outputs.dtype


def test_no_rows_give_empty_outputs_of_the_same_structure(model, x):
    empty = BatchPredictor(model)(x[:0])
    assert empty.shape == (0, 3) and _structure(empty) == _structure(model.predict(x[:5], verbose=0))
    assert empty.dtype == np.float32
    with pytest.raises(ValueError, match="incompatible"):
        BatchPredictor(model)(np.zeros((0, 5)))  # the wrong columns are refused, rows or not

    inputs = keras.Input((6,), name="x")
    hidden = keras.layers.Dense(4, name="h")(inputs)
    for outputs in ([hidden, keras.layers.Dense(2, name="o")(hidden)],
                    {"h": hidden, "o": keras.layers.Dense(2, name="o2")(hidden)}):
        several = BatchPredictor(keras.Model(inputs, outputs))
        full, empty = several(x[:5]), several(x[:0])
        assert _structure(empty) == _structure(full)
        assert all(len(o) == 0 for o in (empty.values() if isinstance(empty, dict) else empty))


def test_an_empty_dask_partition(model, x):
    """docs/distributed.md's map_partitions recipe, on a frame whose filter empties a partition."""
    pd = pytest.importorskip("pandas", reason="pandas is optional")
    dd = pytest.importorskip("dask.dataframe", reason="dask is optional")
    import dask

    features, classes = [f"f{i}" for i in range(6)], ["p0", "p1", "p2"]

    def probabilities(partition, predictor):
        return pd.DataFrame(predictor(partition[features]), index=partition.index, columns=classes)

    rows = pd.DataFrame(x[:30], columns=features).assign(keep=np.repeat([True, False, True], 10))
    frame = dd.from_pandas(rows, npartitions=3)
    frame = frame[frame["keep"]]
    meta = pd.DataFrame({c: pd.Series(dtype="float32") for c in classes})
    with dask.config.set(scheduler="synchronous"):
        result = frame.map_partitions(probabilities, BatchPredictor(model), meta=meta).compute()
    kept = rows[rows["keep"]]
    # Rows predicted in other batches may differ in the last bit (the blocking of the products).
    np.testing.assert_allclose(result.to_numpy(), model.predict(kept[features].to_numpy(), verbose=0), rtol=1e-6)
    np.testing.assert_array_equal(result.index, kept.index)
