"""Batch inference on a Dask cluster of two worker processes with one thread each (the recipe of
docs/distributed.md): map_blocks over a Dask array and map_partitions over a Dask dataframe,
with the model sent as native-format bytes or read from a .dk file, equal bit for bit to a
local model.predict; each worker loads the model once and runs densekit on one thread."""

import os

import numpy as np
import pytest

pytest.importorskip("dask.distributed", reason="Dask is an optional extra: pip install 'densekit[dask]'")

import dask.array as da  # noqa: E402
from dask.distributed import Client, LocalCluster  # noqa: E402

import densekit as keras  # noqa: E402
from densekit.wrappers import BatchPredictor  # noqa: E402

from inference_data import CLASSES, FEATURES, ROWS, model_and_data as _model_and_data  # noqa: E402
BLOCK = 1000  # not a multiple of predict's batch size: a row's prediction does not depend on its batch


@pytest.fixture(scope="module")
def model_and_data():
    return _model_and_data()


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        yield client


def _predict_blocks(predictor, x):
    images = da.from_array(x, chunks=(BLOCK, FEATURES))
    return images.map_blocks(predictor, dtype="float32", chunks=(images.chunks[0], (CLASSES,))).compute()


def test_map_blocks_equals_local_predict(client, model_and_data):
    model, x, expected = model_and_data
    assert np.array_equal(_predict_blocks(BatchPredictor(model), x), expected)


def test_map_blocks_with_the_model_read_from_a_file(client, model_and_data, tmp_path):
    model, x, expected = model_and_data
    model.save(tmp_path / "model.dk")  # the workers share this machine's file system
    assert np.array_equal(_predict_blocks(BatchPredictor(tmp_path / "model.dk"), x), expected)


def _probabilities(partition, predictor):
    """A partition's rows in, a frame of class probabilities with the same index out."""
    import pandas as pd

    return pd.DataFrame(predictor(partition), index=partition.index, columns=[f"p{i}" for i in range(CLASSES)])


def test_map_partitions_equals_local_predict(client, model_and_data):
    dd = pytest.importorskip("dask.dataframe", reason="Dask dataframes need pandas and pyarrow: "
                                                      "pip install 'densekit[dask]'")
    import pandas as pd

    model, x, expected = model_and_data
    frame = dd.from_pandas(pd.DataFrame(x, columns=[f"f{i}" for i in range(FEATURES)]), chunksize=BLOCK)
    assert any(n % 32 for n in frame.map_partitions(len).compute()[:-1])  # partitions that split a batch of 32
    meta = pd.DataFrame({f"p{i}": pd.Series(dtype="float32") for i in range(CLASSES)})
    result = frame.map_partitions(_probabilities, BatchPredictor(model), meta=meta).compute()
    assert list(result.columns) == ["p0", "p1", "p2"] and result.index.equals(pd.RangeIndex(ROWS))
    assert np.array_equal(result.to_numpy(), expected)


def _worker_state(predictor):
    return os.getpid(), id(predictor.model()), keras.config.get_num_threads()


def test_each_worker_loads_the_model_once_and_uses_one_thread(client, model_and_data):
    model, x, _ = model_and_data
    predictor = BatchPredictor(model)
    futures = [client.submit(_worker_state, predictor, pure=False) for _ in range(12)]
    states = client.gather(futures)
    pids = {pid for pid, _, _ in states}
    assert os.getpid() not in pids and len(pids) == 2, states  # both workers took tasks
    assert len({(pid, model_id) for pid, model_id, _ in states}) == 2, states  # one model in each
    assert {threads for _, _, threads in states} == {1}, states  # Dask's nanny sets OMP_NUM_THREADS=1
