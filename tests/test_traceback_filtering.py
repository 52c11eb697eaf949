"""Tracebacks of errors raised inside fit / evaluate / predict and layer calls keep the user's
frames and leave out densekit's, as Keras filters its own (keras/src/utils/traceback_utils.py),
unless keras.config.disable_traceback_filtering() asks for them all."""

import os
import traceback

import numpy as np
import pytest

import densekit as keras

PACKAGE = os.path.dirname(os.path.abspath(keras.__file__))


def own_frames(error):
    """densekit's frames in the traceback, but the re-raise each filtering call adds."""
    return [frame for frame in traceback.extract_tb(error.__traceback__)
            if frame.filename.startswith(PACKAGE) and "filtered(error)" not in frame.line]


def fit_with_a_failing_callback():
    class Fails(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise RuntimeError("the user's callback failed") from KeyError("its cause")

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(RuntimeError, match="the user's callback failed") as caught:
        model.fit(np.ones((4, 3)), np.ones(4), callbacks=[Fails()], verbose=0)
    return caught.value


def test_an_error_in_the_users_callback_shows_the_users_frames_only():
    error = fit_with_a_failing_callback()
    assert own_frames(error) == []
    names = [frame.name for frame in traceback.extract_tb(error.__traceback__)]
    assert "on_epoch_end" in names and "fit_with_a_failing_callback" in names
    assert isinstance(error.__cause__, KeyError)  # only the traceback is trimmed


def test_an_error_densekit_raises_shows_where_it_was_raised():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="incompatible with the layer") as caught:
        model.predict(np.ones((4, 5)), verbose=0)
    assert len(own_frames(caught.value)) == 1  # the raising frame, as Keras keeps
    with pytest.raises(ValueError, match="Only input tensors") as caught:
        keras.layers.Dense(2)(keras.layers.Dense(3))
    assert len(own_frames(caught.value)) == 1


def test_disabling_the_filter_shows_every_frame():
    keras.config.disable_traceback_filtering()
    try:
        assert not keras.config.is_traceback_filtering_enabled()
        assert len(own_frames(fit_with_a_failing_callback())) > 3
    finally:
        keras.config.enable_traceback_filtering()
    assert keras.config.is_traceback_filtering_enabled()


def test_an_error_in_the_users_generator_is_shown_alone():
    # The C++ loop relays the feeder's error as a ValueError; the user's error is raised while
    # that is handled, but "during handling of the above exception" would show densekit's frames.
    def batches():
        yield np.ones((2, 3)), np.ones((2, 1))
        raise ZeroDivisionError("the user's generator failed")

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ZeroDivisionError) as caught:
        model.fit(batches(), steps_per_epoch=3, shuffle=False, verbose=0)
    printed = "".join(traceback.format_exception(caught.value))
    assert "During handling" not in printed and own_frames(caught.value) == []
    assert "in batches" in printed


def test_a_generators_own_context_is_kept_and_every_feeder_thread_ends():
    import threading

    def batches():
        yield np.ones((2, 3)), np.ones((2, 1))
        try:
            {}["missing"]
        except KeyError:
            raise RuntimeError("the user's generator failed handling a KeyError")

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    for _ in range(2):
        with pytest.raises(RuntimeError) as caught:
            model.fit(batches(), steps_per_epoch=3, epochs=2, shuffle=False, verbose=0,
                      validation_data=batches(), validation_steps=1)
        assert isinstance(caught.value.__context__, KeyError) and not caught.value.__suppress_context__
    assert [t for t in threading.enumerate() if t.name == "densekit-feeder"] == []
