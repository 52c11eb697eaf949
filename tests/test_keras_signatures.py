"""Keras 3's signatures where users call positionally or pass Keras's arguments (a signature
comparison's findings): each call here behaved differently or raised before."""

import json
import subprocess
import sys

import numpy as np
import pytest

import densekit as keras
from densekit import layers, ops
from keras_live import run_keras

CALLS = """
import json
import numpy as np
from {lib} import layers, ops
x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
x[0, 1] = np.nan
out = {{
    "nanmean": ops.nanmean(x, 0, True), "nanmax": ops.nanmax(x, 1, True), "ptp": ops.ptp(x[1:], 1, True),
    "median": ops.median(x[1:], 1, True), "quantile": ops.quantile(x[1:], 0.5, 1, "linear", True),
    "unique": ops.unique(np.array([3, 1, 3, 2]), True),
    "unique_size": ops.unique(np.array([3, 1, 3, 2]), return_counts=True, size=5, fill_value=-1),
    "take": ops.take_along_axis(np.array([5, 6, 7]), np.array([2, 0])),
    "nanargmax": ops.nanargmax(x, 1, True),
    "layer_norm": layers.LayerNormalization(-1, 1e-3, True, True, "ones")(np.array([[1.0, 2, 3, 4]], "float32")),
}}
print(json.dumps({{k: [np.asarray(a).tolist() for a in v] if isinstance(v, tuple) else np.asarray(v).tolist()
                  for k, v in out.items()}}))
"""


def test_positional_calls_compute_what_kerass_do():
    run = subprocess.run([sys.executable, "-c", CALLS.format(lib="densekit")], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    ours = json.loads(run.stdout.strip().splitlines()[-1])
    theirs = run_keras(CALLS.format(lib="keras"))
    assert ours.keys() == theirs.keys()
    for key, value in theirs.items():
        np.testing.assert_allclose(np.asarray(ours[key], dtype=float), np.asarray(value, dtype=float), rtol=1e-6,
                                   err_msg=key)


def test_metric_base_takes_dtype_then_name():
    class Mine(keras.metrics.Metric):
        def __init__(self):
            super().__init__("float32", "mine")

        def update_state(self, y_true, y_pred, sample_weight=None):
            pass

        def result(self):
            return 0.0

    assert (Mine().name, Mine().dtype) == ("mine", "float32")


def test_kerass_other_arguments_are_taken():
    keras.backend.clear_session(free_memory=True)
    model = keras.Sequential([keras.Input((3,), ragged=False), layers.Dense(2)])
    model.build()  # built already: nothing to do, as Keras's
    keras.Sequential([layers.Dense(2)]).build()  # a Sequential builds at its first call
    assert keras.metrics.SparseTopKCategoricalAccuracy(3, from_sorted_ids=False).get_config()["k"] == 3
    assert keras.losses.SparseCategoricalCrossentropy(False, None, "sum", -1).name == "sparse_categorical_crossentropy"
    assert ops.prod(np.array([2, 3]), dtype="float32").dtype == np.float32
    np.testing.assert_array_equal(ops.stop_gradient(variable=np.ones(2)), np.ones(2))
    with pytest.raises(ValueError, match="ragged inputs"):
        keras.Input((3,), ragged=True)
    with pytest.raises(ValueError, match="max_shard_size"):
        model.save_weights("unused.weights.h5", max_shard_size="10GB")
    with pytest.raises(ValueError, match="sparse=True"):
        ops.convert_to_tensor([1.0], sparse=True)


def test_metric_dtype_takes_a_policy_as_kerass_does():
    class Mine(keras.metrics.Metric):
        def update_state(self, y_true, y_pred, sample_weight=None):
            pass

        def result(self):
            return 0.0

    assert Mine("mixed_float16").dtype == "float16" and Mine(keras.config.DTypePolicy()).dtype == "float32"
    assert Mine("int8_from_float32").dtype == "float32"
    assert Mine({"class_name": "DTypePolicy", "config": {"name": "mixed_bfloat16"}}).dtype == "bfloat16"
    for wrong in ("not_a_dtype", "mixed_int8"):
        with pytest.raises(ValueError, match=f"Invalid dtype: {wrong}"):
            Mine(wrong)


def test_eager_results_take_kerass_dtypes():
    c = np.array([1 + 2j], np.complex64)
    for other in (np.array([1], np.int32), np.array([1], np.int64), np.array([1.0], np.float64)):
        assert ops.add(c, other).dtype == np.complex64 and ops.divide(other, c).dtype == np.complex64
    assert ops.add(np.ones(2, np.float16), np.ones(2, np.int64)).dtype == np.float16
    assert ops.prod(np.array([1, 2, 3]), dtype="int8").dtype == np.int8
    assert ops.prod(np.array([True, False]), dtype="bool").dtype == np.bool_
    for fn in (lambda a: ops.nanquantile(a, 0.5), lambda a: ops.nanpercentile(a, 50), ops.nanmean, ops.nanmedian):
        assert fn(np.array([1, 2, 4], np.int32)).dtype == np.float32
        assert fn(np.array([1.0, np.nan, 4.0], np.float32)).dtype == np.float32
        assert fn(np.array([1.0, np.nan, 4.0], np.float16)).dtype == np.float16
    assert ops.nanmean(np.array([1 + 2j, 3 + 4j, np.nan], np.complex64)) == np.complex64(2 + 3j)
