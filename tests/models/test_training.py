"""fit / evaluate / predict and friends: the Keras semantics of keras/src/trainers/trainer.py."""

import threading
import time
import warnings

import numpy as np
import pytest

import densekit as keras
from densekit import layers


def mlp(input_dim=30, hidden=(30, 15), out=1, out_activation="sigmoid"):
    return keras.Sequential([keras.Input((input_dim,))] + [layers.Dense(h, activation="relu") for h in hidden]
                            + [layers.Dense(out, activation=out_activation)])


def test_breast_cancer_tutorial_reaches_95_percent(breast_cancer):
    x_train, x_test, y_train, y_test = breast_cancer
    keras.utils.set_random_seed(1)
    model = mlp()
    assert model.count_params() == 1411
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=64, epochs=100, verbose=0)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.95
    assert history.history["accuracy"][-1] > 0.97
    assert history.history["loss"][-1] < history.history["loss"][0]
    text = []
    model.summary(print_fn=text.append)
    # 1,411 weights + 2·1,411 + 2 Adam variables, the step count an int64 (Keras 3.15.1's figures)
    assert " Total params: 4,235 (16.55 KB)" in text[0]
    assert " Trainable params: 1,411 (5.51 KB)" in text[0]


def train_once(seed, x, y, threads=None):
    if threads:
        keras.config.set_num_threads(threads)
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(64, activation="relu"), layers.Dropout(0.3),
                              layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0)
    return model.get_weights(), history.history


def test_same_seed_gives_bitwise_identical_training(blobs):
    x, y = blobs
    w1, h1 = train_once(7, x, y)
    w2, h2 = train_once(7, x, y)
    w3, _ = train_once(8, x, y)
    assert h1 == h2
    assert all(np.array_equal(a, b) for a, b in zip(w1, w2))
    assert not all(np.array_equal(a, b) for a, b in zip(w1, w3))


def test_thread_counts_agree_within_tolerance(blobs):
    x, y = blobs
    x = np.repeat(x, 20, axis=0)
    y = np.repeat(y, 20)
    before = keras.config.get_num_threads()
    try:
        w1, _ = train_once(3, x, y, threads=1)
        w2, _ = train_once(3, x, y, threads=2)
        w2b, _ = train_once(3, x, y, threads=2)
    finally:
        keras.config.set_num_threads(before)
    assert all(np.array_equal(a, b) for a, b in zip(w2, w2b))
    for a, b in zip(w1, w2):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("batch_size, hidden", [(32, (300, 100)), (200, (300, 100)), (128, (520,))])
def test_a_wide_mlp_trains_to_the_same_bits_on_1_and_2_threads(batch_size, hidden):
    """W1's shape, shuffled: with 2 threads each copies one side of every gathered row and the
    first layer's product splits by depth (at batch 32 the second's too; at 200, and the last
    batch of 40, the kernel's rows stay with the core that updated them; 520 units are packed,
    each thread packing its own rows: cpp/src/gemm.hpp); every sum keeps its order, so the
    weights after two epochs are those of one thread, bit for bit."""
    rng = np.random.default_rng(0)
    x = rng.random((640, 784), dtype=np.float32)
    y = rng.integers(0, 10, 640)
    before = keras.config.get_num_threads()
    weights = {}
    try:
        for threads in (1, 2):
            keras.config.set_num_threads(threads)
            keras.utils.set_random_seed(1)
            model = keras.Sequential([keras.Input((784,))] + [layers.Dense(u, activation="relu") for u in hidden]
                                     + [layers.Dense(10, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x, y, batch_size=batch_size, epochs=2, verbose=0)
            weights[threads] = model.get_weights()
    finally:
        keras.config.set_num_threads(before)
    assert all(np.array_equal(a, b) for a, b in zip(weights[1], weights[2]))


def test_history_params_and_epochs(blobs):
    x, y = blobs
    model = mlp(4, (8,), 3, "softmax")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=50, verbose=0, validation_data=(x[:30], y[:30]))
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 6}
    assert history.epoch == [0, 1, 2]
    assert model.history is history
    assert all(len(v) == 3 for v in history.history.values())
    again = model.fit(x, y, epochs=5, initial_epoch=3, batch_size=50, verbose=0)
    assert again is not history and again.epoch == [3, 4]
    assert model.optimizer.iterations == 3 * 6 + 2 * 6  # fit continues with the same optimizer


def test_initial_epoch_prints_keras_epoch_numbers(blobs, capsys):
    x, y = blobs
    model = mlp(4, (8,), 3, "softmax")
    model.compile(loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=3, initial_epoch=1, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 2/3" and lines[2] == "Epoch 3/3" and len(lines) == 4


def frozen_model(input_dim=3):
    """A model whose weights never change (SGD with learning rate 0): epoch logs are exact means."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((input_dim,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse", metrics=["mae"])
    return model


def test_epoch_loss_is_sample_mean_with_partial_last_batch():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(50, 3)), rng.normal(size=50)
    model = frozen_model()
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0)  # batches 16, 16, 16, 2
    p = model.predict(x, verbose=0)[:, 0]
    np.testing.assert_allclose(history.history["loss"][0], np.mean((p - y) ** 2), rtol=1e-5)
    np.testing.assert_allclose(history.history["mae"][0], np.mean(np.abs(p - y)), rtol=1e-5)


def test_validation_split_takes_the_last_fraction_before_shuffling():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    model = frozen_model()
    history = model.fit(x, y, validation_split=0.25, epochs=1, verbose=0)
    assert history.params["steps"] == 1  # 30 training samples in one batch of 32
    expected = model.evaluate(x[30:], y[30:], verbose=0)
    np.testing.assert_allclose(history.history["val_loss"][0], expected[0], rtol=1e-6)
    with pytest.raises(ValueError, match="not sufficient to split"):
        model.fit(x[:1], y[:1], validation_split=0.5, verbose=0)


def test_sample_weight_and_class_weight_divide_by_n():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(20, 3)), (rng.random(20) > 0.5).astype("float32")
    model = frozen_model()
    p = model.predict(x, verbose=0)[:, 0]
    w = rng.random(20)
    history = model.fit(x, y, sample_weight=w, batch_size=20, epochs=1, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], np.sum(w * (p - y) ** 2) / 20, rtol=1e-5)
    history = model.fit(x, y, class_weight={0: 1.0, 1: 3.0}, batch_size=20, epochs=1, verbose=0)
    cw = np.where(y == 1, 3.0, 1.0)
    np.testing.assert_allclose(history.history["loss"][0], np.sum(cw * (p - y) ** 2) / 20, rtol=1e-5)
    # Keys no label rounds to weigh nothing, silently, as in Keras (class_weight.get(int(label)))
    ignored = model.fit(x, y, class_weight={"a": 9.0, 0.5: 9.0, -1: 9.0}, batch_size=20, epochs=1, verbose=0)
    np.testing.assert_allclose(ignored.history["loss"][0], np.sum((p - y) ** 2) / 20, rtol=1e-5)
    with pytest.raises(ValueError, match="sample_weight"):
        model.fit(x, y, sample_weight=w[:5], verbose=0)


def test_validation_data_with_sample_weights():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    model = frozen_model()
    w = rng.random(20)
    history = model.fit(x, y, validation_data=(x, y, w), epochs=1, verbose=0)
    p = model.predict(x, verbose=0)[:, 0]
    np.testing.assert_allclose(history.history["val_loss"][0], np.sum(w * (p - y) ** 2) / 20, rtol=1e-5)


def test_evaluate_returns_scalar_list_or_dict(blobs):
    x, y = blobs
    model = mlp(4, (8,), 3, "softmax")
    model.compile(loss="sparse_categorical_crossentropy")
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy", "sparse_top_k_categorical_accuracy"])
    result = model.evaluate(x, y, verbose=0)
    assert isinstance(result, list) and len(result) == 3
    as_dict = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(as_dict) == ["accuracy", "loss", "sparse_top_k_categorical_accuracy"]
    assert as_dict["loss"] == result[0] and as_dict["accuracy"] == result[1]
    assert as_dict["sparse_top_k_categorical_accuracy"] == 1.0  # 3 classes, k = 5


def test_predict_and_single_batch_methods(blobs):
    x, y = blobs
    model = mlp(4, (8,), 3, "softmax")
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    p = model.predict(x, verbose=0)
    assert p.shape == (300, 3) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    # Other batch sizes may take another GEMM path: equal up to float32 rounding.
    np.testing.assert_allclose(model.predict(x, batch_size=7, verbose=0), p, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(model.predict_on_batch(x), p, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(model(x), model.predict_on_batch(x))
    loss_before = model.test_on_batch(x, y)[0]
    logs = model.train_on_batch(x, y, return_dict=True)
    assert logs["loss"] == pytest.approx(loss_before, rel=1e-6)  # the pre-update loss
    assert model.optimizer.iterations == 1
    assert model.test_on_batch(x, y)[0] < loss_before


def test_deferred_build_from_first_batch(blobs):
    x, y = blobs
    model = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dense(3, activation="softmax")])
    assert model.weights == [] and not model.built
    with pytest.raises(ValueError, match="isn't built"):
        model.count_params()
    with pytest.raises(AttributeError):
        model.input_shape
    text = []
    model.summary(print_fn=text.append)
    assert "0 (unbuilt)" in text[0]
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    assert model.input_shape == (None, 4) and model.output_shape == (None, 3)
    assert model.count_params() == 4 * 8 + 8 + 8 * 3 + 3


def test_legacy_input_shape_argument_builds_the_model():
    with pytest.warns(UserWarning, match="input_shape"):
        model = keras.Sequential([layers.Dense(4, input_shape=(6,)), layers.Dense(1)])
    assert model.built and model.input_shape == (None, 6)
    with pytest.warns(UserWarning, match="input_dim"):
        model = keras.Sequential([layers.Dense(4, input_dim=3)])
    assert model.input_shape == (None, 3)


def test_add_keeps_trained_weights_and_names_are_global():
    model = keras.Sequential()
    model.add(keras.Input((5,)))
    model.add(layers.Dense(4))
    kernel = model.layers[0].get_weights()[0]
    model.add(layers.Dense(2))
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], kernel)
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]
    other = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    assert other.layers[0].name == "dense_2" and other.name == "sequential_1"
    with pytest.raises(ValueError, match="unique names"):
        model.add(layers.Dense(3, name="dense"))
    assert model.get_layer("dense_1") is model.layers[1] and model.get_layer(index=0) is model.layers[0]
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("nope")
    popped = model.pop()
    assert popped.name == "dense_1" and model.output_shape == (None, 4)


def test_set_weights_checks_shapes():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="expecting 2 weights"):
        model.set_weights([np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(2, 3\)"):
        model.set_weights([np.zeros((2, 3)), np.zeros(2)])
    model.set_weights([np.ones((3, 2)), np.full(2, 0.5)])
    np.testing.assert_allclose(model.predict(np.ones((1, 3)), verbose=0), [[3.5, 3.5]])


def test_inputs_of_any_numeric_kind():
    import pandas as pd

    rng = np.random.default_rng(4)
    x = rng.normal(size=(12, 3))
    y = (x.sum(axis=1) > 0).astype(int)
    model = frozen_model()
    expected = model.predict(x.astype("float32"), verbose=0)
    np.testing.assert_allclose(model.predict(x.tolist(), verbose=0), expected)
    np.testing.assert_allclose(model.predict(pd.DataFrame(x, columns=list("abc")), verbose=0), expected)
    np.testing.assert_allclose(model.predict(np.asfortranarray(x), verbose=0), expected)
    model.fit(pd.DataFrame(x), pd.Series(y), verbose=0)
    model.fit(x.astype(np.float16), y.astype(np.uint8), verbose=0)
    model.fit(x > 0, y.astype(bool), verbose=0)
    from densekit.utils.arrays import to_array

    ready = np.ascontiguousarray(x, dtype=np.float32)
    assert to_array(ready, "x") is ready  # no copy for float32 C-ordered data
    with pytest.raises(TypeError, match="non-numeric columns"):
        model.fit(pd.DataFrame({"a": ["x"] * 12, "b": 1.0, "c": 2.0}), y, verbose=0)


def test_rank_one_input_is_expanded_for_a_width_one_model():
    model = keras.Sequential([keras.Input((1,)), layers.Dense(1)])
    model.set_weights([np.full((1, 1), 2.0), np.zeros(1)])
    np.testing.assert_allclose(model.predict(np.array([1.0, 2.0]), verbose=0), [[2.0], [4.0]])


BAD_INPUTS = [
    ("wrong feature count", lambda m, x, y: m.fit(x[:, :2], y, verbose=0), ValueError, r"expected shape=\(None, 3\)"),
    ("wrong rank", lambda m, x, y: m.fit(x[:, None, :], y, verbose=0), ValueError, "incompatible"),
    ("length mismatch", lambda m, x, y: m.fit(x, y[:-1], verbose=0), ValueError, "cardinality"),
    ("NaN in x", lambda m, x, y: m.fit(np.where(x > 1, np.nan, x), y, verbose=0), ValueError, "NaN"),
    ("inf in y", lambda m, x, y: m.fit(x, np.where(y > 0, np.inf, y), verbose=0), ValueError, "infinity"),
    ("NaN in predict", lambda m, x, y: m.predict(np.full((2, 3), np.nan), verbose=0), ValueError, "NaN"),
    ("empty x", lambda m, x, y: m.fit(x[:0], y[:0], verbose=0), ValueError, "empty"),
    ("empty predict", lambda m, x, y: m.predict(x[:0], verbose=0), ValueError, "empty"),
    ("no y", lambda m, x, y: m.fit(x, None, verbose=0), ValueError, "missing"),
    ("bad batch size", lambda m, x, y: m.fit(x, y, batch_size=0, verbose=0), ValueError, "batch_size"),
    ("string data", lambda m, x, y: m.fit(np.array([["a"] * 3] * 4), y[:4], verbose=0), TypeError, "numbers"),
    ("bad verbose", lambda m, x, y: m.fit(x, y, verbose=5), ValueError, "verbose"),
]


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_raises_a_clear_error_and_the_model_still_works(case):
    _, call, error, match = case
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(10, 3)), rng.normal(size=10)
    model = frozen_model()
    with pytest.raises(error, match=match):
        call(model, x, y)
    assert np.isfinite(model.fit(x, y, verbose=0).history["loss"][0])


def test_sparse_labels_out_of_range_or_fractional(blobs):
    x, y = blobs
    model = mlp(4, (8,), 3, "softmax")
    model.compile(loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"label value of 3.*\[0, 3\)"):
        model.fit(x, np.where(y == 2, 3, y), verbose=0)
    with pytest.raises(ValueError, match="integer class labels"):
        model.fit(x, y + 0.5, verbose=0)
    with pytest.raises(ValueError, match="label value of -1"):
        model.evaluate(x, y - 1, verbose=0)
    model.compile(loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy|to_categorical"):
        model.fit(x, y, verbose=0)


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(ValueError, match="Unknown activation.*relu"):
        layers.Dense(3, activation="rellu")
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    with pytest.raises(ValueError, match="loss identifier.*mean_squared_error"):
        model.compile(loss="mean_squared_eror")
    with pytest.raises(ValueError, match="optimizer identifier.*adam"):
        model.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError, match="metric identifier.*accuracy"):
        model.compile(loss="mse", metrics=["acuracy"])
    with pytest.raises(ValueError, match="list, tuple, or dict"):
        model.compile(loss="mse", metrics="accuracy")


def test_fit_before_compile_and_bad_hyperparameters():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    with pytest.raises(ValueError, match=r"You must call `compile\(\)` before using the model"):
        model.fit(np.zeros((2, 3)), np.zeros(2), verbose=0)
    with pytest.raises(ValueError, match=r"You must call `compile\(\)`"):
        model.evaluate(np.zeros((2, 3)), np.zeros(2), verbose=0)
    model.compile(optimizer="adam")
    with pytest.raises(ValueError, match="No loss"):
        model.fit(np.zeros((2, 3)), np.zeros(2), verbose=0)
    with pytest.raises(ValueError, match="positive integer"):
        layers.Dense(0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        layers.Dropout(1.5)
    with pytest.raises(ValueError, match="learning_rate"):
        keras.optimizers.Adam(learning_rate=-0.1)
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        layers.Dense(3, nonsense=1)


class StopAt(keras.callbacks.Callback):
    def __init__(self, epoch=None, batch=None):
        super().__init__()
        self.stop_epoch, self.stop_batch, self.batches = epoch, batch, []

    def on_train_batch_end(self, batch, logs=None):
        self.batches.append(batch)
        if batch == self.stop_batch:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.stop_epoch:
            self.model.stop_training = True


def test_callbacks_see_every_batch_and_can_stop_training(blobs):
    x, y = blobs
    model = mlp(4, (8,), 3, "softmax")
    model.compile(loss="sparse_categorical_crossentropy")
    counter = StopAt()
    model.fit(x, y, batch_size=64, epochs=2, verbose=0, callbacks=[counter])
    assert counter.batches == list(range(5)) * 2  # ceil(300 / 64) per epoch
    history = model.fit(x, y, epochs=10, verbose=0, callbacks=[StopAt(epoch=2)])
    assert history.epoch == [0, 1, 2]
    stopper = StopAt(batch=1)
    history = model.fit(x, y, batch_size=64, epochs=3, verbose=0, callbacks=[stopper])
    assert history.epoch == [0] and stopper.batches == [0, 1]


def test_an_exception_in_a_callback_propagates_and_the_model_stays_usable(blobs):
    x, y = blobs

    class Boom(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise RuntimeError("boom at epoch end")

    model = mlp(4, (8,), 3, "softmax")
    model.compile(loss="sparse_categorical_crossentropy")
    with pytest.raises(RuntimeError, match="boom at epoch end"):
        model.fit(x, y, epochs=2, verbose=0, callbacks=[Boom()])
    assert np.all(np.isfinite(model.predict(x, verbose=0)))
    model.fit(x, y, epochs=1, verbose=0)


def test_fit_releases_the_gil():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(20000, 128)).astype("float32"), rng.normal(size=(20000, 1)).astype("float32")
    model = keras.Sequential([keras.Input((128,)), layers.Dense(512, activation="relu"), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    ticks = []
    done = threading.Event()

    def spin():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    thread = threading.Thread(target=spin)
    thread.start()
    start = time.perf_counter()
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    elapsed = time.perf_counter() - start
    done.set()
    thread.join()
    during = [t for t in ticks if start < t < start + elapsed]
    assert elapsed > 0.05
    assert len(during) > 0.2 * elapsed / 0.0011  # the thread kept running during the C++ loop


def test_to_categorical_and_set_random_seed():
    out = keras.utils.to_categorical(np.array([[0], [2], [1]]))
    assert out.dtype == np.float64 and out.shape == (3, 3)
    np.testing.assert_array_equal(out, np.eye(3)[[0, 2, 1]])
    assert keras.utils.to_categorical([1, 0], num_classes=4).shape == (2, 4)
    with pytest.raises(ValueError, match="num_classes"):
        keras.utils.to_categorical([5], num_classes=3)
    with pytest.raises(ValueError, match="integer"):
        keras.utils.set_random_seed(1.5)
    keras.utils.set_random_seed(3)
    a = np.random.random()
    keras.utils.set_random_seed(3)
    assert np.random.random() == a  # NumPy is seeded too (tutorials sample with np.random after it)
    # NumPy's range, as Keras checks it: beyond it a seed was wrapped and drew as another did.
    for seed in (-1, 2**32, 2**64):
        with pytest.raises(ValueError, match=r"Seed must be between 0 and 2\*\*32 - 1. Received: seed="):
            keras.utils.set_random_seed(seed)
    keras.utils.set_random_seed(2**32 - 1)
    keras.utils.set_random_seed(np.int64(5))


def test_fit_warns_once_when_nothing_trains():
    # Keras 3.15.1 warns at its first train step after compile(); the warning points at the call.
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dropout(0.5)(inputs))
    model.compile("sgd", "mse")
    x = np.ones((8, 3), np.float32)
    with pytest.warns(UserWarning, match="The model does not have any trainable weights.") as caught:
        model.fit(x, x, verbose=0)
    assert [w.filename for w in caught] == [__file__]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(x, x, verbose=0)
        model.train_on_batch(x, x)
        trained = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
        trained.compile("sgd", "mse")
        trained.fit(x, x, verbose=0)
    trained.layers[0].trainable = False
    with pytest.warns(UserWarning, match="trainable` state has changed") as caught:
        trained.fit(x, x, verbose=0)
    assert [w.filename for w in caught] == [__file__]
