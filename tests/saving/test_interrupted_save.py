"""Atomic saves: a process killed in the middle of writing a large model never leaves a
truncated file in place of a good one, and failed writes raise OSError without touching the
file that was there."""

import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import densekit as keras
from densekit import layers

# Input(2000) -> Dense(2200) -> Dense(10): 4.4 million weights; with Adam's two slots the file
# is about 53 MB, so a save takes long enough to be killed in the middle of it.
CHILD = textwrap.dedent("""
    import sys
    import numpy as np
    import densekit as keras
    from densekit import layers

    path = sys.argv[1]
    keras.utils.set_random_seed(11)
    model = keras.Sequential([keras.Input((2000,)), layers.Dense(2200, activation="relu"), layers.Dense(10)])
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(11)
    model.train_on_batch(rng.normal(size=(8, 2000)).astype("float32"), rng.normal(size=(8, 10)).astype("float32"))
    while True:
        model.save(path)
""")

LEFTOVER = re.compile(r"^model\.dk\.tmp-(\d+)-\d+$")


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.002)


def check_large_file(path):
    model = keras.models.load_model(path)  # checks offsets, checksum and probe
    assert [w.shape for w in model.get_weights()] == [(2000, 2200), (2200,), (2200, 10), (10,)]
    assert model.optimizer.iterations == 1
    return model


def test_killed_mid_save_leaves_a_loadable_file(tmp_path):
    path = tmp_path / "model.dk"
    rng = random.Random(5)
    leftovers = []
    for attempt in range(3):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stderr=subprocess.PIPE)
        try:
            if attempt == 0:
                wait_for(lambda: path.exists() or child.poll() is not None, 60, "the first save")
            else:
                # The file exists from the previous attempt: wait until this child writes its own
                # temporary file, so the kill lands in one of its saves.
                wait_for(lambda: any(LEFTOVER.match(n) and int(LEFTOVER.match(n)[1]) == child.pid
                                     for n in os.listdir(tmp_path)) or child.poll() is not None, 60,
                         "the child's first save")
            assert child.poll() is None, child.stderr.read().decode()
            # A random moment within the next saves (each takes tens to hundreds of milliseconds).
            wait_for(lambda: any(LEFTOVER.match(n) for n in os.listdir(tmp_path)), 30, "a save in progress")
            time.sleep(0.0 if attempt == 0 else rng.uniform(0.0, 0.3))  # a save takes ~0.3 s here
            os.kill(child.pid, signal.SIGKILL)
            child.wait(10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            child.stderr.close()
        assert child.returncode == -signal.SIGKILL

        names = sorted(os.listdir(tmp_path))
        assert "model.dk" in names
        stray = [n for n in names if n != "model.dk"]
        assert all(LEFTOVER.match(n) for n in stray), f"unexpected files after the kill: {stray}"
        leftovers += [n for n in stray if n not in leftovers]
        check_large_file(path)
    # The first kill lands as soon as a temporary file appears, so it interrupts a write: that
    # write's temporary file (model.dk.tmp-<pid>-<n>) stays behind; the model file is intact.
    assert leftovers
    assert all(int(LEFTOVER.match(n)[1]) != os.getpid() for n in leftovers)


def small_model():
    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    return model


def test_saving_into_a_missing_directory_raises(tmp_path):
    model = small_model()
    with pytest.raises(OSError, match="Cannot write the model file"):
        model.save(tmp_path / "missing" / "model.dk")
    with pytest.raises(OSError, match="Cannot write the model file"):
        model.save_weights(tmp_path / "missing" / "w.dk")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_saving_into_a_read_only_directory_keeps_the_old_file(tmp_path):
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    model = small_model()
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "model.dk"
    model.save(path)
    before = path.read_bytes()
    model.fit(x, np.zeros((5, 2), "float32"), epochs=2, verbose=0)  # a different model to save
    folder.chmod(0o555)
    try:
        with pytest.raises(OSError, match="Cannot write the model file"):
            model.save(path)
        assert sorted(os.listdir(folder)) == ["model.dk"]
    finally:
        folder.chmod(0o755)
    assert path.read_bytes() == before
    loaded = keras.models.load_model(path)
    assert loaded.optimizer.iterations == 0
