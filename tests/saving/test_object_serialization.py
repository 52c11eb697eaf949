"""keras.saving.serialize_keras_object / deserialize_keras_object and each module's serialize /
deserialize (python/densekit/utils/object_serialization.py), against what Keras 3.15.1 wrote
for the same objects (tests/data/keras/serialized_objects.json, from
make_serialized_objects.py beside it)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import densekit as keras
from densekit import layers
from densekit.saving import deserialize_keras_object, serialize_keras_object

KERAS_OBJECTS = json.loads((Path(__file__).resolve().parent.parent / "data" / "keras" /
                            "serialized_objects.json").read_text())["objects"]
BUILT_DENSE = "built Dense(4) on (None, 3)"


def _build(expression):
    keras.backend.clear_session()  # named as the first object of its kind, as Keras named it
    if expression == BUILT_DENSE:
        dense = layers.Dense(4, name="built")
        dense.build((None, 3))
        return dense
    return eval(expression, {"keras": keras})


def _as_json(value):
    return json.loads(json.dumps(value))


def _comparable(value):
    """A serialized object with the differences densekit keeps on purpose taken out:
    - Keras 3.15 writes an initializer's `input_axes`/`output_axes` and BatchNormalization's
      renorm arguments at their defaults; densekit leaves them out, so that Keras before 3.15
      (which does not know them) reads its configs;
    - an initializer given no seed: Keras writes null, densekit the seed it drew (docs/keras-files.md);
    - Huber's `delta`, which Keras 3.15 leaves out of its config (and so loses);
    - floats Keras keeps in float32 (L1's 0.02 is 0.019999999552965164), rounded."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ("input_axes", "output_axes") and item is None:
                continue
            if (key, item) in (("renorm", False), ("renorm_clipping", None), ("renorm_momentum", 0.99)):
                continue
            if key == "delta" and value.get("name") == "huber_loss":
                continue
            out[key] = _comparable(item)
        if out.get("module") == "keras.initializers" and isinstance(out.get("config"), dict) and "seed" in out["config"]:
            out["config"]["seed"] = "given" if out["config"]["seed"] is not None else None
        return out
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    if isinstance(value, float):
        return float(np.float32(value))
    return value


def _unseeded_initializers(value):
    """Seeds of initializers given none: drawn by densekit, null in Keras's configs."""
    if isinstance(value, dict):
        if value.get("module") == "keras.initializers" and isinstance(value.get("config"), dict):
            value = {**value, "config": {**value["config"]}}
            if "seed" in value["config"]:
                value["config"]["seed"] = None
        return {k: _unseeded_initializers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unseeded_initializers(v) for v in value]
    return value


@pytest.mark.parametrize("entry", KERAS_OBJECTS, ids=[e["expression"] for e in KERAS_OBJECTS])
def test_serialized_as_keras_serializes(entry):
    got = _as_json(serialize_keras_object(_build(entry["expression"])))
    want = entry["serialized"]
    if entry["expression"].startswith(("keras.layers", BUILT_DENSE)):
        got, want = _unseeded_initializers(got), _unseeded_initializers(want)
    assert _comparable(got) == _comparable(want)


@pytest.mark.parametrize("entry", KERAS_OBJECTS, ids=[e["expression"] for e in KERAS_OBJECTS])
def test_keras_serialization_deserializes(entry):
    """What Keras wrote comes back as the object it describes: serialized again, the same."""
    obj = deserialize_keras_object(entry["serialized"])
    again = _as_json(serialize_keras_object(obj))
    assert _comparable(_unseeded_initializers(again)) == _comparable(_unseeded_initializers(entry["serialized"]))


def test_functions_as_keras_writes_them_and_back():
    assert serialize_keras_object(keras.activations.relu) == {
        "module": "builtins", "class_name": "function", "config": "relu", "registered_name": "function"}
    assert deserialize_keras_object(serialize_keras_object(keras.activations.relu)) is keras.activations.relu
    assert deserialize_keras_object(serialize_keras_object(keras.losses.mse)) is keras.losses.mean_squared_error
    assert keras.activations.serialize(keras.activations.tanh) == "tanh"
    assert keras.activations.deserialize("tanh") is keras.activations.tanh
    assert keras.activations.deserialize(serialize_keras_object(keras.activations.tanh)) is keras.activations.tanh


def test_module_deserialize_resolves_names():
    assert keras.losses.deserialize("mse") is keras.losses.mean_squared_error  # Keras 3.15 fails on this alias
    assert keras.losses.deserialize("mean_squared_error") is keras.losses.mean_squared_error
    loss = keras.losses.deserialize("BinaryCrossentropy")
    assert isinstance(loss, keras.losses.BinaryCrossentropy) and loss.get_config()["from_logits"] is False
    assert isinstance(keras.metrics.deserialize("AUC"), keras.metrics.AUC)
    assert isinstance(keras.initializers.deserialize("glorot_uniform"), keras.initializers.GlorotUniform)
    assert keras.regularizers.deserialize("l2").get_config() == {"l2": 0.01}
    assert isinstance(keras.constraints.deserialize("non_neg"), keras.constraints.NonNeg)
    adam = keras.optimizers.deserialize({"class_name": "ADAM", "config": {"learning_rate": 0.5}})  # any case
    assert isinstance(adam, keras.optimizers.Adam) and float(adam.learning_rate) == 0.5
    schedule = keras.optimizers.schedules.deserialize(
        keras.optimizers.schedules.serialize(keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)))
    assert schedule.get_config()["decay_steps"] == 10


@pytest.mark.parametrize("module, name", [
    ("losses", "no_such_loss"), ("metrics", "NoSuchMetric"), ("initializers", "no_such"),
    ("regularizers", "l3"), ("constraints", "nope"), ("optimizers", {"class_name": "Adamm", "config": {}}),
])
def test_module_deserialize_refuses_unknown_names(module, name):
    # Keras returns an unknown name as it is; densekit says which it does not know.
    with pytest.raises((ValueError, TypeError), match="no_such_loss|NoSuchMetric|no_such|l3|nope|Adamm"):
        getattr(keras, module).deserialize(name)


def test_module_deserialize_refuses_other_kinds():
    adam = keras.optimizers.serialize(keras.optimizers.Adam())
    with pytest.raises(ValueError, match="not a `keras.layers.Layer`"):
        layers.deserialize(adam)
    with pytest.raises(ValueError, match="Could not interpret loss config"):
        keras.losses.deserialize(adam)


def test_built_layer_comes_back_built_with_its_build_config():
    dense = layers.Dense(4, name="built")
    dense.build((None, 3))
    config = layers.serialize(dense)
    assert config["build_config"] == {"input_shape": (None, 3)}
    copy = layers.deserialize(config)
    assert copy.built and [tuple(w.shape) for w in copy.get_weights()] == [(3, 4), (4,)]
    assert "build_config" not in layers.serialize(layers.Dense(2))  # unbuilt: none, as Keras's


def test_merge_layer_build_config_lists_every_input():
    a, b = keras.Input((3,)), keras.Input((3,))
    add = layers.Add()
    add([a, b])
    assert add.get_build_config() == {"input_shape": [(None, 3), (None, 3)]}


def test_plain_values_and_containers():
    value = [1, 2.5, "a", None, True, {"k": (1, 2)}]
    assert serialize_keras_object(value) == [1, 2.5, "a", None, True, {"k": (1, 2)}]
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    config = serialize_keras_object(array)
    assert config == {"class_name": "__numpy__", "config": {"value": array.tolist(), "dtype": "float32"}}
    back = deserialize_keras_object(config)
    assert back.dtype == np.float32 and np.array_equal(back, array)
    assert serialize_keras_object(np.float32(1.5)) == 1.5
    for obj in (b"bytes", slice(1, 5, 2), Ellipsis):
        assert deserialize_keras_object(_as_json(serialize_keras_object(obj))) == obj


def test_lambda_refused_both_ways():
    with pytest.raises(ValueError, match="lambda"):
        serialize_keras_object(lambda x: x)
    config = {"class_name": "__lambda__", "config": {"value": "..."}}
    with pytest.raises(ValueError, match="disallowed by default"):
        deserialize_keras_object(config)
    with pytest.raises(ValueError, match="does not load a Python lambda"):
        deserialize_keras_object(config, safe_mode=False)


def test_model_is_its_to_json_and_comes_back():
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="relu"), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    config = serialize_keras_object(model)
    assert config == json.loads(model.to_json())
    copy = deserialize_keras_object(config)
    assert isinstance(copy, keras.Sequential) and copy.compiled
    assert [layer.name for layer in copy.layers] == [layer.name for layer in model.layers]


@keras.saving.register_keras_serializable(package="objser")
def scaled_tanh(x):
    return 2.0 * keras.ops.tanh(x)


@keras.saving.register_keras_serializable(package="objser")
class Doubling(layers.Layer):
    def call(self, x):
        return 2.0 * x


def test_registered_objects_by_their_registered_names():
    config = serialize_keras_object(scaled_tanh)
    assert config["config"] == "objser>scaled_tanh"
    assert deserialize_keras_object(config) is scaled_tanh
    layer_config = serialize_keras_object(Doubling(name="double"))
    assert layer_config["registered_name"] == "objser>Doubling" and layer_config["class_name"] == "Doubling"
    layer = deserialize_keras_object(layer_config)
    assert isinstance(layer, Doubling) and layer.name == "double"


def test_custom_objects_argument_and_scope():
    def halve(x):
        return 0.5 * x

    config = {"module": "builtins", "class_name": "function", "config": "halve", "registered_name": "function"}
    with pytest.raises(TypeError, match="Could not locate function 'halve'"):
        deserialize_keras_object(config)
    assert deserialize_keras_object(config, custom_objects={"halve": halve}) is halve
    with keras.saving.custom_object_scope({"halve": halve}):
        assert deserialize_keras_object(config) is halve
        assert keras.activations.deserialize("halve") is halve


def test_model_from_json_uses_custom_objects():
    def my_loss(y_true, y_pred):
        return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)

    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss=my_loss)
    with pytest.raises(TypeError, match="my_loss"):
        keras.models.model_from_json(model.to_json())
    copy = keras.models.model_from_json(model.to_json(), custom_objects={"my_loss": my_loss})
    assert copy.loss is my_loss


@pytest.mark.parametrize("config, error, match", [
    ({"module": "keras.layers", "class_name": "NoSuchLayer", "config": {}, "registered_name": None}, TypeError,
     "Could not locate class 'NoSuchLayer'"),
    ({"module": "keras.layers", "class_name": "Dense", "config": [1], "registered_name": None}, TypeError,
     "Expected 'config' to be a dict for Dense"),
    ({"module": "builtins", "class_name": "function", "config": None, "registered_name": None}, TypeError,
     "non-null str"),
    ({"class_name": "__keras_tensor__", "config": {"shape": [None, 2]}}, ValueError, "__keras_tensor__"),
    ({"module": "keras.layers", "class_name": "Dense", "config": {"units": "three"}, "registered_name": None},
     (ValueError, TypeError), "units"),
    (object(), TypeError, "Could not parse config"),
])
def test_bad_configs_raise_clear_errors(config, error, match):
    with pytest.raises(error, match=match):
        deserialize_keras_object(config)


def test_keras_names_exported_where_keras_exports_them():
    assert keras.utils.serialize_keras_object is serialize_keras_object
    assert keras.utils.deserialize_keras_object is deserialize_keras_object
    for module in ("activations", "losses", "metrics", "optimizers", "initializers", "regularizers", "constraints",
                   "layers"):
        assert callable(getattr(keras, module).serialize) and callable(getattr(keras, module).deserialize)


def _keras_python():
    import importlib.util

    if importlib.util.find_spec("keras") is not None:
        return sys.executable
    return os.environ.get("DENSEKIT_KERAS_PYTHON")


def test_keras_deserializes_what_densekit_serializes():
    python = _keras_python()
    if not python:
        pytest.skip("needs Keras 3: set DENSEKIT_KERAS_PYTHON to a Python with keras installed")
    configs = {entry["expression"]: serialize_keras_object(_build(entry["expression"])) for entry in KERAS_OBJECTS}
    script = (
        "import json, os, sys\n"
        "os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')\n"
        "import keras\n"
        "configs = json.load(sys.stdin)\n"
        "out = {}\n"
        "for name, config in configs.items():\n"
        "    obj = keras.saving.deserialize_keras_object(config)\n"
        "    out[name] = keras.saving.serialize_keras_object(obj)\n"
        "print(json.dumps(out))\n")
    done = subprocess.run([python, "-c", script], input=json.dumps(configs), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    from_keras = json.loads(done.stdout.strip().splitlines()[-1])
    for name, config in configs.items():
        assert _comparable(from_keras[name]) == _comparable(_as_json(config)), name


@pytest.mark.parametrize("config", [
    {"module": "builtins", "class_name": "function", "config": "eval", "registered_name": None},
    {"module": "os", "class_name": "function", "config": "system", "registered_name": None},
    {"module": "importlib", "class_name": "function", "config": "import_module", "registered_name": None},
    {"module": "keras.models", "class_name": "function", "config": "load_model", "registered_name": None},
    {"module": "keras.losses", "class_name": "function", "config": "np", "registered_name": None},
    {"module": "keras.layers", "class_name": "RandomDraw", "config": {}, "registered_name": None},
    {"module": "keras.layers", "class_name": "Dense", "config": {"units": 2, "activation": {
        "module": "builtins", "class_name": "function", "config": "print", "registered_name": None}}},
    {"module": "keras.losses", "class_name": "AUC", "config": {}, "registered_name": None},
])
def test_a_config_reaches_only_exported_objects_and_the_users(config):
    """Python's own functions, modules, densekit's internals and non-modeling functions such as
    load_model are not found (Keras refuses them too), whatever module the config names."""
    with pytest.raises(TypeError, match="Could not locate"):
        deserialize_keras_object(config)


def test_activations_deserialize_imports_no_module(capsys):
    with pytest.raises(TypeError, match="Could not locate function 's'"):
        keras.activations.deserialize({"module": "this", "class_name": "function", "config": "s",
                                       "registered_name": None})
    assert "Zen of Python" not in capsys.readouterr().out


def test_private_keras_paths_find_the_class_of_that_module():
    config = {"module": "keras.src.metrics.regression_metrics", "class_name": "MeanSquaredError",
              "config": {"name": "mean_squared_error", "dtype": "float32"}, "registered_name": None}
    assert isinstance(deserialize_keras_object(config), keras.metrics.MeanSquaredError)  # not the loss


@keras.saving.register_keras_serializable(package="objser")
class Scale(layers.Layer):
    def __init__(self, seed=-1, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")

    def call(self, x):
        return x * self.w

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def test_the_users_layer_keeps_its_build_config_and_its_own_seed():
    layer = Scale(seed=2**40)
    layer(np.ones((2, 5), np.float32))
    config = serialize_keras_object(layer)
    assert config["build_config"] == {"input_shape": (2, 5)}
    assert config["config"]["seed"] == 2**40  # only seeds densekit drew are reduced for Keras
    copy = deserialize_keras_object(config)
    assert copy.built and [tuple(w.shape) for w in copy.weights] == [(5,)]


def test_a_failed_first_call_is_not_the_build_config():
    dense = layers.Dense(2)
    with pytest.raises(ValueError):
        dense(np.ones((3,), np.float32))
    dense(np.ones((2, 4), np.float32))
    assert deserialize_keras_object(serialize_keras_object(dense)).get_build_config() == {"input_shape": (2, 4)}


@pytest.mark.parametrize("build_config", [{"input_shape": [None, None]}, {"input_shape": [None, 3.5]},
                                          {"input_shape": "x"}, {"input_shape": [None, True]}, [1]])
def test_a_malformed_build_config_is_refused(build_config):
    with pytest.raises(ValueError, match="cannot be built for input_shape|a build config is a dict"):
        layers.Dense(2).build_from_config(build_config)


def test_keras_names_for_inputs_metrics_and_functions():
    assert serialize_keras_object(layers.InputLayer(shape=(3,)))["module"] == "keras.layers"  # Keras reads this
    assert isinstance(keras.metrics.deserialize("auc"), keras.metrics.AUC)
    assert isinstance(keras.metrics.deserialize("mse"), keras.metrics.MeanSquaredError)
    assert isinstance(keras.metrics.deserialize("binary_accuracy"), keras.metrics.BinaryAccuracy)
    assert isinstance(keras.optimizers.deserialize("Adam"), keras.optimizers.Adam)
    assert keras.metrics.LogCoshError().name == "logcosh"
    assert json.dumps(keras.metrics.Precision(thresholds=np.float32(0.5)).get_config())
    assert serialize_keras_object(keras.activations.activation_spec("tanh"))["config"] == "tanh"
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    assert isinstance(layers.deserialize(layers.serialize(model)), keras.Sequential)  # a model is a layer in Keras


def test_mean_metric_wrapper_round_trips_in_densekits_form_and_keras():
    wrapper = keras.metrics.MeanMetricWrapper(keras.losses.mean_squared_error, name="w")
    assert isinstance(keras.metrics.deserialize(keras.metrics.serialize(wrapper)), keras.metrics.MeanMetricWrapper)
    keras_config = {"module": "keras.metrics", "class_name": "MeanMetricWrapper", "registered_name": None, "config": {
        "name": "w", "dtype": "float32", "fn": {"module": "builtins", "class_name": "function",
                                              "config": "mean_squared_error", "registered_name": "function"}}}
    assert keras.metrics.deserialize(keras_config).get_config()["fn"]["config"] == "mean_squared_error"


def test_registered_function_saved_by_keras_3_6_by_its_bare_name():
    config = {"module": "builtins", "class_name": "function", "config": "scaled_tanh", "registered_name": "function"}
    assert deserialize_keras_object(config) is scaled_tanh  # registered as objser>scaled_tanh
    assert keras.activations.serialize(scaled_tanh) == "objser>scaled_tanh"


@pytest.mark.parametrize("module, name", [("numpy", "load"), ("numpy.lib.format", "open_memmap"),
                                          ("numpy", "set_printoptions"), ("json", "loads"), ("densekit.saving", "load_model")])
def test_installed_packages_and_pythons_library_are_not_the_users_code(module, name):
    """The user's own module is searched for a function a config names, but an installed package
    (numpy) or Python's library is not, whatever its function does."""
    with pytest.raises(TypeError, match="Could not locate"):
        deserialize_keras_object({"module": module, "class_name": "function", "config": name, "registered_name": None})


def test_a_class_without_from_config_is_a_type_error():
    config = {"units": 2, "kernel_initializer": {"module": "keras.callbacks", "class_name": "CSVLogger",
                                                 "config": {"filename": "x.csv"}, "registered_name": None}}
    with pytest.raises(TypeError):
        layers.Dense.from_config(config)


def test_the_users_module_is_imported_to_find_its_function(tmp_path, monkeypatch):
    (tmp_path / "objser_user_module.py").write_text("def halve(x):\n    return 0.5 * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = deserialize_keras_object({"module": "objser_user_module", "class_name": "function", "config": "halve",
                                      "registered_name": "halve"})
    assert found.__module__ == "objser_user_module" and found(4.0) == 2.0


def test_custom_objects_come_before_the_registry_for_a_bare_name():
    def mine(x):
        return x

    config = {"module": "builtins", "class_name": "function", "config": "scaled_tanh", "registered_name": "function"}
    assert deserialize_keras_object(config, custom_objects={"other>scaled_tanh": mine}) is mine


def test_densekits_functions_inside_configs_are_written_as_keras_writes_its_own():
    wrapper = keras.metrics.MeanMetricWrapper(keras.losses.mean_squared_error, name="w")
    assert wrapper.get_config()["fn"] == {"module": "builtins", "class_name": "function",
                                          "config": "mean_squared_error", "registered_name": "function"}


def test_read_only_dtypes_and_more_malformed_build_configs():
    dense = layers.Dense(2)
    with pytest.raises(AttributeError):
        dense.dtype = "float16"
    with pytest.raises(ValueError, match="a build config is a dict"):
        keras.Sequential([layers.Dense(2)]).build_from_config("x")
    with pytest.raises(ValueError, match="cannot be built"):
        layers.Dense(2).build((None, 2**63))
    assert isinstance(keras.initializers.get("IdentityInitializer"), keras.initializers.Identity)
