"""Ctrl-C (SIGINT) during fit / evaluate / predict: the C++ loop notices it between batches
without calling Python, leaves the weights of whole batches, keeps model.history, restores the
previous handler and raises KeyboardInterrupt."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import traceback

import numpy as np
import pytest

import densekit as keras
from densekit import layers

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="POSIX signals")


def data(n=256, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype("float32")
    return x, (x @ rng.normal(size=(8, 1))).astype("float32")


def build(seed):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((8,)), layers.Dense(16, activation="relu"), layers.Dropout(0.1),
                              layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def sigint_after(seconds):
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_sigint_mid_fit_keeps_whole_batches_history_and_raises():
    x, y = data()
    model = build(11)
    timer = sigint_after(0.15)
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, batch_size=32, epochs=10 ** 7, verbose=0)
    elapsed = time.perf_counter() - start
    timer.join()
    assert elapsed < 5
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    history = model.history
    epochs_done = len(history.epoch)
    assert epochs_done >= 1 and history.epoch == list(range(epochs_done))
    assert len(history.history["loss"]) == epochs_done
    assert np.all(np.isfinite(history.history["loss"]))
    weights = model.get_weights()
    assert all(np.all(np.isfinite(w)) for w in weights)
    assert np.all(np.isfinite(model.predict(x, verbose=0)))
    steps = 8
    done = model.optimizer.iterations
    assert epochs_done * steps <= done <= (epochs_done + 1) * steps

    # The same model trained for exactly `done` whole batches has bitwise the same weights.
    replay = build(11)
    partial = done - epochs_done * steps

    class StopAfter(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if self.model.history is not None and len(self.model.history.epoch) == epochs_done and batch == partial - 1:
                self.model.stop_training = True

    replay.fit(x, y, batch_size=32, epochs=epochs_done + (1 if partial else 0), verbose=0,
               callbacks=[StopAfter()] if partial else [])
    assert replay.optimizer.iterations == done
    for a, b in zip(replay.get_weights(), weights):
        np.testing.assert_array_equal(a, b)
    # and training simply continues afterwards
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert model.optimizer.iterations == done + steps


def test_sigint_during_evaluate_and_predict():
    x, y = data(20000)
    model = build(3)
    for call in (lambda: [model.evaluate(x, y, batch_size=1, verbose=0) for _ in range(1000)],
                 lambda: [model.predict(x, batch_size=1, verbose=0) for _ in range(1000)]):
        timer = sigint_after(0.1)
        start = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            call()
        timer.join()
        assert time.perf_counter() - start < 5
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("method", ["fit", "evaluate"])
def test_a_sigint_after_the_loops_last_check_is_not_lost(method):
    """A SIGINT that arrives while densekit's handler is installed but after the loop's last
    check (here: in the callbacks' end hook) is delivered to Python when the call returns."""
    x, y = data()
    model = build(5)

    class Late(keras.callbacks.Callback):
        def on_train_end(self, logs=None):
            os.kill(os.getpid(), signal.SIGINT)

        on_test_end = on_train_end

    with pytest.raises(KeyboardInterrupt):
        if method == "fit":
            model.fit(x, y, epochs=1, verbose=0, callbacks=[Late()])
        else:
            model.evaluate(x, y, verbose=0, callbacks=[Late()])
        for _ in range(100):  # Python raises it at its next chance, well before this ends
            time.sleep(0.01)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_after_fit_sigint_is_python_s_again():
    x, y = data()
    model = build(4)
    model.fit(x, y, epochs=1, verbose=0)
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(100):
            time.sleep(0.01)


def test_a_second_sigint_goes_to_python_s_handler():
    x, y = data()
    model = build(5)

    class TwoPresses(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                os.kill(os.getpid(), signal.SIGINT)  # sets the loop's flag
                os.kill(os.getpid(), signal.SIGINT)  # chained to Python: raised right here
                for _ in range(100):
                    time.sleep(0.01)

    with pytest.raises(KeyboardInterrupt) as info:
        model.fit(x, y, batch_size=32, epochs=3, verbose=0, callbacks=[TwoPresses()])
    assert "on_train_batch_end" in [frame.name for frame in traceback.extract_tb(info.tb)]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    class OnePress(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt) as info:
        model.fit(x, y, batch_size=32, epochs=3, verbose=0, callbacks=[OnePress()])
    assert "on_train_batch_end" not in [frame.name for frame in traceback.extract_tb(info.tb)]
    assert model.optimizer.iterations == 2 + 2  # stopped before batch 2 of the second fit


def test_a_user_handler_or_ignored_sigint_is_left_alone():
    x, y = data()
    model = build(6)
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        history = model.fit(x, y, batch_size=32, epochs=2, verbose=0, callbacks=[keras.callbacks.LambdaCallback(
            on_epoch_begin=lambda epoch, logs: os.kill(os.getpid(), signal.SIGINT))])
        assert history.epoch == [0, 1] and received == [signal.SIGINT, signal.SIGINT]
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        history = model.fit(x, y, batch_size=32, epochs=2, verbose=0, callbacks=[keras.callbacks.LambdaCallback(
            on_epoch_begin=lambda epoch, logs: os.kill(os.getpid(), signal.SIGINT))])
        assert history.epoch == [0, 1]
    finally:
        signal.signal(signal.SIGINT, previous)


def test_fit_in_a_worker_thread_leaves_sigint_to_the_main_thread():
    x, y = data()
    model = build(7)
    result = {}

    def work():
        result["history"] = model.fit(x, y, batch_size=32, epochs=300, verbose=0)

    thread = threading.Thread(target=work)
    thread.start()
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        while thread.is_alive():
            thread.join(0.01)
    thread.join()
    assert result["history"].epoch == list(range(300))


SCRIPT = textwrap.dedent("""
    import sys, numpy as np, densekit as keras
    from densekit import layers
    backup, started = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 8)).astype("float32")
    y = (x @ rng.normal(size=(8, 1))).astype("float32")
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((8,)), layers.Dense(32, activation="relu"), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")

    class Started(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                open(started, "w").close()

    epochs = int(sys.argv[3])
    history = model.fit(x, y, batch_size=16, epochs=epochs, verbose=0,
                        callbacks=[keras.callbacks.BackupAndRestore(backup), Started()])
    print("epochs", history.epoch[0], history.epoch[-1], len(history.epoch))
""")


def test_ctrl_c_in_a_subprocess_then_backup_and_restore_resumes(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    backup, started = tmp_path / "backup", tmp_path / "started"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    child = subprocess.Popen([sys.executable, str(script), str(backup), str(started), str(10 ** 6)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 60
    while not started.exists() and time.time() < deadline and child.poll() is None:
        time.sleep(0.02)
    assert started.exists(), child.communicate()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode != 0 and "KeyboardInterrupt" in err, err
    assert "Traceback" in err and "epochs" not in out
    assert sorted(os.listdir(backup)) == ["latest.weights.h5", "training_metadata.json"]
    import json
    resume_at = json.loads((backup / "training_metadata.json").read_text())["epoch"]
    assert resume_at >= 3
    finished = subprocess.run([sys.executable, str(script), str(backup), str(started), str(resume_at + 2)],
                              capture_output=True, text=True, env=env, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.split() == ["epochs", str(resume_at), str(resume_at + 1), "2"]
    assert not backup.exists()  # a completed fit deletes its backup
