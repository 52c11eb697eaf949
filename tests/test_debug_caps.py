"""keras.config.set_max_epochs / set_max_steps_per_epoch (keras/src/backend/config.py): caps on
fit's epochs and on the steps of fit, evaluate and predict, for quick debugging runs, with
Keras's warnings; the KERAS_MAX_EPOCHS / KERAS_MAX_STEPS_PER_EPOCH variables set them too."""

import subprocess
import sys

import numpy as np
import pytest

import densekit as keras


@pytest.fixture
def model():
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    m.compile("sgd", "mse")
    return m


@pytest.fixture
def caps():
    yield keras.config
    keras.config.set_max_epochs(None)
    keras.config.set_max_steps_per_epoch(None)


def test_max_epochs_caps_fit(model, caps):
    x, y = np.ones((64, 3), np.float32), np.ones((64, 1), np.float32)
    caps.set_max_epochs(2)
    assert caps.max_epochs() == 2
    with pytest.warns(UserWarning, match="Limiting epochs to 2"):
        history = model.fit(x, y, epochs=10, verbose=0)
    assert len(history.history["loss"]) == 2
    assert len(model.fit(x, y, epochs=1, verbose=0).history["loss"]) == 1  # below the cap: as asked
    caps.set_max_epochs(None)
    assert len(model.fit(x, y, epochs=3, verbose=0).history["loss"]) == 3


def test_max_steps_caps_fit_evaluate_and_predict(model, caps):
    x, y = np.ones((64, 3), np.float32), np.ones((64, 1), np.float32)
    caps.set_max_steps_per_epoch(2)
    with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 2"):
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert int(model.optimizer.iterations) == 2
    with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 2"):
        assert len(model.predict(x, batch_size=8, verbose=0)) == 16  # the first two batches
    with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 2"):
        model.evaluate(x, y, batch_size=8, verbose=0)
    caps.set_max_steps_per_epoch(None)
    assert len(model.predict(x, batch_size=8, verbose=0)) == 64


def test_bad_caps_are_refused_and_the_environment_sets_them(caps):
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="non-negative integer or None"):
            caps.set_max_epochs(bad)
    caps.set_max_epochs(0)  # no cap, as Keras reads 0
    assert caps.max_epochs() is None
    code = "import densekit as keras; print(keras.config.max_epochs(), keras.config.max_steps_per_epoch())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"KERAS_MAX_EPOCHS": "3", "KERAS_MAX_STEPS_PER_EPOCH": "5", "PATH": ""})
    assert out.stdout.split() == ["3", "5"]
