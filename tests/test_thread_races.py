"""Races a helper's concurrency hunt found, each run in a child process (a crash or a hang fails
the test instead of ending the run): the learning rate replaced while another thread trains,
a save and a config read beside a fit whose learning rate is a Python function, a child forked
while a thread trains, and a refused compile() beside a running fit."""

import subprocess
import sys

import pytest

PRELUDE = """
import os, signal, sys, threading, time, warnings
import numpy as np
import densekit as keras
warnings.simplefilter("ignore", DeprecationWarning)
rng = np.random.default_rng(0)
x = rng.normal(size=(2048, 16)).astype("float32")
y = rng.normal(size=(2048, 1)).astype("float32")
model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
"""


def run(script, timeout=120):
    result = subprocess.run([sys.executable, "-c", PRELUDE + script], capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout[-1500:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.mark.parametrize("kind", ["callable", "schedule"])
def test_the_learning_rate_replaced_while_another_thread_trains(kind):
    """The step called the old function while the assignment freed it (a segfault in 6 runs of
    10): the optimizer now swaps it under a lock, and the binding frees it with the GIL."""
    out = run(f"""
kind = {kind!r}
schedule = lambda: keras.optimizers.schedules.PiecewiseConstantDecay(list(range(1, 50)), [0.001] * 50)
optimizer = keras.optimizers.SGD(learning_rate=(lambda: 0.001) if kind == "callable" else schedule())
model.compile(optimizer, "mse")
stop, fits = threading.Event(), []
def train():
    while not stop.is_set():
        model.fit(x, y, epochs=1, batch_size=8, verbose=0)
        fits.append(1)
thread = threading.Thread(target=train)
thread.start()
# Swap until fits have run meanwhile (on a busy machine one fit could end before the first swap).
swaps, start = 0, time.monotonic()
while len(fits) < 3 or time.monotonic() - start < 0.5:
    optimizer.learning_rate = (lambda: 0.001) if kind == "callable" or swaps % 2 else schedule()
    swaps += 1
stop.set()
thread.join()
print("swaps", swaps > 0 and len(fits) >= 3, all(np.isfinite(w).all() for w in model.get_weights()))
""")
    assert out.strip() == "swaps True True"


def test_save_and_config_beside_a_fit_whose_learning_rate_is_a_python_function():
    """A save held the compile state while it waited for the step; the step waited for the GIL
    (its learning rate is a Python function); to_json held the GIL while it waited for the
    compile state: every run hung. Reading the config and compiling now wait without the GIL."""
    out = run("""
import tempfile
model.compile(keras.optimizers.Adam(learning_rate=lambda: 0.001), "mse")
stop = threading.Event()
folder = tempfile.TemporaryDirectory()
def train():
    while not stop.is_set():
        model.fit(x, y, epochs=1, batch_size=32, verbose=0)
def save():
    while not stop.is_set():
        model.save(os.path.join(folder.name, "race.dk"))
threads = [threading.Thread(target=train), threading.Thread(target=save)]
for t in threads:
    t.start()
end = time.monotonic() + 2.0
while time.monotonic() < end:
    model.to_json()
stop.set()
for t in threads:
    t.join()
folder.cleanup()
print("done")
""", timeout=60)
    assert out.strip() == "done"


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_a_child_forked_while_a_thread_trains_predicts_and_trains():
    """The parent's running step was counted in the weights' buffers the child copied, and no
    thread of the child ever ended it: the child waited for ever (10 forks of 15)."""
    out = run("""
model.compile("adam", "mse")
model.fit(x[:64], y[:64], verbose=0)
stop = threading.Event()
def train():
    while not stop.is_set():
        model.fit(x, y, epochs=1, batch_size=32, verbose=0)
thread = threading.Thread(target=train)
thread.start()
time.sleep(0.2)
codes = []
for i in range(6):
    pid = os.fork()
    if pid == 0:
        try:
            model.predict(x[:4], verbose=0)
            model.fit(x[:64], y[:64], epochs=1, verbose=0)
            os._exit(0)
        except BaseException:
            os._exit(2)
    deadline = time.monotonic() + 20
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            codes.append(os.waitstatus_to_exitcode(status))
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            codes.append("hung")
            break
        time.sleep(0.01)
stop.set()
thread.join()
print(codes)
""", timeout=200)
    assert out.strip() == str([0] * 6)


def test_a_refused_compile_never_hides_the_models_attributes_from_other_threads():
    """compile() put back its state with __dict__.clear() then update(): a predict on another
    thread in between found no _graph (AttributeError, thousands of times in a run)."""
    out = run("""
model.compile("sgd", "mse")
done = threading.Event()
errors = []
def train():
    try:
        model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    finally:
        done.set()
def predict():
    while not done.is_set():
        try:
            model.predict(x[:8], verbose=0)
        except AttributeError as e:
            errors.append(str(e))
        except Exception:
            pass
threads = [threading.Thread(target=train), threading.Thread(target=predict)]
for t in threads:
    t.start()
sys.setswitchinterval(1e-6)
while not done.is_set():
    try:
        model.compile("adam", "mse")
    except Exception:
        pass
for t in threads:
    t.join()
print(len(errors))
""")
    assert out.strip() == "0"


def test_a_save_beside_swapping_the_ema_weights_is_always_loadable():
    """The EMA swap wrote the weights without the lock saves hold, between the save's checksum
    pass and its copy pass: 12 saves of 12 were refused on load ("checksum does not match")."""
    out = run("""
model.compile(keras.optimizers.Adam(use_ema=True), "mse")
model.fit(x[:64], y[:64], epochs=1, verbose=0)
from densekit import _core
saved, stop = [], threading.Event()
def save():
    while not stop.is_set():
        saved.append(_core.save_model_to_bytes(model._core))
thread = threading.Thread(target=save)
thread.start()
for _ in range(200):
    model._core.swap_ema(model.optimizer._core)
stop.set()
thread.join()
for data in saved:
    _core.load_model_from_bytes(data, True)
print("loaded", len(saved) > 0)
""")
    assert out.strip() == "loaded True"


def test_an_optimizer_another_model_built_is_not_saved_nor_averaged_into_this_one():
    """One optimizer compiled into two models, built by the smaller: saving the larger read its
    slots past their end (a segfault, in every format), and its EMA calls would write past them."""
    out = run("""
import tempfile
optimizer = keras.optimizers.Adam(use_ema=True)
small = keras.Sequential([keras.Input((16,)), keras.layers.Dense(1)])
small.compile(optimizer, "mse")
model.compile(optimizer, "mse")
small.fit(x[:32], y[:32], epochs=1, verbose=0)
folder = tempfile.mkdtemp()
for name in ("m.dk", "m.keras"):
    model.save(os.path.join(folder, name))
    loaded = keras.models.load_model(os.path.join(folder, name))
    assert int(loaded.optimizer.iterations) == 0, name  # no state of the other model's
model.save_weights(os.path.join(folder, "m.weights.h5"))
for call in (lambda: model._core.swap_ema(optimizer._core), lambda: optimizer.finalize_variable_values(model)):
    try:
        call()
    except ValueError as error:
        assert "built for another model's weights" in str(error)
print("saved and refused")
""")
    assert out.strip() == "saved and refused"
