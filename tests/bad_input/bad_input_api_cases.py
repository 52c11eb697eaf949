"""Bad arguments to the entry points that build, compile, save and load models: Input, layers,
Sequential / Model, compile, optimizers, losses, metrics, callbacks, the ``get`` functions,
set_weights, save / load_model / load_weights / model_from_json / from_config, utils and config."""

import json
import math

import numpy as np

from bad_input_table import Table, keras, regressor, saved_model, saved_weights, two_in_two_out, x, y

table = Table()
add, ok = table.add, table.ok
NAN, INF = math.nan, math.inf


def L():
    return keras().layers


def build(layer, width=3):
    """The layer in a model on a ``width``-wide input, run once."""
    k = keras()
    model = k.Sequential([k.Input((width,)), layer])
    return model.predict(x(4, width), verbose=0)


# --- Input ----------------------------------------------------------------------------------------
for detail, shape, exc, match in [
    ("negative", (-1,), ValueError, "-1"), ("zero", (0,), ValueError, "0"),
    ("fractional", (2.5,), ValueError, "2.5"), ("nan", (NAN,), ValueError, "nan"), ("string", "3", ValueError, "Cannot convert '3' to a shape"),
    ("huge_product", (2**32, 2**32), ValueError, "4294967296"),
]:
    add("Input", "hyperparameter" if detail != "string" else "wrong_type", f"shape_{detail}",
        lambda tmp, s=shape: keras().Input(shape=s), exc, match)
add("Input", "unknown_name", "dtype", lambda tmp: keras().Input((3,), dtype="float33"), ValueError, "float33")
add("Input", "dict_keys", "unknown_keyword", lambda tmp: keras().Input((3,), bogus=1), TypeError, "bogus")

# --- layers: hyperparameters, names, types ------------------------------------------------------
LAYER_CASES = [
    ("Dense", "hyperparameter", "units_zero", lambda: L().Dense(0), ValueError, "units"),
    ("Dense", "hyperparameter", "units_negative", lambda: L().Dense(-4), ValueError, "units"),
    ("Dense", "hyperparameter", "units_fractional", lambda: L().Dense(2.5), ValueError, "units"),
    ("Dense", "hyperparameter", "units_nan", lambda: L().Dense(NAN), ValueError, "units"),
    ("Dense", "hyperparameter", "units_huge", lambda: build(L().Dense(2**40)), ValueError, "too large"),
    ("Dense", "wrong_type", "units_string", lambda: L().Dense("4"), ValueError, "units"),
    ("Dense", "wrong_type", "units_none", lambda: L().Dense(None), ValueError, "units"),
    ("Dense", "unknown_name", "activation", lambda: L().Dense(4, activation="relu7"), ValueError, "relu7"),
    ("Dense", "unknown_name", "kernel_initializer", lambda: L().Dense(4, kernel_initializer="glorot"), ValueError,
     "glorot"),
    ("Dense", "unknown_name", "kernel_regularizer", lambda: L().Dense(4, kernel_regularizer="l3"), ValueError, "l3"),
    ("Dense", "unknown_name", "kernel_constraint", lambda: L().Dense(4, kernel_constraint="positive"), ValueError,
     "positive"),
    ("Dense", "wrong_type", "activation_number", lambda: L().Dense(4, activation=5), ValueError,
     "Could not interpret activation function identifier: 5"),
    ("Dense", "dict_keys", "unknown_keyword", lambda: L().Dense(4, bogus=1), ValueError, "Unrecognized keyword arguments"),
    ("Dense", "wrong_width", "called_on_other_width",
     lambda: _shared_dense_twice()(keras().Input((4,))), ValueError, "incompatible"),
    ("Dropout", "hyperparameter", "rate_negative", lambda: L().Dropout(-0.1), ValueError, "rate"),
    ("Dropout", "hyperparameter", "rate_above_1", lambda: L().Dropout(1.5), ValueError, "rate"),
    ("Dropout", "hyperparameter", "rate_nan", lambda: L().Dropout(NAN), ValueError, "rate"),
    ("Dropout", "wrong_type", "rate_string", lambda: L().Dropout("0.5"), ValueError, "rate"),
    ("GaussianDropout", "hyperparameter", "rate_negative", lambda: L().GaussianDropout(-1.0), ValueError, "rate"),
    ("GaussianNoise", "hyperparameter", "stddev_negative", lambda: L().GaussianNoise(-1.0), ValueError, "stddev"),
    ("GaussianNoise", "hyperparameter", "stddev_nan", lambda: L().GaussianNoise(NAN), ValueError, "stddev"),
    ("BatchNormalization", "hyperparameter", "axis_out_of_range", lambda: build(L().BatchNormalization(axis=3)),
     ValueError, "axis"),
    ("BatchNormalization", "hyperparameter", "momentum_nan", lambda: L().BatchNormalization(momentum=NAN), ValueError,
     "momentum"),
    ("BatchNormalization", "hyperparameter", "epsilon_negative", lambda: L().BatchNormalization(epsilon=-1.0),
     ValueError, "epsilon"),
    ("LayerNormalization", "hyperparameter", "axis_out_of_range", lambda: build(L().LayerNormalization(axis=4)),
     ValueError, "axis"),
    ("Normalization", "hyperparameter", "mean_without_variance", lambda: L().Normalization(mean=0.0), ValueError,
     "variance"),
    ("Normalization", "wrong_width", "mean_of_other_width",
     lambda: build(L().Normalization(mean=[0.0, 1.0], variance=[1.0, 1.0])), ValueError, "shape"),
    ("Normalization", "hyperparameter", "variance_negative",
     lambda: build(L().Normalization(mean=[0.0] * 3, variance=[-1.0] * 3)), ValueError, "variance"),
    ("Normalization.adapt", "empty", "no_rows", lambda: L().Normalization().adapt(x(0)), ValueError, "no samples"),
    ("Normalization.adapt", "nonfinite", "nan", lambda: L().Normalization().adapt(np.full((4, 3), NAN)), ValueError,
     "NaN"),
    ("Normalization.adapt", "wrong_dtype", "strings", lambda: L().Normalization().adapt(x().astype(str)), TypeError,
     "real numbers"),
    ("Reshape", "wrong_width", "size_mismatch", lambda: build(L().Reshape((2, 2))), ValueError, "Reshape"),
    ("Reshape", "hyperparameter", "two_unknown_axes", lambda: build(L().Reshape((-1, -1)), 4), ValueError, "-1"),
    ("Reshape", "hyperparameter", "zero_axis", lambda: build(L().Reshape((0, 3))), ValueError, "0"),
    ("Reshape", "hyperparameter", "negative_axis", lambda: build(L().Reshape((-3, -1))), ValueError, "-3"),
    ("Reshape", "wrong_type", "target_shape_int", lambda: L().Reshape(3), ValueError, "target_shape"),
    ("ReLU", "hyperparameter", "max_value_negative", lambda: L().ReLU(max_value=-1.0), ValueError, "max_value"),
    ("ReLU", "hyperparameter", "negative_slope_negative", lambda: L().ReLU(negative_slope=-0.5), ValueError,
     "negative_slope"),
    ("LeakyReLU", "hyperparameter", "negative_slope_negative", lambda: L().LeakyReLU(negative_slope=-0.5), ValueError,
     "negative_slope"),
    ("Softmax", "hyperparameter", "axis_out_of_range", lambda: build(L().Softmax(axis=5)), ValueError, "axis"),
    ("Activation", "unknown_name", "activation", lambda: L().Activation("sigmoidal"), ValueError, "sigmoidal"),
    ("PReLU", "unknown_name", "alpha_initializer", lambda: L().PReLU(alpha_initializer="nope"), ValueError, "nope"),
    ("Rescaling", "wrong_type", "scale_string", lambda: build(L().Rescaling("2")), ValueError, "scale"),
    ("Rescaling", "nonfinite", "scale_nan", lambda: build(L().Rescaling(NAN)), ValueError, "scale"),
    ("Concatenate", "wrong_rank", "inputs_of_other_rank",
     lambda: L().Concatenate()([keras().Input((3,)), keras().Input((3, 2))]), ValueError, "Concatenate"),
    ("Add", "wrong_width", "inputs_of_other_width", lambda: L().Add()([keras().Input((3,)), keras().Input((4,))]),
     ValueError, "shape"),
    ("Add", "wrong_type", "not_a_list", lambda: L().Add()(keras().Input((3,))), ValueError, "list"),
    ("Multiply", "empty", "no_inputs", lambda: L().Multiply()([]), ValueError, "Received 0 inputs"),
]


def _shared_dense_twice():
    k = keras()
    dense = k.layers.Dense(2)
    dense(k.Input((3,)))
    return dense


for entry, kind, detail, fn, exc, match in LAYER_CASES:
    add(entry, kind, detail, lambda tmp, fn=fn: fn(), exc, match)
ok("Dense", "one_row", "predict_one_row", lambda tmp: build(keras().layers.Dense(1)))


# --- Sequential and Model -------------------------------------------------------------------------
def _unconnected(tmp):
    k = keras()
    a, b = k.Input((3,)), k.Input((3,))
    return k.Model(a, k.layers.Dense(1)(b))


def _same_input_names(tmp):
    k = keras()
    a, b = k.Input((3,), name="same"), k.Input((3,), name="same")
    return k.Model([a, b], k.layers.Add()([a, b]))


add("Sequential", "wrong_type", "layer_is_int", lambda tmp: keras().Sequential([5]), ValueError, "Received: 5")
add("Sequential.add", "wrong_type", "string", lambda tmp: keras().Sequential().add("dense"), ValueError,
    "Received: 'dense'")
add("Sequential", "wrong_type", "two_inputs",
    lambda tmp: keras().Sequential([keras().Input((3,)), keras().Input((3,))]), ValueError, "Input")
add("Sequential", "unknown_name", "duplicate_layer_names",
    lambda tmp: keras().Sequential([keras().Input((3,)), L().Dense(2, name="d"), L().Dense(2, name="d")]), ValueError,
    "'d'")
add("Model", "wrong_type", "outputs_not_from_inputs", _unconnected, ValueError, "input")
add("Model", "unknown_name", "duplicate_input_names", _same_input_names, ValueError, "same")
add("Model", "wrong_type", "inputs_are_arrays", lambda tmp: keras().Model(x(), y()), ValueError,
    "must be KerasTensors")
add("Model", "dict_keys", "unknown_keyword",
    lambda tmp: keras().Model(keras().Input((3,)), L().Dense(1)(keras().Input((3,))), bogus=1), TypeError, "bogus")
add("get_layer", "unknown_name", "name", lambda tmp: regressor().get_layer("nope"), ValueError, "nope")
add("get_layer", "hyperparameter", "index_out_of_range", lambda tmp: regressor().get_layer(index=9), ValueError, "9")

# --- compile ----------------------------------------------------------------------------------------
def _compile(**kw):
    return lambda tmp: regressor(compile=False).compile(**kw)


def _compile2(**kw):
    return lambda tmp: two_in_two_out(compile=False).compile(**kw)


add("compile", "unknown_name", "optimizer", _compile(optimizer="adamm", loss="mse"), ValueError, "adamm")
add("compile", "unknown_name", "loss", _compile(optimizer="sgd", loss="msee"), ValueError, "msee")
add("compile", "unknown_name", "metric", _compile(optimizer="sgd", loss="mse", metrics=["acc2"]), ValueError, "acc2")
add("compile", "wrong_type", "optimizer_number", _compile(optimizer=5, loss="mse"), ValueError, "5")
add("compile", "wrong_type", "loss_number", _compile(optimizer="sgd", loss=5), ValueError, "5")
add("compile", "wrong_type", "metrics_string", _compile(optimizer="sgd", loss="mse", metrics="mae"), ValueError,
    "metrics")
add("compile", "wrong_type", "loss_weights_string", _compile(optimizer="sgd", loss="mse", loss_weights="1"),
    ValueError, "loss_weights")
add("compile", "dict_keys", "loss_output_name", _compile2(optimizer="sgd", loss={"out1": "mse", "out9": "mse"}),
    ValueError, "out9")
add("compile", "dict_keys", "loss_weights_output_name",
    _compile2(optimizer="sgd", loss="mse", loss_weights={"out1": 1.0, "out9": 2.0}), ValueError, "out9")
add("compile", "dict_keys", "metrics_output_name",
    _compile2(optimizer="sgd", loss="mse", metrics={"out9": ["mae"]}), ValueError, "out9")
add("compile", "mismatched_lengths", "loss_list", _compile2(optimizer="sgd", loss=["mse", "mse", "mse"]), ValueError,
    "3")
add("compile", "mismatched_lengths", "loss_weights_list", _compile2(optimizer="sgd", loss="mse", loss_weights=[1.0]),
    ValueError, "loss_weights")
add("compile", "dict_keys", "unknown_keyword", _compile(optimizer="sgd", loss="mse", bogus=1), TypeError, "bogus")

# --- optimizers -------------------------------------------------------------------------------------
for name in ("SGD", "Adam", "RMSprop", "Adagrad", "AdamW", "Nadam", "Adamax", "Adadelta", "Ftrl", "Lion", "Lamb"):
    opt = lambda tmp, name=name, **kw: getattr(keras().optimizers, name)(**kw)  # noqa: E731
    add(name, "hyperparameter", "learning_rate_negative", lambda tmp, o=opt: o(tmp, learning_rate=-0.1), ValueError,
        "learning_rate")
    add(name, "hyperparameter", "learning_rate_nan", lambda tmp, o=opt: o(tmp, learning_rate=NAN), ValueError,
        "learning_rate")
    add(name, "wrong_type", "learning_rate_string", lambda tmp, o=opt: o(tmp, learning_rate="0.1"), ValueError,
        "learning_rate")
    add(name, "hyperparameter", "clipnorm_negative", lambda tmp, o=opt: o(tmp, clipnorm=-1.0), ValueError, "clipnorm")
    add(name, "dict_keys", "unknown_keyword", lambda tmp, o=opt: o(tmp, bogus=1.0), ValueError, "bogus")
add("Adam", "hyperparameter", "beta_1_above_1", lambda tmp: keras().optimizers.Adam(beta_1=1.5), ValueError, "beta_1")
add("Adam", "hyperparameter", "epsilon_nan", lambda tmp: keras().optimizers.Adam(epsilon=NAN), ValueError, "epsilon")
add("SGD", "hyperparameter", "momentum_nan", lambda tmp: keras().optimizers.SGD(momentum=NAN), ValueError, "momentum")
add("ExponentialDecay", "hyperparameter", "decay_steps_zero",
    lambda tmp: keras().optimizers.schedules.ExponentialDecay(0.1, decay_steps=0, decay_rate=0.9), ValueError,
    "decay_steps")
add("PiecewiseConstantDecay", "mismatched_lengths", "values",
    lambda tmp: keras().optimizers.schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5]), ValueError, "values")
add("optimizers.get", "unknown_name", "name", lambda tmp: keras().optimizers.get("adamm"), ValueError, "adamm")
add("optimizers.get", "dict_keys", "config_without_class_name",
    lambda tmp: keras().optimizers.get({"config": {}}), ValueError, "Could not interpret optimizer config")

# --- losses, metrics, activations, initializers, regularizers, constraints ------------------------
for module, name in [("losses", "msee"), ("metrics", "acc2"), ("activations", "relu7"), ("initializers", "glorot"),
                     ("regularizers", "l3"), ("constraints", "positive")]:
    add(f"{module}.get", "unknown_name", "name", lambda tmp, m=module, n=name: getattr(keras(), m).get(n), ValueError, name)
    add(f"{module}.get", "wrong_type", "number", lambda tmp, m=module: getattr(keras(), m).get(5), ValueError, "5")
add("losses.MeanSquaredError", "wrong_width", "call_shapes",
    lambda tmp: keras().losses.MeanSquaredError()(np.zeros((4, 2)), np.zeros((4, 3))), ValueError, "same shape")
add("losses.MeanSquaredError", "mismatched_lengths", "call_lengths",
    lambda tmp: keras().losses.MeanSquaredError()(np.zeros((4, 1)), np.zeros((5, 1))), ValueError,
    "same number of samples")
add("losses.MeanSquaredError", "unknown_name", "reduction",
    lambda tmp: keras().losses.MeanSquaredError(reduction="average"), ValueError, "average")
add("losses.SparseCategoricalCrossentropy", "labels", "label_out_of_range",
    lambda tmp: keras().losses.SparseCategoricalCrossentropy()(np.array([0, 3]), np.full((2, 3), 1 / 3)), ValueError,
    "Received a label value of 3")
WIDE = 20_000_000  # predictions so wide that reading a narrower target row by row runs off its buffer
add("losses.MeanSquaredError", "wrong_width", "narrow_targets_wide_predictions",
    lambda tmp: keras().losses.MeanSquaredError()(np.zeros((1, 1)), np.zeros((1, WIDE))), ValueError, "same shape")
add("losses.mean_squared_error", "wrong_width", "narrow_targets_wide_predictions",
    lambda tmp: keras().losses.mean_squared_error(np.zeros((1, 1)), np.zeros((1, WIDE))), ValueError, "same shape")
add("losses.CategoricalCrossentropy", "wrong_width", "call_shapes",
    lambda tmp: keras().losses.CategoricalCrossentropy()(np.eye(4, 2), np.full((4, 3), 1 / 3)), ValueError, "same shape")
add("losses.SparseCategoricalCrossentropy", "labels", "fractional_label",
    lambda tmp: keras().losses.SparseCategoricalCrossentropy()(np.array([0, 1.5]), np.full((2, 3), 1 / 3)), ValueError,
    "1.5")
add("metrics.AUC", "wrong_width", "narrow_targets_wide_predictions",
    lambda tmp: keras().metrics.AUC().update_state(np.zeros((1, 2)), np.zeros((1, WIDE))), ValueError,
    "target.shape=(None, 2)")
add("metrics.MeanSquaredError", "wrong_width", "narrow_targets_wide_predictions",
    lambda tmp: keras().metrics.MeanSquaredError().update_state(np.zeros((1, 2)), np.zeros((1, WIDE))), ValueError,
    "target.shape=(None, 2)")
add("metrics.SparseCategoricalCrossentropy", "labels", "label_out_of_range",
    lambda tmp: keras().metrics.SparseCategoricalCrossentropy().update_state(np.array([0, 5]), np.full((2, 3), 1 / 3)),
    ValueError, "Received a label value of 5")
add("metrics.AUC", "hyperparameter", "num_thresholds_1", lambda tmp: keras().metrics.AUC(num_thresholds=1), ValueError,
    "num_thresholds")
add("metrics.Precision", "hyperparameter", "threshold_above_1", lambda tmp: keras().metrics.Precision(thresholds=1.5),
    ValueError, "1.5")
add("metrics.MeanSquaredError", "mismatched_lengths", "update_state",
    lambda tmp: keras().metrics.MeanSquaredError().update_state(np.zeros((4, 1)), np.zeros((5, 1))), ValueError,
    "same number of samples")
for name, arg in [("L1", "l1"), ("L2", "l2")]:
    for detail, value in [("negative", -0.1), ("nan", NAN), ("inf", INF)]:
        add(f"regularizers.{name}", "hyperparameter", f"{arg}_{detail}",
            lambda tmp, n=name, v=value: getattr(keras().regularizers, n)(v), ValueError, arg)
add("initializers.VarianceScaling", "hyperparameter", "scale_negative",
    lambda tmp: keras().initializers.VarianceScaling(scale=-1.0), ValueError, "scale")
add("initializers.VarianceScaling", "unknown_name", "mode",
    lambda tmp: keras().initializers.VarianceScaling(mode="fan_sideways"), ValueError, "fan_sideways")
add("initializers.VarianceScaling", "unknown_name", "distribution",
    lambda tmp: keras().initializers.VarianceScaling(distribution="cauchy"), ValueError, "cauchy")

# --- callbacks ----------------------------------------------------------------------------------------
def _fit_with(callback_factory):
    def run(tmp):
        callback = callback_factory(tmp)
        return regressor().fit(x(), y(), epochs=2, verbose=0, callbacks=[callback])
    return run


CB = lambda: keras().callbacks  # noqa: E731
add("ReduceLROnPlateau", "hyperparameter", "factor_1", lambda tmp: CB().ReduceLROnPlateau(factor=1.0), ValueError,
    "factor")
add("ModelCheckpoint", "unknown_name", "save_freq", lambda tmp: CB().ModelCheckpoint(str(tmp / "m.keras"),
                                                                                     save_freq="daily"),
    ValueError, "daily")
add("ModelCheckpoint", "wrong_type", "weights_only_path",
    lambda tmp: CB().ModelCheckpoint(str(tmp / "m.keras"), save_weights_only=True), ValueError, ".weights.h5")
add("EarlyStopping", "unknown_name", "monitor_not_logged",
    _fit_with(lambda tmp: CB().EarlyStopping(monitor="val_los", restore_best_weights=True)), ValueError, "val_los")
add("LearningRateScheduler", "wrong_type", "schedule_returns_string",
    _fit_with(lambda tmp: CB().LearningRateScheduler(lambda epoch, lr: "fast")), ValueError, "float")
add("LearningRateScheduler", "nonfinite", "schedule_returns_nan",
    _fit_with(lambda tmp: CB().LearningRateScheduler(lambda epoch, lr: NAN)), ValueError, "nan")
add("CSVLogger", "corrupt_file", "directory_as_file", _fit_with(lambda tmp: CB().CSVLogger(str(tmp))), OSError,
    str("Is a directory"))
add("BackupAndRestore", "wrong_type", "backup_dir_empty", lambda tmp: CB().BackupAndRestore(backup_dir=""), ValueError,
    "backup_dir")

# --- set_weights ---------------------------------------------------------------------------------------
add("set_weights", "mismatched_lengths", "too_few", lambda tmp: regressor().set_weights([np.zeros((3, 4))]), ValueError,
    "4")
add("set_weights", "wrong_width", "kernel_shape",
    lambda tmp: regressor().set_weights([np.zeros((3, 5)), np.zeros(4), np.zeros((4, 1)), np.zeros(1)]), ValueError,
    "(3, 5)")
add("set_weights", "wrong_dtype", "strings",
    lambda tmp: regressor().set_weights([w.astype(str) for w in regressor().get_weights()]), TypeError,
    "must hold real numbers")
add("set_weights", "wrong_type", "none", lambda tmp: regressor().set_weights(None), TypeError, "None")

# --- utils and config ---------------------------------------------------------------------------------
add("to_categorical", "labels", "label_above_num_classes", lambda tmp: keras().utils.to_categorical([0, 3], 3),
    ValueError, "3")
add("to_categorical", "labels", "negative_label", lambda tmp: keras().utils.to_categorical([0, -1], 3), ValueError,
    "-1")
add("to_categorical", "labels", "fractional_label", lambda tmp: keras().utils.to_categorical([0, 1.5], 3), ValueError,
    "1.5")
add("to_categorical", "hyperparameter", "num_classes_negative", lambda tmp: keras().utils.to_categorical([0], -2),
    ValueError, "num_classes")
add("set_random_seed", "wrong_type", "string", lambda tmp: keras().utils.set_random_seed("7"), ValueError, "seed")
add("set_num_threads", "hyperparameter", "zero", lambda tmp: keras().config.set_num_threads(0), ValueError, "n")
add("set_num_threads", "wrong_type", "float", lambda tmp: keras().config.set_num_threads(2.0), ValueError, "n")

CASES = table.cases
