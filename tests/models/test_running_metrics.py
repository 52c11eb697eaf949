"""model.metrics, metrics_names, reset_metrics() and get_metrics_result(): Keras's running metrics
(keras/src/trainers/trainer.py), read from the values the C++ loop keeps. The behaviours asserted
were measured in Keras 3.15.1 on TensorFlow 2.21."""

import numpy as np
import pytest

import densekit as keras


def _linear_model(outputs=1):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(outputs, kernel_initializer="ones")])
    return model


def _data():
    x = (np.arange(64, dtype=np.float32).reshape(16, 4) / 64).astype(np.float32)
    return x, np.zeros((16, 1), np.float32)


def _reference(x, y):
    """float64 mse and mae of the all-ones linear model (zero bias)."""
    error = x.astype(np.float64).sum(axis=1, keepdims=True) - y
    return float(np.mean(error ** 2)), float(np.mean(np.abs(error)))


def test_an_uncompiled_model_has_no_running_metrics():
    model = _linear_model()
    assert model.metrics == [] and model.metrics_names == []  # metrics_names raised AttributeError
    assert model.get_metrics_result() == {}
    model.reset_metrics()  # nothing to reset


def test_which_trackers_compile_makes():
    model = _linear_model()
    model.compile(loss="mse")
    assert model.metrics_names == ["loss"]
    assert model.get_metrics_result() == {"loss": 0.0}
    # Keras makes its CompileMetrics for any metrics argument, an empty one too, and cannot read it
    # before the first batch has built it.
    for kwargs in ({"metrics": []}, {"weighted_metrics": ["mae"]}, {"metrics": ["mae"]}):
        model.compile(loss="mse", **kwargs)
        assert model.metrics_names == ["loss", "compile_metrics"]
        assert model.metrics[0].result() == 0.0
        with pytest.raises(ValueError, match="before the model has trained or evaluated"):
            model.get_metrics_result()


def test_the_running_values_are_what_the_last_loop_left():
    x, y = _data()
    model = _linear_model()
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse", metrics=["mae"])
    mse, mae = _reference(x, y)

    result = model.evaluate(x, y, batch_size=5, verbose=0, return_dict=True)
    assert model.get_metrics_result() == result
    np.testing.assert_allclose([result["loss"], result["mae"]], [mse, mae], rtol=1e-6)
    tracker, compiled = model.metrics
    assert tracker.name == "loss" and compiled.name == "compile_metrics"
    assert isinstance(tracker.result(), np.float32) and tracker.result() == np.float32(result["loss"])
    assert compiled.result() == {"mae": np.float32(result["mae"])}

    model.predict(x, verbose=0)  # predict leaves them
    assert model.get_metrics_result() == result

    # train_on_batch and test_on_batch: that one batch's values.
    batch = model.train_on_batch(x[:8], y[:8], return_dict=True)
    assert model.get_metrics_result() == batch
    np.testing.assert_allclose(list(batch.values()), _reference(x[:8], y[:8]), rtol=1e-6)

    # fit with validation leaves the validation values (Keras evaluates with the same metrics).
    history = model.fit(x, y, epochs=2, batch_size=4, validation_split=0.25, verbose=0)
    assert model.get_metrics_result() == {"loss": history.history["val_loss"][-1],
                                          "mae": history.history["val_mae"][-1]}
    np.testing.assert_allclose(list(model.get_metrics_result().values()), _reference(x[12:], y[12:]), rtol=1e-6)

    model.reset_metrics()
    assert model.get_metrics_result() == {"loss": 0.0, "mae": 0.0}


def test_each_tracker_resets_alone():
    rng = np.random.default_rng(0)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, [keras.layers.Dense(1, name="a")(inputs), keras.layers.Dense(2, name="b")(inputs)])
    model.compile(loss=["mse", "mse"], metrics=[["mae"], ["mse"]])
    x, ya, yb = rng.normal(size=(8, 4)), rng.normal(size=(8, 1)), rng.normal(size=(8, 2))
    logs = model.evaluate(x, [ya, yb], verbose=0, return_dict=True)
    assert model.metrics_names == ["loss", "compile_metrics", "a_loss", "b_loss"]
    assert list(model.get_metrics_result()) == ["loss", "a_mae", "b_mse", "a_loss", "b_loss"]  # Keras's order
    assert model.get_metrics_result() == logs

    expected = dict(logs)
    for tracker, zeroed in zip(model.metrics, (["loss"], ["a_mae", "b_mse"], ["a_loss"], ["b_loss"])):
        tracker.reset_state()
        expected.update(dict.fromkeys(zeroed, 0.0))
        assert model.get_metrics_result() == expected, tracker.name
    # The next loop starts from zero and fills every tracker again.
    assert model.evaluate(x, [ya, yb], verbose=0, return_dict=True) == logs


def test_a_callback_reads_the_running_values_and_a_metric_object_shares_them():
    x, y = _data()
    mae = keras.metrics.MeanAbsoluteError(name="mae")
    model = _linear_model()
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", metrics=[mae])
    seen = []

    class Reader(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append((model.get_metrics_result(), dict(logs)))

    model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[Reader()])
    assert len(seen) == 4 and all(running == logs for running, logs in seen)
    assert mae.result() == np.float32(model.get_metrics_result()["mae"])
    model.metrics[1].reset_state()
    assert mae.result() == 0.0
