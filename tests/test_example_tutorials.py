"""examples/: the seed tutorials' scripts run unchanged against small datasets in Keras's cache
format (no network), as a user would run them."""

import gzip
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _idx_gz(array):
    header = (0x0800 | array.ndim).to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def _fashion_like(rows, rng):
    """Ten classes of 28x28 uint8 images, each class a fixed pattern plus noise (learnable)."""
    patterns = np.random.default_rng(0).integers(0, 256, size=(10, 28, 28))
    labels = rng.integers(0, 10, size=rows).astype(np.uint8)
    images = np.clip(patterns[labels] * 0.6 + rng.normal(0, 40, size=(rows, 28, 28)), 0, 255).astype(np.uint8)
    return images, labels


def test_fashion_mnist_tutorial_runs_unchanged(tmp_path):
    pytest.importorskip("matplotlib", reason='plot_model draws PNG with matplotlib: pip install "densekit[plot]"')
    cache = tmp_path / "keras" / "datasets" / "fashion-mnist"
    cache.mkdir(parents=True)
    rng = np.random.default_rng(1)
    (x_train, y_train), (x_test, y_test) = _fashion_like(600, rng), _fashion_like(100, rng)
    for name, array in (("train-labels-idx1-ubyte.gz", y_train), ("train-images-idx3-ubyte.gz", x_train),
                        ("t10k-labels-idx1-ubyte.gz", y_test), ("t10k-images-idx3-ubyte.gz", x_test)):
        (cache / name).write_bytes(_idx_gz(array))
    env = dict(os.environ, KERAS_HOME=str(tmp_path / "keras"), HOME=str(tmp_path), MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "fashion_mnist_tutorial.py")], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "Training data inputs (600, 28, 28)" in out and "Testing labels (100,)" in out
    assert "This type of image is: " in out and "Epoch 10/10" in out
    accuracy = float(out.split("Classification Accuracy: ")[1].split()[0])
    assert accuracy > 0.9
    assert "(100, 10)" in out and str(y_test[:5]).replace(" ", "") in out.replace(" ", "")
    assert (tmp_path / "model.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
