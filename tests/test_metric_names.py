"""How compiled metrics are named (keras/src/trainers/compile_utils.py, get_metric and
CompileMetrics.result) and how metric objects name themselves (keras/src/metrics/metric.py):
a string names its metric as written, a metric class with a default name keeps it, one without
(Precision, Recall, AUC) is auto-named and made unique."""

import csv
import json
import zipfile

import numpy as np
import pytest

import densekit as keras
from densekit import metrics as M
from file_helpers import requires_h5py
from keras_live import run_keras


def _binary_data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    y = (x[:, :1] + 0.5 * rng.normal(size=(n, 1)) > 0).astype(np.float32)
    return x, y


def _model(units=1, activation="sigmoid"):
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation=activation)])


def _fit_keys(metrics, loss="binary_crossentropy", **fit_kwargs):
    x, y = _binary_data()
    model = _model()
    model.compile(optimizer="sgd", loss=loss, metrics=metrics)
    history = model.fit(x, y, validation_data=(x[:16], y[:16]), epochs=1, batch_size=16, verbose=0, **fit_kwargs)
    return model, list(history.history)


@pytest.mark.parametrize("identifier", ["RootMeanSquaredError", "MeanAbsoluteError", "MAE", "mae", "mse",
                                        "root_mean_squared_error", "BinaryAccuracy", "binary_accuracy", "acc"])
def test_a_string_metric_is_named_by_the_string(identifier):
    _, keys = _fit_keys([identifier], loss="mse")
    assert keys == sorted(["loss", identifier, "val_loss", "val_" + identifier])


def test_class_names_of_the_imbalanced_data_tutorial_keep_their_case():
    _, keys = _fit_keys(["AUC", "Precision", "Recall"])
    assert keys == ["AUC", "Precision", "Recall", "loss", "val_AUC", "val_Precision", "val_Recall", "val_loss"]


def test_string_and_lower_case_string_of_a_class_are_two_names():
    model, keys = _fit_keys(["AUC", "auc"])
    assert keys == ["AUC", "auc", "loss", "val_AUC", "val_auc", "val_loss"]
    x, y = _binary_data()
    out = model.evaluate(x, y, verbose=0, return_dict=True)
    assert out["AUC"] == pytest.approx(out["auc"])  # the same metric under two names


def test_the_printed_line_and_the_csv_columns_use_the_string(tmp_path, capsys):
    path = tmp_path / "log.csv"
    _fit_keys(["RootMeanSquaredError"], loss="mse", callbacks=[keras.callbacks.CSVLogger(str(path))])
    with open(path, newline="") as f:
        assert next(csv.reader(f)) == ["epoch", "RootMeanSquaredError", "loss", "val_RootMeanSquaredError",
                                       "val_loss"]
    x, y = _binary_data()
    model = _model()
    model.compile(optimizer="sgd", loss="mse", metrics=["RootMeanSquaredError"])
    capsys.readouterr()
    model.fit(x, y, epochs=1, batch_size=16, verbose=2)
    line = capsys.readouterr().out
    assert " - RootMeanSquaredError: " in line and "root_mean_squared_error" not in line


def test_callbacks_find_the_direction_under_the_string_name():
    from densekit.callbacks.monitor_callback import monitor_direction
    import operator

    model = _model()
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["AUC", "RootMeanSquaredError"])
    assert monitor_direction(model, "val_AUC") is operator.gt
    assert monitor_direction(model, "RootMeanSquaredError") is operator.lt


@requires_h5py
def test_a_loaded_model_names_its_metrics_as_compiled(tmp_path):
    x, y = _binary_data()
    model = _model()
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["AUC", "RootMeanSquaredError"])
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:  # saved as given, as Keras saves compile()'s strings
        assert json.loads(archive.read("config.json"))["compile_config"]["metrics"] == ["AUC", "RootMeanSquaredError"]
    loaded = keras.models.load_model(path)
    assert sorted(loaded.evaluate(x, y, verbose=0, return_dict=True)) == ["AUC", "RootMeanSquaredError", "loss"]


def test_metric_objects_with_a_default_name_are_not_made_unique():
    assert [M.SparseCategoricalAccuracy().name for _ in range(3)] == ["sparse_categorical_accuracy"] * 3
    assert [M.MeanAbsoluteError().name for _ in range(2)] == ["mean_absolute_error"] * 2
    assert [M.RootMeanSquaredError().name for _ in range(2)] == ["root_mean_squared_error"] * 2
    assert M.BinaryAccuracy(name="acc").name == "acc"


def test_metric_objects_without_a_default_name_are_auto_named():
    assert [M.Precision().name, M.Precision().name, M.AUC().name, M.Recall().name] == \
        ["precision", "precision_1", "auc", "recall"]
    # name=None explicitly: Keras auto-names even a class with a default name
    assert [M.MeanSquaredError(name=None).name, M.MeanSquaredError(name=None).name] == \
        ["mean_squared_error", "mean_squared_error_1"]


def test_compile_still_makes_repeated_names_unique():
    x, y = _binary_data()
    model = _model(units=3, activation="softmax")
    labels = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=[M.SparseCategoricalAccuracy(), M.SparseCategoricalAccuracy(), "sparse_categorical_accuracy"],
                  weighted_metrics=[M.SparseCategoricalAccuracy(), M.SparseCategoricalAccuracy()])
    history = model.fit(x, labels, epochs=1, verbose=0)
    assert list(history.history) == ["loss", "sparse_categorical_accuracy", "sparse_categorical_accuracy_1",
                                     "sparse_categorical_accuracy_2", "weighted_sparse_categorical_accuracy",
                                     "weighted_sparse_categorical_accuracy_1"]


def test_metrics_get_returns_metric_objects_as_keras_does():
    # keras/src/metrics/__init__.py: a class (by its name, snake_case name or short alias) made
    # into an instance; a dict deserialized; an instance or a function as it is.
    import densekit as keras
    M = keras.metrics
    expected = {"accuracy": M.Accuracy, "Accuracy": M.Accuracy, "mse": M.MeanSquaredError, "MAPE":
                M.MeanAbsolutePercentageError, "auc": M.AUC, "AUC": M.AUC, "binary_accuracy": M.BinaryAccuracy,
                "categorical_crossentropy": M.CategoricalCrossentropy, "bce": M.BinaryCrossentropy}
    for name, cls in expected.items():
        metric = M.get(name)
        assert type(metric) is cls, name
        assert repr(metric) == f"<{cls.__name__} name={metric.name}>"
    auc = M.AUC()
    assert M.get(auc) is auc and M.get(None) is None and M.get(M.binary_accuracy) is M.binary_accuracy
    assert M.get({"class_name": "Precision", "config": {"thresholds": 0.3}}).get_config()["thresholds"] == 0.3
    with pytest.raises(ValueError, match="Could not interpret metric identifier: nope"):
        M.get("nope")
    with pytest.raises(TypeError, match="recall"):
        M.get("precision_at_recall")


ORDER_SCRIPT = """
import json
import numpy as np
import keras
x = np.linspace(-1, 1, 24).reshape(8, 3).astype("float32")
y, w = x[:, :2] * 2, np.linspace(0.1, 1, 8).astype("float32")
m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, kernel_initializer="ones")])
m.compile("sgd", "mse", metrics=["mae", "mae", "mse"], weighted_metrics=["mae", "mse", "mean_squared_error"])
print(json.dumps([m.evaluate(x, y, sample_weight=w, verbose=0), m.test_on_batch(x, y, sample_weight=w)]))
"""


def test_evaluate_lists_values_in_keras_order_repeats_included():
    # keras/src/trainers/trainer.py, _flatten_metrics_in_order: each compiled metric's own name in
    # compile order (metrics, then weighted metrics; a name met twice gives its value twice), then
    # the keys not listed yet, sorted: mae_1, weighted_mae, weighted_mse.
    x = np.linspace(-1, 1, 24).reshape(8, 3).astype("float32")
    y, w = x[:, :2] * 2, np.linspace(0.1, 1, 8).astype("float32")
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, kernel_initializer="ones")])
    m.compile("sgd", "mse", metrics=["mae", "mae", "mse"], weighted_metrics=["mae", "mse", "mean_squared_error"])
    ours = [m.evaluate(x, y, sample_weight=w, verbose=0), m.test_on_batch(x, y, sample_weight=w)]
    logs = m.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    order = ["loss", "mae", "mae", "mse", "mae", "mse", "mean_squared_error", "mae_1", "weighted_mae", "weighted_mse"]
    assert ours[0] == [logs[key] for key in order] == ours[1]
    assert logs["weighted_mae"] != logs["mae"]
    np.testing.assert_allclose(ours, run_keras(ORDER_SCRIPT), rtol=1e-5)


def test_compiled_strings_take_auto_names_when_the_metrics_meet_data():
    """Keras instantiates a string's metric class (and wraps a function in a MeanMetricWrapper)
    when its compiled metrics first meet data, auto-naming those without a default name: a
    metric object made afterwards is numbered after them. Figures measured in Keras 3.15.1."""
    x, y = _binary_data(8)
    inp = keras.Input((4,))
    a = keras.layers.Dense(1, activation="sigmoid", name="a")(inp)
    b = keras.layers.Dense(1, activation="sigmoid", name="b")(inp)
    model = keras.Model(inp, [a, b])
    model.compile("adam", ["binary_crossentropy", "mse"],
                  metrics={"b": ["recall", keras.metrics.mean_squared_error], "a": ["AUC"]},
                  weighted_metrics=[["precision"], ["acc"]])

    def names():
        return [M.AUC().name, M.Recall().name, M.Precision().name]
    assert names() == ["auc", "recall", "precision"]  # compile() alone names nothing
    model.evaluate(x, [y, y], verbose=0)
    assert names() == ["auc_2", "recall_2", "precision_2"]
    assert M.MeanMetricWrapper(keras.metrics.mean_squared_error).name == "mean_metric_wrapper_1"
    model.fit(x, [y, y], verbose=0)  # once per compile()
    assert names() == ["auc_3", "recall_3", "precision_3"]

    model = _model()
    model.compile("adam", "binary_crossentropy", metrics=["AUC", M.AUC(), "mse", "accuracy"])
    history = model.fit(x, y, verbose=0)
    assert sorted(history.history) == ["AUC", "accuracy", "auc_4", "loss", "mse"]
    assert M.AUC().name == "auc_6"
