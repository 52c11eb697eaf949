"""tf.keras 2.x's functional model configs (its ``to_json()``): Keras 3's ``Model.from_config``
reads their inbound nodes, lists of ``[layer, node, tensor, kwargs]``
(keras/src/models/functional.py, ``deserialize_node``), and densekit reads them as its Keras
file reader does (saving/keras2_config.py)."""

import json

import numpy as np
import pytest

import densekit as keras


def keras2_config():
    """A two-input model as tf.keras 2.15 serializes it: InputLayers with batch_input_shape,
    a Concatenate node of two tensors, BatchNormalization's built axis as a list."""
    def node(*names):
        return [[[name, 0, 0, {}] for name in names]]

    return {"class_name": "Functional", "keras_version": "2.15.0", "backend": "tensorflow", "config": {
        "name": "model", "input_layers": [["a", 0, 0], ["b", 0, 0]], "output_layers": [["out", 0, 0]],
        "layers": [
            {"class_name": "InputLayer", "name": "a", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 3], "dtype": "float32", "sparse": False, "ragged": False,
                        "name": "a"}},
            {"class_name": "InputLayer", "name": "b", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 2], "dtype": "float32", "sparse": False, "ragged": False,
                        "name": "b"}},
            {"class_name": "Concatenate", "name": "concat", "inbound_nodes": node("a", "b"),
             "config": {"name": "concat", "trainable": True, "dtype": "float32", "axis": -1}},
            {"class_name": "BatchNormalization", "name": "bn", "inbound_nodes": node("concat"),
             "config": {"name": "bn", "trainable": True, "dtype": "float32", "axis": [1], "momentum": 0.99,
                        "epsilon": 0.001, "center": True, "scale": True}},
            {"class_name": "Dense", "name": "out", "inbound_nodes": node("bn"),
             "config": {"name": "out", "trainable": True, "dtype": "float32", "units": 2, "activation": "relu",
                        "use_bias": True}},
        ]}}


@pytest.mark.parametrize("how", ["from_config", "model_from_json"])
def test_a_tf_keras2_functional_config_builds_the_same_graph(how):
    serialized = keras2_config()
    if how == "from_config":
        model = keras.Model.from_config(serialized["config"])
    else:
        model = keras.models.model_from_json(json.dumps(serialized))
    assert [layer.name for layer in model.layers] == ["a", "b", "concat", "bn", "out"]
    assert model.get_layer("bn").get_config()["axis"] == 1  # tf.keras 2.x had built -1 as [1]
    kernel = np.arange(10, dtype="float32").reshape(5, 2) / 10 - 0.25
    model.get_layer("out").set_weights([kernel, np.array([0.1, -0.2], "float32")])
    a, b = np.ones((4, 3), "float32"), np.full((4, 2), 2.0, "float32")
    normalized = np.concatenate([a, b], axis=1) / np.sqrt(1.0 + 0.001)  # fresh moving statistics: 0 and 1
    np.testing.assert_allclose(model.predict([a, b], verbose=0),
                               np.maximum(normalized @ kernel + [0.1, -0.2], 0.0), rtol=1e-6)


@pytest.mark.parametrize("node", [[["bn"]], [["bn", 0]], [[3, 0, 0, {}]], ["bn"]])
def test_a_malformed_tf_keras2_node_is_refused_naming_what_it_lacks(node):
    serialized = keras2_config()
    serialized["config"]["layers"][4]["inbound_nodes"] = [node]  # no node or tensor index, no name, no list
    with pytest.raises(ValueError, match=r"not \[layer name, node index, tensor index, kwargs\]"):
        keras.models.model_from_json(json.dumps(serialized))
