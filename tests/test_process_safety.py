"""What multiprocessing users meet: a process forked after training, or while other threads
predict, does not hang; threads are controllable; and memory stays flat over many predictions and many model lifetimes."""

import gc
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time

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


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")  # Python >= 3.12
def test_forks_while_other_threads_predict_never_leave_a_lock_held():
    """fork() copies only the calling thread: a lock another thread held at that instant (the
    model's workspace pool, the weight-binding lock, the seed generator) would stay locked in the
    child for ever. Each child here predicts on the very model the parent's threads are using."""
    model, x = small_fit(0)
    stop = threading.Event()

    def predict_until_stopped():
        while not stop.is_set():
            model.predict(x[:8], verbose=0)

    threads = [threading.Thread(target=predict_until_stopped) for _ in range(2)]
    for t in threads:
        t.start()
    hung = failed = 0
    try:
        for _ in range(30):
            pid = os.fork()
            if pid == 0:  # the child: predict, draw a seed, name a layer, and leave at once
                code = 1
                try:
                    keras.utils.set_random_seed(1)
                    keras.layers.Dense(2)
                    code = 0 if np.isfinite(model.predict(x[:2], verbose=0)).all() else 1
                finally:
                    os._exit(code)
            deadline = time.monotonic() + 30
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    failed += os.waitstatus_to_exitcode(status) != 0
                    break
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    hung += 1
                    break
                time.sleep(0.005)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert hung == 0 and failed == 0, f"{hung} forked children hung, {failed} failed"


def test_thread_count_setting():
    before = keras.config.get_num_threads()
    try:
        keras.config.set_num_threads(1)
        assert keras.config.get_num_threads() == 1
        with pytest.raises(ValueError, match="positive integer"):
            keras.config.set_num_threads(0)
    finally:
        keras.config.set_num_threads(before)


def test_thread_count_is_capped_and_extra_threads_rest_when_it_drops():
    before = keras.config.get_num_threads()
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(4096, 64)).astype(np.float32), rng.integers(0, 10, 4096)

    def epoch_seconds_and_weights():
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(128, activation="relu"),
                                  keras.layers.Dense(10, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            model.fit(x, y, batch_size=32, epochs=1, verbose=0)
            best = min(best, time.perf_counter() - start)
        return best, model.get_weights()

    try:
        keras.config.set_num_threads(100000)  # an OS thread each: a mistake, not a machine
        assert keras.config.get_num_threads() == 256
        keras.config.set_num_threads(2)
        alone, weights = epoch_seconds_and_weights()
        keras.config.set_num_threads(64)
        epoch_seconds_and_weights()
        keras.config.set_num_threads(2)
        after, weights_after = epoch_seconds_and_weights()
        # The 62 helpers beyond 2 park: awake, they polled for every job and ran 2 threads 6x slower.
        assert after < 3 * alone, f"2 threads after 64: {after:.3f} s an epoch, {alone:.3f} s before"
        assert all(np.array_equal(a, b) for a, b in zip(weights, weights_after))
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


EXIT_WHILE_RUNNING = """
import sys, threading, time
import numpy as np
import densekit as keras
mode = sys.argv[1]
x = np.random.rand(4000, 32).astype("float32")
y = np.random.rand(4000, 1).astype("float32")
model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
model.compile("adam", "mse")

class EveryBatch(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

def batches():
    while True:
        yield x[:64], y[:64]

def run():
    if mode == "generator":  # a feeder thread pushes batches (GIL released and taken back often)
        model.fit(batches(), steps_per_epoch=50, epochs=10**6, verbose=0)
    elif mode == "callback":  # C++ takes the GIL for the callback at every batch
        model.fit(x, y, epochs=10**6, verbose=0, callbacks=[EveryBatch()])
    elif mode == "predict_callback":  # the binding holds the output arrays it made across the C++ call
        while True:
            model.predict(x, verbose=0, callbacks=[EveryBatch()])
    else:
        while True:
            model.predict(x, verbose=0)

threading.Thread(target=run, daemon=True).start()
time.sleep(0.4)
print("exiting", flush=True)
"""


@pytest.mark.parametrize("mode, runs", [("generator", 4), ("callback", 1), ("predict", 1), ("predict_callback", 5)])
def test_the_interpreter_exits_cleanly_while_a_daemon_thread_runs_densekit(mode, runs):
    """Python ends daemon threads at exit with pthread_exit: one taking the GIL back from C++ then
    unwound through pybind11's GIL guards, which may not throw, and the process aborted
    ("terminate called without an active exception"; a generator's fit in 1 run of 4). The
    bindings' guards (cpp/bindings/common.hpp) let that unwinding through. Unwinding without the
    GIL then freed the output arrays predict's binding made, racing the finalizing garbage
    collector (a segfault in 6 runs of 20 with a predict callback): KeptAcrossRelease."""
    for _ in range(runs):
        result = subprocess.run([sys.executable, "-c", EXIT_WHILE_RUNNING, mode], capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        assert result.stdout.strip() == "exiting"
