"""Shapes whose size does not fit: refused with a ValueError before any allocation, never
multiplied into a wrapped-around small number (that once built a model which grew past 20 GB)."""

import json
import subprocess
import sys
import textwrap

import pytest

import densekit as keras
from densekit import layers


@pytest.mark.parametrize("shape", [(2**32, 2**32), (2**62 + 1, 4), (2**40,), (2**20, 2**20, 2**20)])
def test_input_shape_too_large(shape):
    with pytest.raises(ValueError, match="too large"):
        keras.Input(shape=shape)


def test_flatten_and_reshape_of_a_large_shape():
    x = keras.Input(shape=(2**18, 2**17))  # 2^35 values: the largest kind still accepted
    assert layers.Flatten()(x).shape == (None, 2**35)
    with pytest.raises(ValueError, match="too large"):
        layers.Reshape((2**35, 2**35))(x)


def test_dense_with_a_wrapping_weight_shape():
    x = keras.Input(shape=(2**33,))
    with pytest.raises(ValueError, match="too large|more than"):
        keras.Model(x, layers.Dense(2**33)(x))


@pytest.mark.parametrize("batch_shape", [[None, 2**62 + 1, 4], [None, 2**32, 2**32], [None, 2**63 - 1, 2]])
def test_config_whose_input_shape_wraps(batch_shape):
    """A config whose shape product wraps to 4 (or 0) in 64 bits is refused, in a child process."""
    config = keras.Sequential([keras.Input((4,)), layers.Flatten(), layers.Dense(2)]).to_json()
    entry = json.loads(config)
    entry["config"]["layers"][0]["config"]["batch_shape"] = batch_shape
    code = textwrap.dedent(f"""
        import densekit
        try:
            densekit.models.model_from_json({json.dumps(entry)!r})
            print("BUILT")
        except ValueError as e:
            print("ValueError: " + str(e))
    """)
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.startswith("ValueError: ") and "too large" in child.stdout, child.stdout
