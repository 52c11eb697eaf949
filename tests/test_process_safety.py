"""What multiprocessing users meet: a process forked after training does not hang, threads are
controllable, and memory stays flat over many predictions and many model lifetimes."""

import gc
import multiprocessing
import os

import numpy as np
import pytest

import densekit as keras


def small_fit(seed=0, rows=2000):
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 64)).astype("float32")
    y = rng.normal(size=(rows, 1)).astype("float32")
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(512, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, batch_size=256, epochs=1, verbose=0)  # big enough to run parallel regions
    return model, x


def _train_in_child(queue):
    model, x = small_fit(1)
    queue.put(float(model.predict(x[:1], verbose=0)[0, 0]))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_child_forked_after_training_trains_without_hanging():
    small_fit(0)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_train_in_child, args=(queue,))
    child.start()
    child.join(timeout=60)
    hung = child.is_alive()
    if hung:
        child.kill()
    assert not hung, "the forked child hung in its first parallel region"
    assert child.exitcode == 0 and np.isfinite(queue.get(timeout=5))


def test_thread_count_setting():
    before = keras.config.get_num_threads()
    try:
        keras.config.set_num_threads(1)
        assert keras.config.get_num_threads() == 1
        with pytest.raises(ValueError, match="positive integer"):
            keras.config.set_num_threads(0)
    finally:
        keras.config.set_num_threads(before)


def rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    pytest.skip("no /proc/self/status")


def test_rss_is_flat_over_many_predictions():
    model, x = small_fit(2)
    row = x[:1]
    for _ in range(1000):  # warm up every buffer and cache
        model.predict(row, verbose=0)
    before = rss_kib()
    for _ in range(10000):
        model.predict(row, verbose=0)
    assert rss_kib() - before <= 1024  # ±1 MiB


def test_rss_is_flat_over_many_model_lifetimes():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(256, 16)).astype("float32")
    y = rng.integers(0, 3, 256)

    def cycle():
        model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(32, activation="relu"),
                                  keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)
        model.predict(x, verbose=0)

    for _ in range(20):
        cycle()
    gc.collect()
    before = rss_kib()
    for _ in range(100):
        cycle()
    gc.collect()
    assert rss_kib() - before <= 1024
