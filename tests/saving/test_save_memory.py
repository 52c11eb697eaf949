"""Saving holds the file once in memory, not three times: the native writer reads the weights and
optimizer slots where they lie when it puts the file together (cpp/src/io.cpp, encode). Measured
in a child process, by its peak resident memory over the save (Linux's /proc)."""

import os
import subprocess
import sys

import pytest

pytestmark = [
    pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux's /proc peak reset"),
    # The sanitizer job preloads ASan, whose quarantine keeps freed memory and whose shadow memory
    # grows with every allocation: peaks there say nothing about densekit's.
    pytest.mark.skipif("libasan" in os.environ.get("LD_PRELOAD", ""), reason="peak memory is ASan's under ASan"),
]

CHILD = r"""
import gc, os, sys
import numpy as np
import densekit as keras

def status(key):
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith(key))

model = keras.Sequential([keras.Input((4,), dtype="int32"), keras.layers.Embedding(250_000, 64),
                          keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)])
model.compile("adam", "mse")
model.train_on_batch(np.zeros((2, 4), "int32"), np.zeros((2, 1), "float32"))
gc.collect()
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak starts again from the current resident size
before = status("VmRSS")
model.save(sys.argv[1])
print(status("VmHWM") - before, os.path.getsize(sys.argv[1]))
"""


def test_a_save_needs_about_the_files_size_in_memory(tmp_path):
    run = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "m.dk")], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    extra, size = map(int, run.stdout.split())
    assert size > 150 * 2**20  # 16M parameters and Adam's two slots
    assert extra < 1.4 * size, (extra / 2**20, size / 2**20)  # it was 3x


LOAD_CHILD = r"""
import gc, os, sys
import numpy as np
import densekit as keras

def status(key):
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith(key))

def extra_peak(call):
    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = status("VmRSS")
    result = call()
    return status("VmHWM") - before, result

model = keras.Sequential([keras.Input((4,), dtype="int32"), keras.layers.Embedding(250_000, 64),
                          keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)])
model.compile("adam", "mse")
model.train_on_batch(np.zeros((2, 4), "int32"), np.zeros((2, 1), "float32"))
weights, archive = sys.argv[1] + ".weights.h5", sys.argv[1] + ".keras"
save_weights, _ = extra_peak(lambda: model.save_weights(weights))
save_archive, _ = extra_peak(lambda: model.save(archive))
into_weights, _ = extra_peak(lambda: model.load_weights(weights))
from_archive, _ = extra_peak(lambda: model.load_weights(archive))  # (its weights copied out of the zip to disk)
into_model, loaded = extra_peak(lambda: keras.models.load_model(archive))
print(save_weights, save_archive, max(into_weights, from_archive), into_model, os.path.getsize(weights),
      os.path.getsize(archive))
"""


def test_saving_and_loading_keras_files_hold_their_values_once(tmp_path):
    # Saving: the HDF5 file is written to disk from the C++ writer's bytes (saving/keras_writer.py),
    # where the bytes, their copy and the HDF5 file in memory took 2x the file. Loading: the
    # file's values are read one tensor at a time into a native file the C++ loader reads
    # (saving/native_bytes.py, write_file): load_weights took 3.3x the file, load_model 4.7x.
    pytest.importorskip("h5py", reason="Keras files need h5py (pip install 'densekit[keras]')")
    run = subprocess.run([sys.executable, "-c", LOAD_CHILD, str(tmp_path / "m")], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    save_weights, save_archive, into_weights, into_model, weights_size, archive_size = map(int, run.stdout.split())
    assert weights_size > 150 * 2**20 and archive_size > 150 * 2**20
    assert save_weights < 1.4 * weights_size and save_archive < 1.4 * archive_size, (save_weights, save_archive)
    # load_weights: the loader's read of the native file (the model's weights are already there)
    assert into_weights < 1.6 * weights_size, (into_weights / 2**20, weights_size / 2**20)
    # load_model: that read, and the new model with its slots and gradients
    assert into_model < 3.0 * archive_size, (into_model / 2**20, archive_size / 2**20)
