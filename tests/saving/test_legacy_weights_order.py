"""load_weights of the legacy HDF5 layout (``layer_names`` / ``weight_names``: tf.keras 2.x's
``save_weights``, Keras's ``.h5`` model files) pairs the file's layers with the model's by
position, as Keras does (``load_weights_from_hdf5_group`` in
keras/src/legacy/saving/legacy_h5_format.py): the file's layers that have weights, in order,
with ``model.layers`` that have weights, in order. densekit's native weight order is not that
order for a functional model (its outputs come last to first there), and pairing by it gave
one output head the other's weights, silently when their shapes agree.
"""

import json

import numpy as np
import pytest

h5py = pytest.importorskip("h5py", reason="Keras files need h5py (pip install 'densekit[keras]')")

import densekit as keras  # noqa: E402
from keras_live import run_keras  # noqa: E402


def _write_legacy(path, layers):
    """A legacy weights file of ``layers``: (name, arrays) in the order Keras writes them."""
    with h5py.File(path, "w") as h5file:
        h5file.attrs["layer_names"] = [name.encode() for name, _ in layers]
        for name, arrays in layers:
            group = h5file.create_group(name)
            names = [f"{name}/w{i}:0" for i in range(len(arrays))]
            group.attrs["weight_names"] = [n.encode() for n in names]
            for weight_name, array in zip(names, arrays):
                group.create_dataset(weight_name, data=array)
    return path


def _distinct_weights(model, seed):
    """For each of ``model.layers``, in order: (a name other than the layer's, new arrays)."""
    rng = np.random.default_rng(seed)
    return [(f"file_layer_{i}", [rng.normal(size=w.shape).astype("float32") for w in layer.get_weights()])
            for i, layer in enumerate(model.layers)]


def _assert_each_layer_has(model, written):
    for layer, (_, arrays) in zip(model.layers, written):
        for got, expected in zip(layer.get_weights(), arrays):
            np.testing.assert_array_equal(got, expected, err_msg=f"layer '{layer.name}'")


def _two_heads(K):
    inputs = K.Input((3,), name="x")
    hidden = K.layers.Dense(4, activation="tanh", name="hidden")(inputs)
    head_a = K.layers.Dense(2, name="head_a")(hidden)
    head_b = K.layers.Dense(2, name="head_b")(hidden)
    return K.Model(inputs, [head_a, head_b])


def test_two_heads_of_one_shape_each_get_their_own_weights(tmp_path):
    model = _two_heads(keras)
    written = _distinct_weights(model, seed=0)
    model.load_weights(_write_legacy(tmp_path / "two_heads.h5", written))
    _assert_each_layer_has(model, written)


# A functional model of Dense layers of one width joined by Add, with several outputs, from a
# spec (each node: the earlier tensors it takes, 0 being the input; the output nodes), for
# densekit and Keras alike.
BUILD_GRAPH = """
def build_graph(K, spec):
    tensors = [K.Input((3,), name="x")]
    for i, picked in enumerate(spec["nodes"]):
        source = tensors[picked[0]] if len(picked) == 1 else K.layers.Add(name=f"add_{i}")([tensors[j] for j in picked])
        tensors.append(K.layers.Dense(3, name=f"dense_{i}")(source))
    return K.Model(tensors[0], [tensors[j] for j in spec["outputs"]])
"""
_namespace = {}
exec(BUILD_GRAPH, _namespace)  # the test's own source, run as the Keras script runs it
build_graph = _namespace["build_graph"]


def _random_spec(seed):
    rng = np.random.default_rng(seed)
    nodes = []
    for i in range(int(rng.integers(3, 8))):
        picked = rng.choice(i + 1, size=min(i + 1, int(rng.integers(1, 3))), replace=False)
        nodes.append([int(j) for j in picked])
    others = rng.choice(range(1, len(nodes)), size=min(2, len(nodes) - 1), replace=False)
    return {"nodes": nodes, "outputs": [len(nodes)] + [int(j) for j in others]}


@pytest.mark.parametrize("seed", range(20))
def test_random_graphs_pair_layers_in_model_layers_order(seed, tmp_path):
    model = build_graph(keras, _random_spec(seed))
    written = _distinct_weights(model, seed)
    model.load_weights(_write_legacy(tmp_path / "graph.h5", written))
    _assert_each_layer_has(model, written)


KERAS_SCRIPT = BUILD_GRAPH + """
import json, sys
import numpy as np, keras

keras.utils.set_random_seed(0)
x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
predictions = []
for i, spec in enumerate(json.loads(sys.argv[2])):
    model = build_graph(keras, spec)
    model.save(f"{sys.argv[1]}/{i}.h5")
    predictions.append([y.tolist() for y in model.predict(x, verbose=0)])
print(json.dumps({"x": x.tolist(), "y": predictions}))
"""


def test_keras_h5_model_files_weights_load_into_the_same_functional_models(tmp_path):
    """Keras's own files (model.save("m.h5")) of the two-head model and random graphs."""
    specs = [{"nodes": [[0], [1], [1]], "outputs": [2, 3]}] + [_random_spec(seed) for seed in range(12)]
    saved = run_keras(KERAS_SCRIPT, tmp_path, json.dumps(specs))
    for i, spec in enumerate(specs):
        model = build_graph(keras, spec)
        model.load_weights(tmp_path / f"{i}.h5")
        for got, expected in zip(model.predict(np.array(saved["x"], "float32"), verbose=0), saved["y"][i]):
            np.testing.assert_allclose(got, expected, atol=1e-5, err_msg=f"graph {spec}")
