"""`steps` in evaluate and predict on arrays, as Keras batches them
(keras/src/trainers/data_adapters/array_data_adapter.py and trainers/epoch_iterator.py): with a
batch size, only the first `steps` batches; without one, batches of ceil(rows / steps); more
steps than batches warns that the input ran out, and the progress bar still counts `steps`."""

import contextlib
import io
import warnings

import numpy as np
import pytest

import densekit as keras


@pytest.fixture
def model():
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(2)])
    m.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return m


@pytest.fixture
def data():
    rng = np.random.default_rng(1)
    return rng.normal(size=(100, 4)).astype("float32"), rng.normal(size=(100, 2)).astype("float32")


def batches_seen(method, *args, **kwargs):
    seen = []
    hook = "on_predict_batch_end" if method.__name__ == "predict" else "on_test_batch_end"
    callback = keras.callbacks.LambdaCallback(**{hook: lambda batch, logs: seen.append(batch)})
    result = method(*args, callbacks=[callback], verbose=0, **kwargs)
    return result, seen


def printed(method, *args, **kwargs):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        method(*args, verbose=1, **kwargs)
    return buffer.getvalue()


def test_predict_takes_the_first_steps_batches(model, data):
    x, _ = data
    for steps, rows in ((1, 32), (2, 64), (3, 96), (4, 100)):
        out = model.predict(x, batch_size=32, steps=steps, verbose=0)  # the ready-array shortcut is skipped
        assert out.shape == (rows, 2)
        np.testing.assert_array_equal(out, model.predict(x[:rows], batch_size=32, verbose=0))
    out, seen = batches_seen(model.predict, x, batch_size=32, steps=2)
    assert out.shape == (64, 2) and seen == [0, 1]


def test_evaluate_takes_the_first_steps_batches(model, data):
    x, y = data
    weights = np.linspace(0.5, 2.0, 100).astype("float32")
    got = model.evaluate(x, y, batch_size=32, steps=2, sample_weight=weights, verbose=0)
    want = model.evaluate(x[:64], y[:64], batch_size=32, sample_weight=weights[:64], verbose=0)
    assert got == want
    assert model.evaluate(x, y, batch_size=32, steps=1, verbose=0) != model.evaluate(x, y, batch_size=32, verbose=0)
    _, seen = batches_seen(model.evaluate, x, y, batch_size=32, steps=3)
    assert seen == [0, 1, 2]


@pytest.mark.parametrize("method", ["predict", "evaluate"])
def test_steps_alone_sets_the_batch_size(model, data, method):
    x, y = data
    args = (x,) if method == "predict" else (x, y)
    for steps, batches in ((3, 3), (7, 7), (100, 100)):  # batches of ceil(100 / steps): 34, 15, 1
        _, seen = batches_seen(getattr(model, method), *args, steps=steps)
        assert seen == list(range(batches)), steps
    assert "3/3" in printed(getattr(model, method), *args, steps=3)


@pytest.mark.parametrize("method", ["predict", "evaluate"])
def test_more_steps_than_batches_warns_and_runs_every_batch(model, data, method):
    x, y = data
    args = (x,) if method == "predict" else (x, y)
    with pytest.warns(UserWarning, match="ran out of data"):
        _, seen = batches_seen(getattr(model, method), *args, batch_size=32, steps=10)
    assert seen == [0, 1, 2, 3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert "10/10" in printed(getattr(model, method), *args, batch_size=32, steps=10)
    if method == "predict":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert model.predict(x, batch_size=32, steps=10, verbose=0).shape == (100, 2)


def test_without_steps_nothing_changes(model, data):
    x, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model.predict(x, verbose=0).shape == (100, 2)
        _, seen = batches_seen(model.evaluate, x, y)
        assert seen == [0, 1, 2, 3]


def batches_per_epoch(model, x, y, **kwargs):
    """The batch indices each epoch of fit ran, and the warnings it gave."""
    seen = []
    callback = keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append([]),
                                              on_train_batch_begin=lambda batch, logs: seen[-1].append(batch))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, verbose=0, callbacks=[callback], **kwargs)
    return seen, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def test_fit_epochs_of_steps_per_epoch_go_on_where_the_last_stopped(model, data):
    x, y = data  # 100 rows: 4 batches of 32
    seen, warned = batches_per_epoch(model, x, y, batch_size=32, steps_per_epoch=2, epochs=3)
    assert seen == [[0, 1], [0, 1], [0, 1]] and not warned
    assert int(model.optimizer.iterations) == 6


def test_fit_an_epoch_ends_where_its_pass_runs_out(model, data):
    x, y = data  # 4 batches, 3 an epoch: Keras runs 3, then the 1 left, then a new pass
    seen, warned = batches_per_epoch(model, x, y, batch_size=32, steps_per_epoch=3, epochs=4)
    assert seen == [[0, 1, 2], [0], [0, 1, 2], [0]]
    assert len(warned) == 1 and "ran out of data" in warned[0]
    assert int(model.optimizer.iterations) == 8


def test_fit_with_steps_per_epoch_trains_on_the_batches_keras_would(data):
    """shuffle=False, 4 batches, 2 an epoch for 3 epochs: batches 0, 1, 2, 3, 0, 1 in that order,
    the same updates as train_on_batch on them."""
    x, y = data

    def fresh():
        keras.utils.set_random_seed(4)
        m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="tanh"), keras.layers.Dense(2)])
        m.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
        return m

    fitted = fresh()
    fitted.fit(x, y, batch_size=32, steps_per_epoch=2, epochs=3, shuffle=False, verbose=0)
    stepped = fresh()
    for b in (0, 1, 2, 3, 0, 1):
        stepped.train_on_batch(x[32 * b:32 * b + 32], y[32 * b:32 * b + 32])
    for got, want in zip(fitted.get_weights(), stepped.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_fit_steps_per_epoch_alone_sets_the_batch_size_and_the_bar(model, data):
    x, y = data
    seen, warned = batches_per_epoch(model, x, y, steps_per_epoch=4, epochs=2)  # batches of 25
    assert seen == [[0, 1, 2, 3], [0, 1, 2, 3]] and not warned
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        model.fit(x, y, batch_size=10, steps_per_epoch=3, epochs=2, verbose=1)
    assert buffer.getvalue().count("3/3") >= 2


@pytest.mark.parametrize("kwargs, message", [
    (dict(epochs=2**31), "`epochs` must be at most 2147483647"),
    (dict(initial_epoch=2**31), "`initial_epoch` must be at most 2147483647"),
    (dict(initial_epoch=-1), "`initial_epoch` must be a non-negative integer"),
    (dict(validation_freq=2**62), "`validation_freq` must be at most 2147483647"),
    (dict(validation_freq=[1, 2**40]), "`validation_freq` must be at most 2147483647"),
    (dict(batch_size=2**64), "`batch_size` must be at most 9223372036854775807"),
])
def test_counts_beyond_the_cpp_fields_are_refused_by_name(kwargs, message):
    """Counts larger than the C++ fields they fill (int epochs, int64 batch sizes) gave pybind11's
    bare "incompatible function arguments" TypeError."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.ones((8, 3), "float32")
    with pytest.raises(ValueError, match=message):
        model.fit(x, x[:, :1], verbose=0, **kwargs)
