"""Shapes whose size does not fit: refused with a ValueError before any allocation, never
multiplied into a wrapped-around small number (that once built a model which grew past 20 GB)."""

import json
import subprocess
import sys
import textwrap

import pytest

import densekit as keras
from densekit import layers


@pytest.fixture
def limits():
    previous = keras.config.get_limits()
    yield
    keras.config.set_limits(**previous)


@pytest.mark.parametrize("shape", [(2**32, 2**32), (2**62 + 1, 4), (2**40,), (2**20, 2**20, 2**20)])
def test_input_shape_too_large(shape):
    with pytest.raises(ValueError, match="too large"):
        keras.Input(shape=shape)


def test_flatten_and_reshape_of_a_large_shape():
    x = keras.Input(shape=(2**14, 2**14))  # 2^28 values per sample: the default limit
    assert layers.Flatten()(x).shape == (None, 2**28)
    with pytest.raises(ValueError, match="total size of the tensor must be unchanged"):  # (its product is not formed)
        layers.Reshape((2**35, 2**35))(x)
    with pytest.raises(ValueError, match=r"more than the limit of 268435456 .*set_limits\(max_values_per_sample"):
        keras.Input(shape=(2**14, 2**14 + 1))


def test_dense_with_a_wrapping_weight_shape(limits):
    keras.config.set_limits(max_values_per_sample=2**36)  # so the weight shape is what is refused
    x = keras.Input(shape=(2**33,))
    with pytest.raises(ValueError, match="too large"):
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


def test_limits_have_defaults_and_can_be_raised_and_lowered(limits):
    assert keras.config.get_limits() == {"max_parameters": 2**32, "max_values_per_sample": 2**28,
                                         "max_layers": 100000}
    keras.config.set_limits(max_parameters=100)
    with pytest.raises(ValueError, match=r"more than 100 parameters.*set_limits\(max_parameters"):
        keras.Sequential([keras.Input((10,)), layers.Dense(10)]).weights
    keras.Sequential([keras.Input((9,)), layers.Dense(10)])  # 100 parameters: at the limit
    keras.config.set_limits(max_parameters=2**32, max_values_per_sample=2**30)
    assert keras.Input(shape=(2**15, 2**15)).shape == (None, 2**15, 2**15)


def test_the_layer_limit_counts_layers_and_calls(limits):
    keras.config.set_limits(max_layers=4)
    with pytest.raises(ValueError, match=r"more than 4 layers and layer calls.*max_layers"):
        keras.Sequential([keras.Input((2,))] + [layers.Dense(2) for _ in range(4)]).weights
    config = keras.Sequential([keras.Input((2,))] + [layers.Dense(2) for _ in range(2)]).to_json()
    keras.config.set_limits(max_layers=2)
    with pytest.raises(ValueError, match=r"lists 3 layers, more than the limit of 2"):
        keras.models.model_from_json(config)


@pytest.mark.parametrize("bad", [0, -1, 2**36 + 1])
def test_limits_out_of_range_are_refused(limits, bad):
    with pytest.raises(ValueError, match="must be between 1 and 2\\^36"):
        keras.config.set_limits(max_layers=bad)
    with pytest.raises(TypeError, match="must be an integer"):
        keras.config.set_limits(max_parameters=1.5)
    assert keras.config.get_limits()["max_layers"] == 100000


def test_a_huge_dense_layer_is_refused_before_allocation():
    """A typo such as Dense(10**7) after a wide input asks for more than 2^32 parameters."""
    with pytest.raises(ValueError, match="more than 4294967296 parameters"):
        keras.Sequential([keras.Input((1000,)), layers.Dense(10**7)]).weights
