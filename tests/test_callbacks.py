"""Callbacks (keras/src/callbacks/): the hooks and their order, the shared logs, mode="auto", and
that per-batch Python calls happen only when a callback needs them. The built-in callbacks:
test_callbacks_builtin.py."""

import math
import threading

import numpy as np
import pytest

import densekit as keras
from densekit.callbacks import CallbackList

from callback_helpers import Recorder, data, small_model
from file_helpers import requires_h5py

# --------------------------------------------------------------------------------------------
# Callback, CallbackList and the order of hooks
# --------------------------------------------------------------------------------------------

def test_fit_calls_every_hook_in_keras_order():
    x, y = data(50)
    model = small_model()
    rec = Recorder()
    model.fit(x, y, batch_size=20, epochs=2, verbose=0, validation_data=(x[:30], y[:30]), validation_batch_size=16,
              callbacks=[rec])
    metric_keys = ["accuracy", "loss"]
    val_keys = metric_keys + ["val_accuracy", "val_loss"]
    epoch = [("on_train_batch_begin", 0, []), ("on_train_batch_end", 0, metric_keys),
             ("on_train_batch_begin", 1, []), ("on_train_batch_end", 1, metric_keys),
             ("on_train_batch_begin", 2, []), ("on_train_batch_end", 2, metric_keys),
             ("on_test_begin", []), ("on_test_batch_begin", 0, []), ("on_test_batch_end", 0, metric_keys),
             ("on_test_batch_begin", 1, []), ("on_test_batch_end", 1, metric_keys), ("on_test_end", metric_keys)]
    assert rec.calls == ([("on_train_begin", [])]
                         + [("on_epoch_begin", 0, [])] + epoch + [("on_epoch_end", 0, val_keys)]
                         + [("on_epoch_begin", 1, [])] + epoch + [("on_epoch_end", 1, val_keys)]
                         + [("on_train_end", val_keys)])
    assert rec.model is model
    assert rec.params == {"verbose": 0, "epochs": 2, "steps": 3}


def test_evaluate_and_predict_hooks():
    x, y = data(50)
    model = small_model()
    rec = Recorder()
    result = model.evaluate(x, y, batch_size=16, verbose=0, callbacks=[rec], return_dict=True)
    assert rec.calls == ([("on_test_begin", [])]
                         + [c for b in range(4) for c in [("on_test_batch_begin", b, []),
                                                          ("on_test_batch_end", b, ["accuracy", "loss"])]]
                         + [("on_test_end", ["accuracy", "loss"])])
    assert rec.params == {"verbose": 0, "epochs": 1, "steps": 4}

    outputs = []

    class Outputs(keras.callbacks.Callback):
        def on_predict_batch_end(self, batch, logs=None):
            outputs.append(np.array(logs["outputs"]))

        def on_test_end(self, logs=None):
            outputs.append(dict(logs))

    rec = Recorder()
    pred = model.predict(x, batch_size=16, verbose=0, callbacks=[rec, Outputs()])
    assert rec.names() == (["on_predict_begin"] + ["on_predict_batch_begin", "on_predict_batch_end"] * 4
                           + ["on_predict_end"])
    assert [len(o) for o in outputs] == [16, 16, 16, 2]
    np.testing.assert_array_equal(np.concatenate(outputs), pred)
    outputs.clear()
    model.evaluate(x, y, verbose=0, callbacks=[Outputs()])
    assert outputs == [{"accuracy": pytest.approx(result["accuracy"]), "loss": pytest.approx(result["loss"])}]


@pytest.mark.parametrize("n,batch_size", [(100, 32), (64, 32), (7, 3), (5, 10)])
def test_batch_hooks_are_called_ceil_n_over_batch_size_times_per_epoch(n, batch_size):
    x, y = data(n)
    model = small_model()
    rec = Recorder()
    model.fit(x, y, batch_size=batch_size, epochs=3, verbose=0, callbacks=[rec], validation_data=(x, y))
    steps = math.ceil(n / batch_size)
    for hook in ("on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end"):
        assert len(rec.names(hook)) == 3 * steps
    assert [c[1] for c in rec.calls if c[0] == "on_train_batch_end"] == list(range(steps)) * 3


def test_deprecated_batch_aliases_are_called():
    x, y = data(40)
    model = small_model()
    seen = []

    class Old(keras.callbacks.Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, sorted(logs)))

    model.fit(x, y, batch_size=20, epochs=1, verbose=0, callbacks=[Old()])
    assert seen == [("begin", 0), ("end", 0, ["accuracy", "loss"]), ("begin", 1), ("end", 1, ["accuracy", "loss"])]


def test_logs_dict_is_shared_in_order_and_reaches_history():
    x, y = data(40)
    model = small_model()
    seen = []
    first = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update(extra=epoch * 10.0))
    second = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(logs["extra"]))
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[first, second])
    assert seen == [0.0, 10.0, 20.0]
    assert history.history["extra"] == [0.0, 10.0, 20.0]
    assert list(history.history) == ["accuracy", "loss", "extra"]


def test_epoch_logs_are_python_floats_of_float32_values_sorted_train_then_val():
    x, y = data(40)
    model = small_model(metrics=["accuracy", "mae"])
    logs_seen = []
    model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y),
              callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: logs_seen.append(dict(logs)))])
    logs = logs_seen[0]
    assert list(logs) == ["accuracy", "loss", "mae", "val_accuracy", "val_loss", "val_mae"]
    for value in logs.values():
        assert type(value) is float and value == float(np.float32(value))


def test_user_callbacks_run_before_history_and_progress_bar(capsys):
    x, y = data(40)
    model = small_model()
    model.fit(x, y, epochs=2, verbose=2,
              callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: print(f"user {e}"))])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[1] == "user 0" and lines[2].startswith("2/2 - ")
    assert lines[3] == "Epoch 2/2" and lines[4] == "user 1"


def test_callback_list_adds_history_and_progbar_once():
    model = small_model()
    progbar, history = keras.callbacks.ProgbarLogger(), keras.callbacks.History()
    cbl = CallbackList([progbar, history], add_history=True, add_progbar=True, model=model, verbose=1, epochs=1,
                       steps=1)
    assert cbl.callbacks == [progbar, history]
    assert model.history is history
    cbl = CallbackList([], add_history=True, add_progbar=True, model=model, verbose=1, epochs=1, steps=1)
    assert [type(c).__name__ for c in cbl.callbacks] == ["History", "ProgbarLogger"]
    with pytest.raises(TypeError, match="Expected a keras Callback instance in `callbacks`"):
        model.fit(*data(10), verbose=0, callbacks=[lambda: None])


def test_stop_training_from_a_batch_hook_stops_after_that_batch():
    x, y = data(100)
    model = small_model()
    rec = Recorder()

    class StopAtBatch(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 2:
                self.model.stop_training = True

    history = model.fit(x, y, batch_size=10, epochs=5, verbose=0, callbacks=[StopAtBatch(), rec])
    assert [c[1] for c in rec.calls if c[0] == "on_train_batch_end"] == [0, 1, 2]
    assert history.epoch == [0] and rec.names("on_epoch_end") == ["on_epoch_end"]
    assert model.optimizer.iterations == 3


def _stop_at(flag, hook, at_batch):
    """A callback that sets model.<flag> in <hook> at batch `at_batch`."""
    def set_flag(self, batch, logs=None):
        if batch == at_batch:
            setattr(self.model, flag, True)
    return type("StopAt", (keras.callbacks.Callback,), {hook: set_flag})()


# Keras reads stop_predicting after each batch's on_predict_batch_end, and returns the outputs of
# the batches predicted so far (keras/src/backend/tensorflow/trainer.py, predict).
@pytest.mark.parametrize("hook,at_batch,rows", [("on_predict_batch_end", 0, 4), ("on_predict_batch_begin", 1, 8),
                                                ("on_predict_batch_end", 2, 10)])
def test_stop_predicting_returns_only_the_rows_predicted(hook, at_batch, rows):
    x, _ = data(10)
    model = small_model()
    full = model.predict(x, batch_size=4, verbose=0)
    first = model.predict(x, batch_size=4, verbose=0, callbacks=[_stop_at("stop_predicting", hook, at_batch)])
    np.testing.assert_array_equal(first, full[:rows])
    # Fresh inputs: rows left over from the first call's buffers must not come back.
    x2 = x * 3 + 1
    again = model.predict(x2, batch_size=4, verbose=0, callbacks=[_stop_at("stop_predicting", hook, at_batch)])
    np.testing.assert_array_equal(again, model.predict(x2, batch_size=4, verbose=0)[:rows])
    assert model.predict(x, batch_size=4, verbose=0).shape == (10, 1)  # the flag is reset by the next call


def test_stop_predicting_trims_every_output_and_streams():
    rng = np.random.default_rng(0)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, [keras.layers.Dense(2)(inputs), keras.layers.Dense(1)(inputs)])
    x = rng.normal(size=(10, 3)).astype("float32")
    full = model.predict(x, batch_size=4, verbose=0)
    stopped = model.predict(x, batch_size=4, verbose=0,
                            callbacks=[_stop_at("stop_predicting", "on_predict_batch_end", 1)])
    assert [o.shape for o in stopped] == [(8, 2), (8, 1)]
    for got, want in zip(stopped, full):
        np.testing.assert_array_equal(got, want[:8])

    def batches():
        for start in range(0, 10, 4):
            yield x[start:start + 4]
    streamed = model.predict(batches(), verbose=0, callbacks=[_stop_at("stop_predicting", "on_predict_batch_end", 0)])
    for got, want in zip(streamed, full):
        np.testing.assert_array_equal(got, want[:4])


def test_stop_evaluating_gives_the_logs_of_the_batches_evaluated():
    x, y = data(50)
    model = small_model()
    stopped = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True,
                             callbacks=[_stop_at("stop_evaluating", "on_test_batch_end", 1)])
    assert stopped == model.evaluate(x[:32], y[:32], batch_size=16, verbose=0, return_dict=True)


def _sets_in_begin(flag, hook):
    """A callback that sets model.<flag> in <hook>, an on_*_begin hook."""
    def set_flag(self, logs=None):
        setattr(self.model, flag, True)
    return type("StopAtBegin", (keras.callbacks.Callback,), {hook: set_flag})()


# Keras reads each flag after every batch, so one set in on_*_begin stops after the first batch
# (keras/src/backend/tensorflow/trainer.py); here no batch hook was installed to read it.
@pytest.mark.parametrize("verbose", [0, 1, 2])
def test_stop_training_in_on_train_begin_stops_after_the_first_batch(verbose, capsys):
    x, y = data(40)
    model, alone = small_model(), small_model()
    alone.set_weights(model.get_weights())
    history = model.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=verbose, validation_data=(x, y),
                        callbacks=[_sets_in_begin("stop_training", "on_train_begin")])
    assert history.epoch == [0] and model.optimizer.iterations == 1
    alone.train_on_batch(x[:10], y[:10])
    assert history.history["val_loss"] == [alone.evaluate(x, y, verbose=0, return_dict=True)["loss"]]
    for got, want in zip(model.get_weights(), alone.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_stop_evaluating_and_predicting_in_their_begin_hooks_stop_after_the_first_batch():
    x, y = data(50)
    model = small_model()
    stopped = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True,
                             callbacks=[_sets_in_begin("stop_evaluating", "on_test_begin")])
    assert stopped == model.evaluate(x[:16], y[:16], verbose=0, return_dict=True)
    predicted = model.predict(x, batch_size=16, verbose=0, callbacks=[_sets_in_begin("stop_predicting", "on_predict_begin")])
    np.testing.assert_array_equal(predicted, model.predict(x, batch_size=16, verbose=0)[:16])


def test_each_validation_pass_starts_with_stop_evaluating_unset():
    x, y = data(64)
    model = small_model()
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse", metrics=[])  # the validation loss stays the same
    full = model.evaluate(x, y, batch_size=4, verbose=0)

    class Watches(keras.callbacks.Callback):  # makes fit's validation call back after each batch
        def on_test_batch_end(self, batch, logs=None):
            pass

    model.evaluate(x, y, batch_size=4, verbose=0, callbacks=[_stop_at("stop_evaluating", "on_test_batch_end", 1)])
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0, validation_data=(x, y), callbacks=[Watches()])
    assert history.history["val_loss"] == [full]  # the flag the stopped evaluate left did not cut it

    class StopsFirstValidation(keras.callbacks.Callback):
        passes = 0

        def on_test_begin(self, logs=None):
            self.passes += 1

        def on_test_batch_end(self, batch, logs=None):
            if batch == 1 and self.passes == 1:
                self.model.stop_evaluating = True

    history = model.fit(x, y, batch_size=4, epochs=3, verbose=0, validation_data=(x, y),
                        callbacks=[StopsFirstValidation()])
    assert history.history["val_loss"][1:] == [full, full] and history.history["val_loss"][0] != full


def test_on_train_end_receives_the_last_epoch_logs():
    x, y = data(40)
    model = small_model()
    got = []
    history = model.fit(x, y, epochs=2, verbose=0,
                        callbacks=[keras.callbacks.LambdaCallback(on_train_end=lambda logs: got.append(dict(logs)))])
    assert got == [{"accuracy": history.history["accuracy"][-1], "loss": history.history["loss"][-1]}]


def test_lambda_callback_extra_hooks_and_errors_propagate_unchanged():
    x, y = data(40)
    model = small_model()
    ends = []
    model.evaluate(x, y, verbose=0, callbacks=[keras.callbacks.LambdaCallback(on_test_end=lambda logs: ends.append(1))])
    assert ends == [1]

    class Boom(Exception):
        pass

    error = Boom("from a batch hook")

    def explode(batch, logs):
        if batch == 1:
            raise error

    with pytest.raises(Boom) as info:
        model.fit(x, y, batch_size=10, epochs=2, verbose=0,
                  callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=explode)])
    assert info.value is error
    assert model.optimizer.iterations == 2  # batches 0 and 1 were applied whole
    assert np.all(np.isfinite(model.predict(x, verbose=0)))
    assert len(model.fit(x, y, epochs=1, verbose=0).history["loss"]) == 1


@requires_h5py
def test_no_python_call_per_batch_unless_a_callback_needs_it(monkeypatch, tmp_path):
    calls = {"begin": 0, "end": 0, "test_end": 0}
    for name, key in [("on_train_batch_begin", "begin"), ("on_train_batch_end", "end"),
                      ("on_test_batch_end", "test_end")]:
        original = getattr(CallbackList, name)

        def counting(self, *args, _original=original, _key=key, **kwargs):
            calls[_key] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(CallbackList, name, counting)
    x, y = data(200)
    model = small_model()
    cbs = [keras.callbacks.EarlyStopping(monitor="loss", patience=100), keras.callbacks.History(),
           keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras")),
           keras.callbacks.CSVLogger(str(tmp_path / "l.csv")),
           keras.callbacks.ReduceLROnPlateau(monitor="loss"), keras.callbacks.BackupAndRestore(str(tmp_path / "b"))]
    model.fit(x, y, batch_size=4, epochs=3, verbose=0, validation_data=(x, y), callbacks=cbs)
    assert calls == {"begin": 0, "end": 0, "test_end": 0}
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[keras.callbacks.TerminateOnNaN()])
    assert calls == {"begin": 0, "end": 50, "test_end": 0}
    model.fit(x, y, batch_size=4, epochs=1, verbose=0,
              callbacks=[keras.callbacks.ModelCheckpoint(str(tmp_path / "b{batch}.keras"), save_freq=25)])
    assert calls["end"] == 100
    calls["end"] = 0
    model.fit(x, y, batch_size=4, epochs=1, verbose=1)  # the bar: throttled, first and last batch always
    assert 2 <= calls["end"] < 50


# --------------------------------------------------------------------------------------------
# mode="auto"
# --------------------------------------------------------------------------------------------

def _user_metric(y_true, y_pred):
    return keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)


def test_auto_mode_directions():
    """Recorded from Keras 3.15.1: a string names the metric's class, which has a direction; a
    function is wrapped in a MeanMetricWrapper, which goes down if the function is one of Keras's
    losses and has no direction otherwise (the accuracy functions, a user's function)."""
    from densekit.callbacks.monitor_callback import monitor_direction
    import operator

    model = small_model(metrics=["accuracy", "mae", keras.metrics.AUC(), "binary_accuracy",
                                 keras.metrics.BinaryAccuracy(name="bacc"), "kl_divergence", "poisson",
                                 keras.metrics.KLDivergence(name="kld"), keras.losses.poisson,
                                 keras.metrics.mean_squared_error, "categorical_accuracy", _user_metric])
    assert monitor_direction(model, "val_loss") is operator.lt
    assert monitor_direction(model, "loss") is operator.lt
    assert monitor_direction(model, "val_accuracy") is operator.gt
    assert monitor_direction(model, "mae") is operator.lt
    assert monitor_direction(model, "val_auc") is operator.gt
    assert monitor_direction(model, "bacc") is operator.gt
    assert monitor_direction(model, "val_binary_accuracy") is operator.gt
    assert monitor_direction(model, "categorical_accuracy") is operator.gt
    assert monitor_direction(model, "val_f1") is None
    assert monitor_direction(model, "_user_metric") is None
    for name in ("kl_divergence", "val_kl_divergence", "val_poisson", "kld", "mean_squared_error"):
        assert monitor_direction(model, name) is operator.lt
    assert monitor_direction(keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)]), "val_kl_divergence") is None
    by_function = small_model(metrics=[keras.metrics.binary_accuracy, keras.metrics.categorical_accuracy])
    assert monitor_direction(by_function, "val_binary_accuracy") is None
    assert monitor_direction(by_function, "categorical_accuracy") is None


@requires_h5py
def test_auto_mode_error_names_the_callback():
    # Keras 3.15 words these once for every callback that monitors a quantity
    x, y = data(20)
    model = small_model()
    for cb in (keras.callbacks.EarlyStopping(monitor="f1"),
               keras.callbacks.ModelCheckpoint("unused.keras", monitor="f1", save_best_only=True),
               keras.callbacks.ReduceLROnPlateau(monitor="f1")):
        name = type(cb).__name__
        with pytest.raises(ValueError, match=f"^{name} callback received monitor=f1, but Keras isn't able to "
                                             "automatically determine whether that metric should be maximized or "
                                             "minimized. Pass `mode='max'` in order to monitor based on the highest "
                                             "metric value, or pass `mode='min'` in order to use the lowest value.$"):
            model.fit(x, y, epochs=1, verbose=0, callbacks=[cb])
    with pytest.warns(UserWarning, match="^EarlyStopping mode 'sideways' is unknown, fallback to auto mode.$"):
        keras.callbacks.EarlyStopping(mode="sideways")
    with pytest.warns(UserWarning, match="^ModelCheckpoint mode 'up' is unknown, fallback to auto mode.$"):
        keras.callbacks.ModelCheckpoint("m.keras", mode="up")


# --------------------------------------------------------------------------------------------
# EarlyStopping
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("hook", ["on_train_begin", "on_epoch_begin", "on_train_batch_begin", "on_train_batch_end",
                                  "on_test_begin", "on_test_batch_begin", "on_test_batch_end", "on_test_end",
                                  "on_epoch_end", "on_train_end"])
def test_an_exception_in_any_fit_hook_propagates_unchanged(hook):
    import signal

    x, y = data(40)
    model = small_model()
    error = LookupError(f"raised in {hook}")

    def raise_it(*args, **kwargs):
        raise error

    with pytest.raises(LookupError) as info:
        model.fit(x, y, batch_size=10, epochs=2, verbose=0, validation_data=(x, y),
                  callbacks=[keras.callbacks.LambdaCallback(**{hook: raise_it})])
    assert info.value is error
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    assert np.all(np.isfinite(model.predict(x, verbose=0)))
    assert model.fit(x, y, epochs=1, verbose=0).epoch == [0]


@pytest.mark.parametrize("hook", ["on_predict_begin", "on_predict_batch_begin", "on_predict_batch_end",
                                  "on_predict_end"])
def test_an_exception_in_a_predict_hook_propagates_unchanged(hook):
    x, y = data(40)
    model = small_model()
    error = LookupError(hook)

    def raise_it(*args, **kwargs):
        raise error

    with pytest.raises(LookupError) as info:
        model.predict(x, batch_size=8, verbose=0, callbacks=[keras.callbacks.LambdaCallback(**{hook: raise_it})])
    assert info.value is error
    assert model.predict(x, verbose=0).shape == (40, 1)


def test_stop_training_set_from_another_thread_stops_fit_after_the_batch_in_progress():
    # No callback reads the flag here: the C++ loop reads it after every batch (a timer or a
    # stop button may set it, as in Keras).
    x, y = data(64)
    model = small_model()
    timer = threading.Timer(0.2, lambda: setattr(model, "stop_training", True))
    timer.start()
    try:
        history = model.fit(x, y, batch_size=8, epochs=200_000, verbose=0)
    finally:
        timer.cancel()
    assert 0 < len(history.epoch) < 200_000 and model.stop_training
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)  # the next fit starts with the flag cleared
    assert len(model.history.epoch) == 2 and not model.stop_training
