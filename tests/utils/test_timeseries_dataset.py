"""keras.utils.timeseries_dataset_from_array (keras/src/utils/timeseries_dataset_utils.py):
every window and target, batch by batch, against Keras's own dataset for several settings; a
model fits, evaluates and predicts on it; Keras's argument checks."""

import json

import numpy as np
import pytest

import densekit as keras
from keras_live import run_keras

SETTINGS = [
    dict(sequence_length=5, batch_size=4),
    dict(sequence_length=3, sequence_stride=2, sampling_rate=2, batch_size=3),
    dict(sequence_length=4, start_index=3, end_index=20, batch_size=5),
    dict(sequence_length=2, batch_size=None),
    dict(sequence_length=6, batch_size=7, no_targets=True),
]

KERAS_WINDOWS = """
import json, sys
import numpy as np, keras
settings = json.loads(sys.argv[1])
data = np.arange(30 * 2, dtype=np.float32).reshape(30, 2)
targets = np.arange(30, dtype=np.float32) * 10
out = []
for s in settings:
    s = dict(s)
    t = None if s.pop("no_targets", False) else targets
    batches = []
    for batch in keras.utils.timeseries_dataset_from_array(data, t, **s):
        batches.append([np.asarray(b).tolist() for b in batch] if isinstance(batch, tuple) else [np.asarray(batch).tolist()])
    out.append(batches)
print(json.dumps(out))
"""


def _ours(setting):
    s = dict(setting)
    targets = None if s.pop("no_targets", False) else np.arange(30, dtype=np.float32) * 10
    data = np.arange(30 * 2, dtype=np.float32).reshape(30, 2)
    return keras.utils.timeseries_dataset_from_array(data, targets, **s)


def test_windows_and_targets_match_keras():
    expected = run_keras(KERAS_WINDOWS, json.dumps(SETTINGS))
    for setting, theirs in zip(SETTINGS, expected):
        ours = _ours(setting)
        assert len(ours) == len(theirs), setting
        for index, batch in enumerate(theirs):
            got = ours[index]
            got = list(got) if isinstance(got, tuple) else [got]
            assert [np.asarray(g).tolist() for g in got] == batch, (setting, index)


def test_windows_by_hand_and_a_model_fits_on_them():
    data = np.arange(100, dtype=np.float32).reshape(100, 1)
    dataset = keras.utils.timeseries_dataset_from_array(data[:-10], data[10:, 0], sequence_length=10, batch_size=16)
    x, y = dataset[0]
    assert x.shape == (16, 10, 1) and y.shape == (16,)
    np.testing.assert_array_equal(x[3, :, 0], np.arange(3, 13))
    assert y[3] == 13 and len(dataset) == 6
    model = keras.Sequential([keras.Input((10, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    assert len(model.fit(dataset, epochs=2, shuffle=False, verbose=0).history["loss"]) == 2
    assert model.predict(dataset, verbose=0).shape == (81, 1)
    shuffled = keras.utils.timeseries_dataset_from_array(data, None, sequence_length=4, shuffle=True, seed=3)
    again = keras.utils.timeseries_dataset_from_array(data, None, sequence_length=4, shuffle=True, seed=3)
    np.testing.assert_array_equal(shuffled[0], again[0])
    assert sorted(shuffled[0][:, 0, 0].tolist()) == list(range(97))


def test_fit_keeps_the_datasets_order_as_keras_keeps_a_tf_dataset():
    # Keras's timeseries dataset is a tf.data.Dataset: fit does not shuffle its batches and warns
    # that shuffle=True (the default) is ignored.
    data = np.random.default_rng(1).normal(size=(200, 2)).astype(np.float32)
    dataset = keras.utils.timeseries_dataset_from_array(data, data[:, 0] * 2 + 1, sequence_length=3, batch_size=16)

    def fit(**kwargs):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((3, 2)), keras.layers.Flatten(), keras.layers.Dense(1)])
        model.compile(keras.optimizers.SGD(0.05), "mse")
        return model.fit(dataset, epochs=3, verbose=0, **kwargs).history["loss"]

    with pytest.warns(UserWarning, match="`shuffle=True` was passed, but will be ignored"):
        by_default = fit()
    assert by_default == fit(shuffle=False)


@pytest.mark.parametrize("kwargs, message", [
    (dict(start_index=-1), "`start_index` must be 0 or greater"),
    (dict(start_index=50), "`start_index` must be lower"),
    (dict(start_index=5, end_index=3), "`end_index` must be higher than `start_index`"),
    (dict(end_index=50), "`end_index` must be lower"),
    (dict(sampling_rate=0), "`sampling_rate` must be higher than 0"),
    (dict(sequence_stride=20), "`sequence_stride` must be lower"),
    (dict(format="jax"), "`format` should be"),
    (dict(batch_size=0), "batch_size"),
])
def test_bad_arguments_are_refused_as_keras_refuses_them(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras.utils.timeseries_dataset_from_array(np.zeros((20, 2)), None, sequence_length=3, **kwargs)


def test_a_shuffled_dataset_takes_a_new_order_at_each_pass():
    """Keras's dataset reshuffles at each iteration (test_shuffle_tf): every epoch of fit saw
    one order. The orders follow from the seed."""
    def passes(seed):
        data = keras.utils.timeseries_dataset_from_array(np.arange(10), np.arange(10) * 2, 5, batch_size=1,
                                                          shuffle=True, seed=seed)
        return [[int(t[0]) for _, t in data] for _ in range(3)]

    first = passes(123)
    assert sorted(first[0]) == [0, 2, 4, 6, 8, 10] and first[0] != first[1] != first[2]
    assert passes(123) == first
