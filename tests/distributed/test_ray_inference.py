"""Batch inference with Ray Data on ray.init(num_cpus=2) (the recipe of docs/distributed.md):
map_batches with a stateful predictor class that loads the model once in __init__, from the
pickled model or from native-format bytes, in a pool of two actors of one CPU each; the
predictions equal a local model.predict bit for bit, and each actor runs densekit on one thread."""

import os
import sys

import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'densekit[ray]'")
pytest.importorskip("ray.data", reason="Ray Data needs pyarrow and pandas: pip install 'densekit[ray]'")

import densekit as keras  # noqa: E402

# Ray 2.60's DataContext warns about its own defaults of deprecated fields whenever one is made.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")

from inference_data import model_and_data as _model_and_data  # noqa: E402
BATCH = 1000  # not a multiple of predict's batch size: a row's prediction does not depend on its batch


class Predictor:
    """The recipe's stateful predictor, one per actor: the model is loaded here, once, and every
    batch is predicted with it. It takes the model both ways it can travel (Ray Data's actor
    pool takes seconds to start, so one run checks both): pickled, which Ray unpickles from its
    native-format bytes, and as the bytes of a .dk file."""

    def __init__(self, model, model_bytes):
        self.model = model
        self.from_bytes = keras.saving.model_from_bytes(model_bytes)

    def __call__(self, batch):
        rows = len(batch["data"])
        return {"probabilities": self.model.predict(batch["data"], verbose=0),
                "from_bytes": self.from_bytes.predict(batch["data"], verbose=0),
                "pid": np.full(rows, os.getpid()), "threads": np.full(rows, keras.config.get_num_threads())}


@pytest.fixture(scope="module")
def model_and_data():
    return _model_and_data()


@pytest.fixture(scope="module")
def ray_cluster():
    # Ray's workers do not get the test directory on sys.path: ship this module's class by value.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    context = ray.data.DataContext.get_current()
    preserve_order, progress = context.execution_options.preserve_order, context.enable_progress_bars
    context.execution_options.preserve_order = True  # the predictions come back in the rows' order
    context.enable_progress_bars = False
    try:
        yield
    finally:
        context.execution_options.preserve_order, context.enable_progress_bars = preserve_order, progress
        ray.shutdown()
        ray.cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_map_batches_equals_local_predict_with_one_thread_per_actor(ray_cluster, model_and_data, tmp_path):
    model, x, expected = model_and_data
    model.save(tmp_path / "model.dk")
    blocks = [x[i:i + BATCH] for i in range(0, len(x), BATCH)]  # several blocks: both actors get work
    predictions = ray.data.from_numpy(blocks).map_batches(
        Predictor, fn_constructor_args=(model, (tmp_path / "model.dk").read_bytes()), batch_size=BATCH,
        batch_format="numpy", compute=ray.data.ActorPoolStrategy(size=2), num_cpus=1)
    batches = list(predictions.iter_batches(batch_size=None, batch_format="numpy"))
    result = {key: np.concatenate([b[key] for b in batches]) for key in batches[0]}
    assert np.array_equal(result["probabilities"], expected)
    assert np.array_equal(result["from_bytes"], expected)
    assert os.getpid() not in set(result["pid"])
    assert set(result["threads"]) == {1}  # Ray sets OMP_NUM_THREADS to the actor's num_cpus
