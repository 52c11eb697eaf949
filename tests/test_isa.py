"""The instruction-set variants of the C++ core: each one the CPU runs gives the results of the
baseline within float32 tolerance, and DENSEKIT_ISA picks one."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import densekit
from densekit import _cpu, _isa

SMOKE = """
import json, numpy as np, densekit as keras
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.normal(size=(256, 20)).astype("float32"); y = rng.integers(0, 4, 256)
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(64, activation="relu"),
                          keras.layers.Dense(48, activation="tanh"), keras.layers.Dense(4, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, batch_size=32, epochs=3, verbose=0)
print(json.dumps({"isa": keras._core.ISA, "loss": history.history["loss"],
                  "predictions": model.predict(x[:8], verbose=0).tolist()}))
"""


def run_with(isa):
    env = dict(os.environ, DENSEKIT_ISA=isa) if isa else {k: v for k, v in os.environ.items() if k != "DENSEKIT_ISA"}
    out = subprocess.run([sys.executable, "-c", SMOKE], env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


RUNNABLE = [tag for tag in _isa.BUILT if _cpu.supports(tag)]


def test_the_best_runnable_variant_is_loaded():
    assert densekit._core.ISA == RUNNABLE[-1]
    assert run_with(None)["isa"] == RUNNABLE[-1]


@pytest.mark.parametrize("isa", RUNNABLE)
def test_every_variant_trains_like_the_others(isa):
    reference = run_with(RUNNABLE[0])
    result = run_with(isa)
    assert result["isa"] == isa
    np.testing.assert_allclose(result["loss"], reference["loss"], rtol=1e-4)
    np.testing.assert_allclose(result["predictions"], reference["predictions"], rtol=1e-4, atol=1e-5)


def test_an_unknown_or_unbuilt_variant_is_refused():
    env = dict(os.environ, DENSEKIT_ISA="sparc64")
    result = subprocess.run([sys.executable, "-c", "import densekit"], env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "DENSEKIT_ISA='sparc64' is not a variant" in result.stderr
