"""Each pass over streamed data as Keras's EpochIterator runs it (keras/src/trainers/
epoch_iterator.py): a PyDataset hears on_epoch_begin() before each pass's batches, a validation
generator that has run out reports nothing rather than zeros, and fit's `shuffle` takes Keras's
values."""

import warnings

import numpy as np
import pytest

import densekit as keras
from test_data_pipelines import Batches, batches, data, endless, model, same_weights


class Prepared(Batches):
    """Logs its hooks and reads: a dataset that prepares each epoch in on_epoch_begin."""

    def __init__(self, x, y):
        super().__init__(x, y)
        self.calls = []

    def on_epoch_begin(self):
        self.calls.append("begin")

    def on_epoch_end(self):
        self.calls.append("end")

    def __getitem__(self, index):
        self.calls.append(index)
        return super().__getitem__(index)


def test_a_pydataset_hears_on_epoch_begin_before_every_pass_of_fit_evaluate_and_predict():
    x, y = data()
    n = len(batches(x, y))
    one_pass = ["begin", *range(n), "end"]
    ds = Prepared(x, y)
    model().fit(ds, epochs=2, shuffle=False, verbose=0)
    # The first batch is read at once (it builds the model), then again after on_epoch_begin.
    assert ds.calls == [0, *one_pass, *one_pass]
    ds = Prepared(x, y)
    model().evaluate(ds, verbose=0)
    assert ds.calls == [0, *one_pass]
    ds = Prepared(x, y)
    model().predict(ds, verbose=0)
    assert ds.calls == [0, *one_pass]


def test_a_pydataset_prepared_in_on_epoch_begin_trains_on_what_it_prepared():
    x, y = data()

    class Flipped(Batches):
        """Its targets exist only once on_epoch_begin has made them."""

        def on_epoch_begin(self):
            self.ready = [(bx, 1.0 - by) for bx, by in batches(x, y)]

        def __getitem__(self, index):
            return self.ready[index] if hasattr(self, "ready") else (self.items[index][0], None)

    a, b = model(), model()
    a.fit(Flipped(x, y), epochs=1, shuffle=False, verbose=0)
    b.fit(x, 1.0 - y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert same_weights(a, b)


def finite(x, y):
    yield from batches(x, y)


def test_a_validation_generator_that_ran_out_reports_no_figures_and_warns():
    x, y = data()
    m = model()
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=5)
    with pytest.warns(UserWarning) as caught:
        history = m.fit(endless(x, y), steps_per_epoch=6, epochs=3, validation_data=finite(x, y),
                        callbacks=[stopper], verbose=0)
    assert len(history.history["loss"]) == 3
    # Only the first validation had batches: no 0.0 passes for the best val_loss of the fit.
    assert len(history.history["val_loss"]) == 1 and history.history["val_loss"][0] > 0.1
    assert stopper.best == history.history["val_loss"][0]
    messages = [str(w.message) for w in caught]
    assert any("`validation_data` ran out: 2 validation(s) found no batch left" in text for text in messages)


def test_a_validation_generator_with_enough_batches_does_not_warn():
    x, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = model().fit(endless(x, y), steps_per_epoch=6, epochs=3, validation_data=endless(x, y),
                              validation_steps=2, shuffle=False, verbose=0)
    assert len(history.history["val_loss"]) == 3


@pytest.mark.parametrize("shuffle,same_as", [("batch", False), (None, False), (0, False), ("yes", True), (1, True)])
def test_shuffle_takes_kerass_values(shuffle, same_as):
    # "batch" reorders rows inside each batch in Keras, which changes no batch's mean loss or
    # gradient: it trains as shuffle=False.
    x, y = data()
    a = model()  # (each model() reseeds: its fit's shuffles follow)
    a.fit(x, y, batch_size=16, epochs=2, shuffle=shuffle, verbose=0)
    b = model()
    b.fit(x, y, batch_size=16, epochs=2, shuffle=same_as, verbose=0)
    assert same_weights(a, b)
    if same_as is False:
        c = model()
        c.fit(x, y, batch_size=16, epochs=2, shuffle=True, verbose=0)
        assert not same_weights(a, c)


def test_a_callbacks_own_value_error_is_not_taken_for_the_generators():
    # The feeder reads ahead: the generator may fail on a batch the loop never reached, while a
    # callback raises its own ValueError; that one is the error of the fit.
    x, y = data()

    def failing():
        yield from batches(x, y)[:3]
        raise RuntimeError("the generator failed ahead")

    class Fails(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            raise ValueError("the callback's own")

    with pytest.raises(ValueError, match="the callback's own"):
        model().fit(failing(), steps_per_epoch=3, shuffle=False, verbose=0, callbacks=[Fails()])


def test_stop_evaluating_ends_an_evaluate_of_an_endless_generator():
    """trainer_test.py's test_stop_loop[evaluate]: the loop stops after the batch that set the
    flag; it went on reading the generator to its end, so an endless one never returned."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    model.compile("sgd", "mse")

    class StopAtFive(keras.callbacks.Callback):
        seen = 0

        def on_test_batch_end(self, batch, logs=None):
            self.seen += 1
            if self.seen == 5:
                self.model.stop_evaluating = True

    def endless():  # (ends after 1000 batches, so that a loop ignoring the flag fails, not hangs)
        for _ in range(1000):
            yield np.ones((2, 2), np.float32), np.ones((2, 3), np.float32)
        raise AssertionError("evaluate read on past stop_evaluating")

    stop = StopAtFive()
    model.evaluate(endless(), callbacks=[stop], verbose=0)
    assert stop.seen == 5
