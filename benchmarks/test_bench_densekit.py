"""pytest-benchmark suite of densekit's own workloads (issues 6 and 16), so regressions show.

Not part of the default test run (pyproject's testpaths is ["tests"], and its addopts
disable benchmarking). Run it with:

    python -m pytest benchmarks --benchmark-enable
    python -m pytest benchmarks --benchmark-enable --benchmark-autosave      # keep a baseline
    python -m pytest benchmarks --benchmark-enable --benchmark-compare       # compare with it

W1 uses 6,000 rows (a tenth of the full 60,000) and W5 2,048 rows (a tenth of 20,000) to keep
the suite short; the side-by-side comparison with the other libraries is benchmarks/compare.py.
Threads: DENSEKIT_BENCH_THREADS (default 2).
"""

import contextlib
import io
import os

import numpy as np
import pytest

import workloads as wl

keras = pytest.importorskip("densekit")

W1_ROWS = 6000
W5_ROWS = 2048
THREADS = int(os.environ.get("DENSEKIT_BENCH_THREADS", "2"))


@pytest.fixture(scope="module", autouse=True)
def threads():
    before = keras.config.get_num_threads()
    keras.config.set_num_threads(THREADS)
    yield
    keras.config.set_num_threads(before)


@pytest.fixture(scope="module")
def w1_data():
    return wl.mnist_shaped(W1_ROWS)


@pytest.fixture(scope="module")
def w1_model(w1_data):
    x, y = w1_data
    model = wl.build_keras_model(keras, wl.W1)
    model.fit(x, y, batch_size=256, epochs=1, verbose=0)
    return model


@pytest.mark.parametrize("batch_size", [32, 256])
def test_w1_epoch(benchmark, w1_data, batch_size):
    """One steady-state W1 epoch (the model is warmed by a first epoch)."""
    x, y = w1_data
    model = wl.build_keras_model(keras, wl.W1)
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
    history = benchmark.pedantic(model.fit, args=(x, y), kwargs={"batch_size": batch_size, "epochs": 1, "verbose": 0},
                                 rounds=5, iterations=1)
    assert np.isfinite(history.history["loss"][-1])


# Every update rule densekit has, with Keras's defaults (and the momentum variants): each should
# cost about what Adam does. RMSprop without momentum once ran 2.7x slower than with it, its
# update loop left scalar.
OPTIMIZERS = {"sgd": "sgd", "sgd_momentum": lambda: keras.optimizers.SGD(momentum=0.9),
              "rmsprop": "rmsprop", "rmsprop_centered_momentum": lambda: keras.optimizers.RMSprop(momentum=0.9, centered=True),
              "adam": "adam", "adam_amsgrad": lambda: keras.optimizers.Adam(amsgrad=True), "adamw": "adamw",
              "adamax": "adamax", "nadam": "nadam", "adagrad": "adagrad", "adadelta": "adadelta"}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_w1_epoch_each_optimizer(benchmark, w1_data, name):
    """One steady-state W1 epoch at batch 32 with each optimizer."""
    x, y = w1_data
    optimizer = OPTIMIZERS[name]
    model = wl.build_keras_model(keras, wl.W1, optimizer=optimizer() if callable(optimizer) else optimizer)
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    history = benchmark.pedantic(model.fit, args=(x, y), kwargs={"batch_size": 32, "epochs": 1, "verbose": 0},
                                 rounds=5, iterations=1)
    assert np.isfinite(history.history["loss"][-1])


def _fresh_fit(benchmark, spec, x, y, batch_size, epochs, rounds):
    """Whole fit of a freshly built and compiled model (the build is excluded from the timing)."""
    history = benchmark.pedantic(
        lambda model: model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0),
        setup=lambda: ((wl.build_keras_model(keras, spec),), {}), rounds=rounds, iterations=1)
    assert len(history.history["loss"]) == epochs


def test_w2_fit(benchmark):
    x, y = wl.breast_cancer_scaled()
    _fresh_fit(benchmark, wl.W2, x, y, batch_size=64, epochs=100, rounds=20)


def test_w3_fit(benchmark):
    x, y = wl.regression()
    _fresh_fit(benchmark, wl.W3, x, y, batch_size=32, epochs=20, rounds=10)


def test_w5_epoch(benchmark):
    """One steady-state epoch of the wide network (warmed by a first epoch)."""
    x, y = wl.wide_inputs(W5_ROWS)
    model = wl.build_keras_model(keras, wl.W5)
    model.fit(x, y, batch_size=256, epochs=1, verbose=0)
    history = benchmark.pedantic(model.fit, args=(x, y), kwargs={"batch_size": 256, "epochs": 1, "verbose": 0},
                                 rounds=3, iterations=1)
    assert np.isfinite(history.history["loss"][-1])


def test_w6_tutorial_fit(benchmark):
    """The breast-cancer tutorial's whole fit: accuracy, validation_split=0.2, verbose=2 (printed
    to a buffer), 50 epochs of batch 32, on a freshly built and compiled model."""
    x, y = wl.breast_cancer_scaled()
    printed = io.StringIO()

    def fit(model):
        with contextlib.redirect_stdout(printed):
            return model.fit(x, y, batch_size=32, epochs=50, verbose=2, validation_split=wl.W6_VALIDATION_SPLIT)

    history = benchmark.pedantic(fit, setup=lambda: ((wl.build_keras_model(keras, wl.W6, metrics=wl.W6_METRICS),), {}),
                                 rounds=10, iterations=1)
    assert len(history.history["val_accuracy"]) == 50
    assert printed.getvalue().count("val_loss") == 50 * 10  # every round printed every epoch


def test_w4_predict_one_row(benchmark, w1_model):
    row = wl.single_row()
    out = benchmark(w1_model.predict, row, verbose=0)
    assert out.shape == (1, 10)


def test_w4_call_one_row(benchmark, w1_model):
    row = wl.single_row()
    out = benchmark(w1_model, row)
    assert np.asarray(out).shape == (1, 10)


def test_w4_predict_10k_rows(benchmark, w1_model):
    rows = wl.predict_rows(10000)
    out = benchmark.pedantic(w1_model.predict, args=(rows,), kwargs={"verbose": 0}, rounds=10, iterations=1)
    assert out.shape == (10000, 10)
