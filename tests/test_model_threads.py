"""One model (or models sharing layers) used from several Python threads (docs/cpp.md, "Threads and
one model"): predictions come from the weights of one training step, never half-updated ones;
fit, evaluate, train_on_batch, test_on_batch and calls of one model run one at a time, another
thread getting a RuntimeError; models that share a layer take turns instead of moving the layer
under each other (which crashed the interpreter)."""

import threading

import numpy as np
import pytest

import densekit as keras


def _run_beside(background, foreground):
    """Runs `background` on a thread and `foreground(done)` here until it ends; returns the
    background's exception, if any."""
    done, errors = threading.Event(), []

    def work():
        try:
            background()
        except BaseException as error:  # reported to the test, not lost in the thread
            errors.append(error)
        finally:
            done.set()

    thread = threading.Thread(target=work)
    thread.start()
    try:
        foreground(done)
    finally:
        thread.join(timeout=120)
    assert not thread.is_alive()
    return errors[0] if errors else None


class _SlowEvaluation(keras.callbacks.Callback):
    """Sets `started` when an evaluation begins, then keeps it going (2 ms a batch) while another
    thread acts on the model."""

    def __init__(self, started):
        super().__init__()
        self.started = started

    def on_test_begin(self, logs=None):
        self.started.set()

    def on_test_batch_end(self, batch, logs=None):
        threading.Event().wait(0.002)


def _data(rows=1024, cols=32, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((rows, cols)).astype(np.float32), rng.integers(0, 10, rows)


def test_models_sharing_layers_take_turns_across_threads():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((32,))
    code = keras.layers.Dense(8)(keras.layers.Dense(64, activation="relu")(inputs))
    encoder = keras.Model(inputs, code)
    autoencoder = keras.Model(inputs, keras.layers.Dense(32)(code))
    autoencoder.compile("adam", "mse")
    x, _ = _data()
    predictions, started = [], threading.Event()
    begin = keras.callbacks.LambdaCallback(on_train_begin=lambda logs: started.set())

    def predict_meanwhile(done):
        assert started.wait(60)
        while not done.is_set():
            predictions.append(encoder.predict(x[:64], verbose=0))

    error = _run_beside(lambda: autoencoder.fit(x, x, epochs=8, batch_size=32, verbose=0, callbacks=[begin]),
                        predict_meanwhile)
    assert error is None and all(np.isfinite(p).all() for p in predictions)
    # The encoder reads the trained layers: its output is the autoencoder's code layer's.
    code_model = keras.Model(autoencoder.inputs, autoencoder.layers[2].output)
    np.testing.assert_array_equal(encoder.predict(x[:64], verbose=0), code_model.predict(x[:64], verbose=0))


def test_predictions_during_fit_come_from_the_weights_of_one_step():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(keras.optimizers.SGD(0.5), "sparse_categorical_crossentropy")
    x, y = _data()
    probe = x[:8]
    snapshots = [model.get_weights()]
    twin = keras.Sequential([keras.Input((32,)), keras.layers.Dense(256, activation="relu"),
                             keras.layers.Dense(10, activation="softmax")])

    class Snapshot(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            snapshots.append(model.get_weights())  # between steps, on the training thread

    seen = []

    def predict_meanwhile(done):
        while not done.is_set():
            seen.append(model.predict(probe, verbose=0))

    error = _run_beside(lambda: model.fit(x, y, epochs=6, batch_size=16, verbose=0, callbacks=[Snapshot()]),
                        predict_meanwhile)
    assert error is None and len(seen) >= 3
    expected = []
    for weights in snapshots:
        twin.set_weights(weights)
        expected.append(twin.predict(probe, verbose=0))
    torn = [p for p in seen if not any(np.array_equal(p, e) for e in expected)]
    assert not torn, f"{len(torn)} of {len(seen)} predictions match no step's weights"


@pytest.mark.parametrize("second", ["evaluate", "fit", "train_on_batch", "test_on_batch", "call"])
def test_a_second_thread_is_refused_while_the_model_evaluates(second):
    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = _data(512)
    reference = model.evaluate(x, y, batch_size=8, verbose=0)
    calls = {"evaluate": lambda: model.evaluate(x[:64], y[:64], verbose=0),
             "fit": lambda: model.fit(x[:64], y[:64], verbose=0),
             "train_on_batch": lambda: model.train_on_batch(x[:64], y[:64]),
             "test_on_batch": lambda: model.test_on_batch(x[:64], y[:64]),
             "call": lambda: model(x[:64], training=True)}
    started, refused, results = threading.Event(), [], []

    def keep_trying(done):
        assert started.wait(60)
        while not done.is_set():
            try:
                calls[second]()
            except RuntimeError as error:
                refused.append(str(error))

    error = _run_beside(lambda: results.append(model.evaluate(x, y, batch_size=8, verbose=0, callbacks=[_SlowEvaluation(started)])),
                        keep_trying)
    assert error is None
    assert refused and all("in another thread" in message for message in refused)
    # Each refusal names the call made (fit and evaluate named set_distribution(), an inner step)
    named = "a call of the model" if second == "call" else second
    assert all(message.startswith(f"Cannot run {named}:") for message in refused), refused[0]
    assert results == [reference]  # the evaluation's figures, untouched by the refused calls


def test_an_inference_call_runs_beside_an_evaluation_on_another_thread():
    keras.utils.set_random_seed(4)
    model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    x, y = _data(512)
    expected = model.predict(x[:3], verbose=0)
    started, outputs = threading.Event(), []

    def call_meanwhile(done):
        assert started.wait(60)
        while not done.is_set():
            outputs.append(np.asarray(model([x[:3]])))  # an inference call is predict's pass, on its own workspace

    error = _run_beside(lambda: model.evaluate(x, y, batch_size=8, verbose=0, callbacks=[_SlowEvaluation(started)]), call_meanwhile)
    assert error is None and outputs and all(np.array_equal(o, expected) for o in outputs)


def test_a_callback_may_still_evaluate_and_predict_its_own_model():
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    x, y = _data(256)
    seen = []
    callback = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append((model.evaluate(x, y, verbose=0),
                                                      model.predict(x[:4], verbose=0).shape)))
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callback])
    assert len(seen) == 2 and seen[0][1] == (4, 10)


def test_a_function_inside_a_step_using_a_model_that_shares_its_layers_gets_an_error():
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(3)(inputs)
    encoder = keras.Model(inputs, hidden)
    autoencoder = keras.Model(inputs, keras.layers.Dense(4)(hidden))
    x = np.random.default_rng(0).normal(size=(16, 4)).astype(np.float32)

    def learning_rate():  # called inside each training step: waiting there would never end
        encoder.predict(x[:2], verbose=0)
        return 0.01

    autoencoder.compile(keras.optimizers.SGD(learning_rate=learning_rate), "mse")
    with pytest.raises(RuntimeError, match="shares a layer with another model that this thread is running"):
        autoencoder.fit(x, x, epochs=1, batch_size=8, verbose=0)
    assert encoder.predict(x[:2], verbose=0).shape == (2, 3)  # both models still work after
