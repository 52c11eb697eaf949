"""Bad paths, files, JSON and configs given to save, save_weights, load_model, load_weights,
model_from_json and from_config (the loaders: cpp/src/io.cpp, cpp/src/serialization.cpp,
python/densekit/saving/); and the silent-garbage finding of issue 17 that crashes with a wide
output (a sparse loss with an element-wise metric)."""

import json

import numpy as np

from bad_input_table import Table, classifier, keras, regressor, saved_model, saved_weights, x

table = Table()
add, ok = table.add, table.ok


def _write(tmp, name, data):
    path = tmp / name
    path.write_bytes(data)
    return path


def _load(make_path, **kw):
    return lambda tmp: keras().models.load_model(make_path(tmp), **kw)


def _load_weights(make_path):
    return lambda tmp: regressor().load_weights(make_path(tmp))


def _truncated(tmp, make, name):
    data = make(tmp).read_bytes()
    return _write(tmp, name, data[: len(data) // 2])


def _flipped(tmp, make, name):
    """A byte flipped in the middle (densekit's files and .keras zips have checksums), or in the
    HDF5 signature (HDF5 has none for data: Keras too reads a flipped weight as it is)."""
    data = bytearray(make(tmp).read_bytes())
    data[1 if name.endswith(".h5") else len(data) // 2] ^= 0xFF
    return _write(tmp, name, bytes(data))


native = lambda tmp: saved_model(tmp, "good.dk")  # noqa: E731
keras_file = lambda tmp: saved_model(tmp, "good.keras")  # noqa: E731
native_weights = lambda tmp: saved_weights(tmp, "good_weights.dk")  # noqa: E731
keras_weights = lambda tmp: saved_weights(tmp, "good.weights.h5")  # noqa: E731

# --- load_model / load_weights: missing, empty, garbage, truncated, corrupted files ----------------------
for entry, loader in [("load_model", _load), ("load_weights", _load_weights)]:
    add(entry, "corrupt_file", "missing", loader(lambda tmp: tmp / "absent.dk"), OSError, "absent.dk")
    add(entry, "corrupt_file", "directory", loader(lambda tmp: tmp), IsADirectoryError, "is a directory")
    add(entry, "empty", "empty_file", loader(lambda tmp: _write(tmp, "empty.dk", b"")), OSError, "empty.dk")
    add(entry, "corrupt_file", "random_bytes",
        loader(lambda tmp: _write(tmp, "noise.dk", np.random.default_rng(0).bytes(4096))), OSError, "noise.dk")
    add(entry, "corrupt_file", "huge_header_length",
        loader(lambda tmp: _write(tmp, "huge.dk", (2**62).to_bytes(8, "little") + b"{}")), OSError, "huge.dk")
    add(entry, "corrupt_file", "text_file", loader(lambda tmp: _write(tmp, "notes.keras", b"hello, model\n" * 10)),
        OSError, "notes.keras")
    add(entry, "wrong_type", "path_is_int", loader(lambda tmp: 5), TypeError, "int")
    add(entry, "wrong_type", "path_is_none", loader(lambda tmp: None), TypeError, "NoneType")
for entry, loader, make, name, exc in [
    ("load_model", _load, native, "cut.dk", OSError), ("load_model", _load, keras_file, "cut.keras", ValueError),
    ("load_weights", _load_weights, native_weights, "cut_weights.dk", OSError),
    ("load_weights", _load_weights, keras_weights, "cut.weights.h5", OSError),
]:
    # a damaged .keras zip is a KerasFileError (a ValueError, saving/keras_layout.py); other damaged files, an OSError
    needs = None if name.endswith(".dk") else "h5py"  # Keras's files are written with h5py
    add(entry, "corrupt_file", f"truncated_{name.split('.', 1)[1].replace('.', '_')}",
        loader(lambda tmp, m=make, n=name: _truncated(tmp, m, n)), exc, name, needs=needs)
    add(entry, "corrupt_file", f"flipped_byte_{name.split('.', 1)[1].replace('.', '_')}",
        loader(lambda tmp, m=make, n=name.replace("cut", "flip"): _flipped(tmp, m, n)), exc,
        name.replace("cut", "flip"), needs=needs)
ok("load_model", "one_row", "reload_predicts_one_row",
   lambda tmp: keras().models.load_model(native(tmp)).predict(x(1), verbose=0))


def _other_architecture(tmp, name):
    k = keras()
    other = k.Sequential([k.Input((3,)), k.layers.Dense(7), k.layers.Dense(1)])
    path = tmp / name
    other.save_weights(path)
    return path


add("load_weights", "wrong_width", "other_architecture_native", _load_weights(lambda tmp: _other_architecture(tmp, "o.dk")),
    OSError, "has shape [3,7] but the architecture needs [3,4]")
add("load_weights", "wrong_width", "other_architecture_keras",
    _load_weights(lambda tmp: _other_architecture(tmp, "o.weights.h5")), ValueError, "shape", needs="h5py")
add("load_weights", "wrong_type", "unbuilt_model",
    lambda tmp: keras().Sequential([keras().layers.Dense(1)]).load_weights(native_weights(tmp)), ValueError,
    "has not been built")

# --- save / save_weights -----------------------------------------------------------------------------
add("save", "corrupt_file", "missing_directory", lambda tmp: regressor().save(tmp / "no" / "such" / "m.dk"), OSError,
    "m.dk")
add("save", "corrupt_file", "path_is_directory", lambda tmp: regressor().save(tmp), IsADirectoryError, "is a directory")
add("save", "wrong_type", "path_is_int", lambda tmp: regressor().save(5), TypeError, "int")
add("save", "wrong_type", "unbuilt_model", lambda tmp: keras().Sequential([keras().layers.Dense(1)]).save(tmp / "m.dk"),
    ValueError, "has not been built")
add("save", "dict_keys", "overwrite_false", lambda tmp: regressor().save(native(tmp), overwrite=False), FileExistsError,
    "overwrite=False")
add("save_weights", "corrupt_file", "missing_directory",
    lambda tmp: regressor().save_weights(tmp / "no" / "m.weights.h5"), OSError, "m.weights.h5", needs="h5py")
add("save_weights", "wrong_type", "path_is_none", lambda tmp: regressor().save_weights(None), TypeError, "NoneType")

# --- model_from_json ------------------------------------------------------------------------------------
def _json(edit):
    def run(tmp):
        config = json.loads(regressor().to_json())
        edit(config)
        return keras().models.model_from_json(json.dumps(config))
    return run


def _layer(config, index):
    return config["config"]["layers"][index]["config"]


def _set(path, value):
    def edit(config):
        target = config
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return edit


MFJ = "model_from_json"
add(MFJ, "corrupt_file", "not_json", lambda tmp: keras().models.model_from_json("{not json"), ValueError, "JSON")
add(MFJ, "empty", "empty_string", lambda tmp: keras().models.model_from_json(""), ValueError, "JSON")
add(MFJ, "wrong_type", "json_list", lambda tmp: keras().models.model_from_json("[1, 2]"), ValueError, "class_name")
add(MFJ, "wrong_type", "not_a_string", lambda tmp: keras().models.model_from_json(5), TypeError, "int")
add(MFJ, "dict_keys", "no_class_name", _json(lambda c: c.pop("class_name")), ValueError, "class_name")
add(MFJ, "unknown_name", "model_class", _json(_set(["class_name"], "Sequentiel")), ValueError, "Sequentiel")
add(MFJ, "unknown_name", "layer_class", _json(lambda c: c["config"]["layers"][1].update(class_name="Conv2D")),
    ValueError, "Conv2D")
add(MFJ, "unknown_name", "activation", _json(lambda c: _layer(c, 1).update(activation="relu7")), ValueError, "relu7")
add(MFJ, "hyperparameter", "units_negative", _json(lambda c: _layer(c, 1).update(units=-3)), ValueError, "units")
add(MFJ, "hyperparameter", "units_huge", _json(lambda c: _layer(c, 1).update(units=2**40)), ValueError, "too large")
add(MFJ, "wrong_type", "units_string", _json(lambda c: _layer(c, 1).update(units="four")), ValueError, "units")
add(MFJ, "wrong_type", "layers_not_a_list", _json(_set(["config", "layers"], {"a": 1})), ValueError,
    "does not follow the Keras schema")
add(MFJ, "dict_keys", "unknown_layer_argument", _json(lambda c: _layer(c, 1).update(unitz=3)), ValueError,
    "Unrecognized keyword arguments passed to Dense")
add(MFJ, "wrong_rank", "input_shape_negative",
    _json(lambda c: _layer(c, 0).update(batch_shape=[None, -3])), ValueError, "-3")
add(MFJ, "hyperparameter", "input_shape_overflows",
    _json(lambda c: _layer(c, 0).update(batch_shape=[None, 2**32, 2**32])), ValueError, "4294967296")
add(MFJ, "unknown_name", "duplicate_layer_names",
    _json(lambda c: _layer(c, 2).update(name=_layer(c, 1)["name"])), ValueError, "dense")
add(MFJ, "corrupt_file", "deeply_nested", lambda tmp: keras().models.model_from_json("[" * 100_000 + "]" * 100_000),
    ValueError, "deep")


# --- from_config ------------------------------------------------------------------------------------------
def _functional_config():
    return two_in_two_out_config()


def two_in_two_out_config():
    from bad_input_table import two_in_two_out

    return two_in_two_out(compile=False).get_config()


def _edit_functional(edit):
    def run(tmp):
        config = _functional_config()
        edit(config)
        return keras().Model.from_config(config)
    return run


add("Sequential.from_config", "wrong_type", "layers_not_a_list",
    lambda tmp: keras().Sequential.from_config({"layers": "dense"}), ValueError, "must be a list")
add("Sequential.from_config", "wrong_type", "string", lambda tmp: keras().Sequential.from_config("dense"), TypeError,
    "must be a dict")
add("Model.from_config", "dict_keys", "no_input_layers", _edit_functional(lambda c: c.pop("input_layers")), ValueError,
    "input_layers")
add("Model.from_config", "unknown_name", "output_layer_name",
    _edit_functional(lambda c: c.update(output_layers={"out1": ["nowhere", 0, 0], "out2": c["output_layers"]["out2"]})
                     if isinstance(c["output_layers"], dict) else c["output_layers"].__setitem__(0, ["nowhere", 0, 0])),
    ValueError, "nowhere")
add("Model.from_config", "unknown_name", "inbound_layer",
    _edit_functional(lambda c: c["layers"][-1]["inbound_nodes"][0]["args"][0]["config"].update(
        keras_history=["ghost", 0, 0])), ValueError, "on a tensor that no layer produces")
add("Model.from_config", "wrong_type", "keras_tensor_without_config",
    _edit_functional(lambda c: c["layers"][-1]["inbound_nodes"][0]["args"].__setitem__(
        0, {"class_name": "__keras_tensor__"})), ValueError, "config")
add("Dense.from_config", "hyperparameter", "units_zero", lambda tmp: keras().layers.Dense.from_config({"units": 0}),
    ValueError, "units")
add("Dense.from_config", "dict_keys", "missing_key", lambda tmp: keras().layers.Dense.from_config({"unitz": 3}),
    TypeError, "missing 1 required positional argument: 'units'")
add("Dense.from_config", "dict_keys", "unknown_key",
    lambda tmp: keras().layers.Dense.from_config({"units": 3, "unitz": 3}), ValueError, "unitz")
add("Dense.from_config", "wrong_type", "not_a_dict", lambda tmp: keras().layers.Dense.from_config([3]), TypeError,
    "list")
add("optimizers.deserialize", "unknown_name", "class_name",
    lambda tmp: keras().optimizers.deserialize({"class_name": "Adamm", "config": {}}), ValueError, "Adamm")
add("optimizers.deserialize", "dict_keys", "unknown_argument",
    lambda tmp: keras().optimizers.deserialize({"class_name": "Adam", "config": {"learning_rat": 0.1}}), ValueError,
    "learning_rat")


# --- a sparse loss with an element-wise metric --------------------------------
def _sparse_loss_elementwise_metric(entry, metric):
    def run(tmp):
        k = keras()
        model = k.Sequential([k.Input((3,)), k.layers.Dense(2_000_000, activation="softmax")])
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=[metric])
        labels = np.array([0, 1])
        if entry == "evaluate":
            return model.evaluate(x(2), labels, verbose=0)
        return model.test_on_batch(x(2), labels)
    return run


# Keras broadcasts the (n, 1) labels against the (n, k) outputs in element-wise metrics
# (keras/src/metrics/regression_metrics.py): computed, and never read past the labels' end (a
# wide output once did, and died with SIGSEGV).
for entry in ("evaluate", "test_on_batch"):
    for metric in ("mse", "binary_accuracy", "RootMeanSquaredError", "auc"):
        ok(entry, "labels", f"sparse_labels_with_metric_{metric}", _sparse_loss_elementwise_metric(entry, metric))
ok("evaluate", "labels", "sparse_labels_with_accuracy",
   lambda tmp: classifier(metrics=["accuracy", "sparse_top_k_categorical_accuracy"]).evaluate(x(), np.arange(8) % 3,
                                                                                              verbose=0))

CASES = table.cases
