"""The loader's time is bounded by the config's size: calls are resolved without one pass over
every layer per layer (a chain of layers listed in reverse once took N passes of N entries), the
layer limit is checked before any layer is made, and a long chain needs no deep recursion."""

import json
import time

import numpy as np

import densekit as keras


def reversed_chain_config(n):
    """A functional chain x -> a0 -> ... -> a(n-1), its entries listed last layer first."""
    x = keras.Input((2,), name="x")
    config = json.loads(keras.Model(x, keras.layers.Activation("linear", name="a0")(x)).to_json())
    input_entry, template = config["config"]["layers"]
    chain, previous = [], "x"
    for i in range(n):
        entry = json.loads(json.dumps(template))
        entry["name"] = entry["config"]["name"] = f"a{i}"
        entry["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = [previous, 0, 0]
        chain.append(entry)
        previous = f"a{i}"
    config["config"]["layers"] = [input_entry] + chain[::-1]
    config["config"]["output_layers"] = [[previous, 0, 0]]
    return json.dumps(config)


def test_a_chain_listed_in_reverse_loads_in_order_and_quickly():
    n = 5000
    config = reversed_chain_config(n)
    start = time.perf_counter()
    model = keras.models.model_from_json(config)
    elapsed = time.perf_counter() - start
    assert [layer.name for layer in model.layers] == ["x"] + [f"a{i}" for i in range(n)]
    x = np.arange(6, dtype="float32").reshape(3, 2)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    assert elapsed < 10, f"{n} layers took {elapsed:.1f} s to resolve"


def test_a_config_over_the_layer_limit_is_refused_before_layers_are_made():
    previous = keras.config.set_limits(max_layers=1000)
    try:
        config = reversed_chain_config(1500)
        start = time.perf_counter()
        try:
            keras.models.model_from_json(config)
            raise AssertionError("a config over the layer limit loaded")
        except ValueError as error:
            assert "lists 1501 layers, more than the limit of 1000" in str(error)
        assert time.perf_counter() - start < 2
    finally:
        keras.config.set_limits(**previous)
