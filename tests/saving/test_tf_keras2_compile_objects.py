"""Legacy ``.h5`` files of tf.keras 2.x models compiled with loss and metric *objects*
(tests/data/keras/make_tf_keras2_reference_files.py, ``tf2_compiled_*.h5``): tf.keras 2.15 saves
them in ``training_config`` as class dicts without a ``module`` (``{"class_name": "AUC",
"config": {...}}``), a metric given by name as a ``MeanMetricWrapper``. densekit compiles the
model with its equivalents: the same values in ``evaluate``, the same names in the history,
and training continues where tf.keras 2.x's did."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

h5py = pytest.importorskip("h5py", reason="Keras files need h5py (pip install 'densekit[keras]')")

import densekit as keras  # noqa: E402
from densekit import _core  # noqa: E402

KERAS_DIR = Path(__file__).resolve().parent.parent / "data" / "keras"

# Per file: the loss class and the settings it was made with, the metric classes tf.keras 2.x
# saved (a name passed as a string is a MeanMetricWrapper there and a string here).
TASKS = {
    "binary": ("BinaryCrossentropy", {"from_logits": False, "label_smoothing": 0.0},
               ["AUC", "Precision", "Recall", "accuracy"]),
    "categorical": ("CategoricalCrossentropy", {"from_logits": False, "label_smoothing": 0.1},
                    ["CategoricalAccuracy", "TopKCategoricalAccuracy", "accuracy"]),
    "sparse": ("SparseCategoricalCrossentropy", {"from_logits": False}, ["accuracy", "SparseCategoricalAccuracy"]),
    "regression": ("MeanSquaredError", {}, ["RootMeanSquaredError", "MeanAbsoluteError", "mae"]),
}


@pytest.fixture(scope="module")
def expected():
    with np.load(KERAS_DIR / "expected_tf_keras2.npz") as f:
        return dict(f)


def compile_config(model):
    return json.loads(_core.model_config_json(model._core))["compile_config"]


@pytest.mark.parametrize("task", TASKS)
def test_loss_and_metric_objects_come_across(task, expected):
    model = keras.models.load_model(KERAS_DIR / f"tf2_compiled_{task}.h5")
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected[f"{task}/y"], rtol=1e-5, atol=1e-6)
    config = compile_config(model)
    loss_class, loss_settings, metric_classes = TASKS[task]
    assert config["loss"]["class_name"] == loss_class
    assert {k: config["loss"]["config"][k] for k in loss_settings} == pytest.approx(loss_settings)
    assert config["loss"]["config"]["reduction"] == "sum_over_batch_size"  # tf.keras 2.x's "auto"
    assert [m if isinstance(m, str) else m["class_name"] for m in config["metrics"]] == metric_classes
    if task == "binary":
        auc, precision, recall, _ = config["metrics"]
        assert auc["config"]["num_thresholds"] == 200 and precision["config"]["thresholds"] == 0.5
        assert recall["config"]["thresholds"] == pytest.approx(0.4)
    if task == "categorical":
        assert config["metrics"][1]["config"]["k"] == 2


@pytest.mark.parametrize("task", TASKS)
def test_evaluate_gives_tf_keras2_values_under_its_names(task, expected):
    """The metrics compute what tf.keras 2.x computed (AUC, a recall at 0.4, top-2 accuracy, a
    smoothed cross-entropy, ...): a setting lost on the way would change a value."""
    model = keras.models.load_model(KERAS_DIR / f"tf2_compiled_{task}.h5")
    values = model.evaluate(expected["train_x"], expected[f"{task}/train_y"], batch_size=16, verbose=0,
                            return_dict=True)
    theirs = dict(zip(expected[f"{task}/evaluate_names"].tolist(), expected[f"{task}/evaluate_values"]))
    assert sorted(values) == sorted(theirs)
    for name, value in theirs.items():
        assert values[name] == pytest.approx(value, rel=1e-5, abs=1e-6), name


@pytest.mark.parametrize("task", TASKS)
def test_training_continues_with_tf_keras2_names_in_the_history(task, expected):
    model = keras.models.load_model(KERAS_DIR / f"tf2_compiled_{task}.h5")
    train_x, train_y = expected["train_x"], expected[f"{task}/train_y"]
    model.train_on_batch(train_x[:8], train_y[:8])
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected[f"{task}/y_after_step"],
                               rtol=1e-5, atol=1e-6)
    history = model.fit(train_x, train_y, batch_size=8, epochs=2, verbose=0)
    assert sorted(history.history) == sorted(expected[f"{task}/history"].tolist())
    assert model.optimizer.iterations == 4 + 1 + 4


def test_f1_score_compiled_by_tf_keras2_loads(expected):
    """tf.keras 2.15 wrote tf2_compiled_f1.h5 with ``metrics=[tf.keras.metrics.F1Score()]``."""
    model = keras.models.load_model(KERAS_DIR / "tf2_compiled_f1.h5")
    assert model.compiled and [layer.name for layer in model.layers] == ["hidden", "out"]
    assert [m.name for per_output in model._compiled_metrics for m in per_output] == ["f1_score"]


def with_training_config(tmp_path, change):
    """A copy of tf2_compiled_binary.h5 whose training_config ``change`` edits."""
    path = tmp_path / "m.h5"
    shutil.copy(KERAS_DIR / "tf2_compiled_binary.h5", path)
    with h5py.File(path, "r+") as f:
        training = json.loads(f.attrs["training_config"])
        change(training)
        f.attrs["training_config"] = json.dumps(training)
    return path


# Settings densekit's compile-config reader would drop (so another value would be reported
# under Keras's name), written as tf.keras 2.15 writes them.
@pytest.mark.parametrize("where, setting, value, message", [
    (("metrics", 0, 1), "top_k", 1, r"metric 'precision' \(Precision\) has top_k=1"),
    (("metrics", 0, 2), "class_id", 0, r"metric 'recall' \(Recall\) has class_id=0"),
])
def test_metric_settings_densekit_does_not_compute_are_refused(where, setting, value, message, tmp_path):
    key, output, index = where
    path = with_training_config(tmp_path, lambda t: t[key][output][index]["config"].update({setting: value}))
    with pytest.raises(ValueError, match=r"m\.h5': " + message):
        keras.models.load_model(path)
    assert not keras.models.load_model(path, compile=False).compiled


def test_auc_settings_and_crossentropy_on_logits_load(tmp_path):
    """AUC(curve="PR", multi_label=True) and BinaryCrossentropy(from_logits=True), as tf.keras
    2.15 writes them, load compiled and are computed."""
    metric = {"class_name": "BinaryCrossentropy", "config": {"name": "bce", "dtype": "float32", "from_logits": True,
                                                             "label_smoothing": 0.0}}

    def change(training):
        training["metrics"][0][0]["config"].update({"curve": "PR", "multi_label": True})
        training["metrics"][0].append(metric)
    model = keras.models.load_model(with_training_config(tmp_path, change))
    expected = np.load(KERAS_DIR / "expected_tf_keras2.npz")
    logs = model.evaluate(expected["train_x"], expected["binary/train_y"], verbose=0, return_dict=True)
    assert {"auc", "bce"} <= set(logs) and all(np.isfinite(logs[k]) for k in ("auc", "bce"))