"""keras.metrics's functions and Accuracy (keras/src/metrics/accuracy_metrics.py,
reduction_metrics.py): the accuracies as per-sample functions, the loss functions under their
keras.metrics names, MeanMetricWrapper of them with arguments, Keras's names for each in
compile(), and the compile configs Keras writes for them read and written back. Values and
shapes marked "Keras 3.15.1" were measured with it."""

import json
import zipfile

import numpy as np
import pytest

import densekit as keras
from densekit import metrics as M
from file_helpers import requires_h5py
from keras_live import run_keras


def f32(values):
    return np.array(values, dtype=np.float32)


# --- the accuracies as functions --------------------------------------------------------------
def test_accuracy_functions_return_keras_values_and_shapes():
    # Keras 3.15.1: binary_accuracy keeps every output; labels (N,) beside outputs (N, 1) align.
    out = M.binary_accuracy(f32([1, 0, 1]), f32([[0.7], [0.2], [0.4]]))
    assert out.shape == (3, 1) and out.dtype == np.float32
    np.testing.assert_array_equal(out, [[1], [1], [0]])
    np.testing.assert_array_equal(M.binary_accuracy(f32([[1, 0], [1, 1]]), f32([[0.7, 0.2], [0.2, 0.6]])),
                                  [[1, 1], [0, 1]])
    np.testing.assert_array_equal(M.binary_accuracy(f32([[1], [1]]), f32([[0.6], [0.8]]), threshold=0.7), [[0], [1]])
    scores = f32([[0.3, 0.7], [0.2, 0.8]])
    for labels in (f32([[1], [0]]), f32([1, 0])):
        out = M.sparse_categorical_accuracy(labels, scores)
        assert out.shape == (2,)
        np.testing.assert_array_equal(out, [1, 0])
    np.testing.assert_array_equal(M.categorical_accuracy(f32([[0, 1], [1, 0]]), scores), [1, 0])
    three = f32([[0.3, 0.7, 0.0], [0.2, 0.8, 0.0]])
    np.testing.assert_array_equal(M.top_k_categorical_accuracy(f32([[0, 1, 0], [1, 0, 0]]), three, k=1), [1, 0])
    np.testing.assert_array_equal(M.top_k_categorical_accuracy(f32([[0, 1, 0], [1, 0, 0]]), three, k=2), [1, 1])
    out = M.sparse_top_k_categorical_accuracy(f32([[1], [0]]), three, k=1)
    assert out.shape == (2, 1)  # (N, 1) labels keep their shape here, as in Keras
    np.testing.assert_array_equal(out, [[1], [0]])


def test_accuracy_functions_match_a_numpy_reference():
    rng = np.random.default_rng(0)
    p = rng.random((200, 5)).astype(np.float32)
    labels = rng.integers(0, 5, 200)
    onehot = np.eye(5, dtype=np.float32)[labels]
    np.testing.assert_array_equal(M.categorical_accuracy(onehot, p), (p.argmax(1) == labels).astype(np.float32))
    np.testing.assert_array_equal(M.sparse_categorical_accuracy(labels, p), (p.argmax(1) == labels).astype(np.float32))
    rank = (p > p[np.arange(200), labels][:, None]).sum(1)  # classes scored above the label's
    np.testing.assert_array_equal(M.sparse_top_k_categorical_accuracy(labels, p, k=3), (rank < 3).astype(np.float32))
    y = rng.integers(0, 2, (200, 5)).astype(np.float32)
    np.testing.assert_array_equal(M.binary_accuracy(y, p, threshold=0.3), (y == (p > 0.3)).astype(np.float32))


def test_labels_that_are_no_class_are_misses():
    scores = f32([[0.3, 0.7], [0.2, 0.8], [0.6, 0.4], [0.1, 0.9]])
    for labels in (f32([np.nan, np.inf, 1e30, -1]), f32([1.5, -np.inf, 2, 3e9])):
        np.testing.assert_array_equal(M.sparse_categorical_accuracy(labels, scores), [0, 0, 0, 0])
        np.testing.assert_array_equal(M.sparse_top_k_categorical_accuracy(labels, scores, k=2), [0, 0, 0, 0])


def test_top_k_rows_with_nan_or_inf_scores_are_misses():
    # TensorFlow's in_top_k, which Keras's top-k accuracies use: a row with a non-finite score
    # is no hit (NaN compares false, so such rows counted as hits).
    scores = f32([[np.nan, np.nan, np.nan], [0.1, np.nan, 0.2], [0.7, np.inf, 0.1], [0.7, 0.2, 0.1]])
    np.testing.assert_array_equal(M.sparse_top_k_categorical_accuracy(f32([0, 1, 0, 0]), scores, k=1), [0, 0, 0, 1])
    np.testing.assert_array_equal(M.top_k_categorical_accuracy(np.eye(3, dtype="float32")[[0, 1, 0, 0]], scores, k=2),
                                  [0, 0, 0, 1])
    assert M.SparseTopKCategoricalAccuracy(k=2)(f32([0, 1]), scores[:2]) == 0.0


def test_accuracy_is_exact_equality_averaged_per_sample():
    # The examples of Keras's docstring, and a weighted one (per-sample means 0.5 and 1).
    m = M.Accuracy()
    assert m.name == "accuracy" and m.get_config() == {"name": "accuracy", "dtype": "float32"}
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    assert m.result() == pytest.approx(0.75)
    m.reset_state()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]], sample_weight=[1, 1, 0, 0])
    assert m.result() == pytest.approx(0.5)
    m.reset_state()
    m.update_state([[1, 2], [2, 2]], [[0, 2], [2, 2]], sample_weight=[1, 3])
    assert m.result() == pytest.approx(0.875)  # Keras 3.15.1


def test_cosine_similarity_is_the_mean_similarity():
    # Keras's docstring: 0.49999997 (here 0.50000006: the last bits of the normalisation).
    m = M.CosineSimilarity(axis=1)
    assert m.name == "cosine_similarity" and m.get_config() == {"name": "cosine_similarity", "dtype": "float32"}
    m.update_state([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]])
    assert m.result() == pytest.approx(0.5, abs=1e-6)
    m.reset_state()
    m.update_state([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]], sample_weight=[0.3, 0.7])
    assert m.result() == pytest.approx(0.7, abs=1e-6)
    rng = np.random.default_rng(2)
    y, p = rng.normal(size=(50, 4)), rng.normal(size=(50, 4))
    m.reset_state()
    m.update_state(y, p)
    unit = lambda v: v / np.linalg.norm(v, axis=1, keepdims=True)  # noqa: E731
    assert m.result() == pytest.approx(np.mean((unit(y) * unit(p)).sum(1)), rel=1e-5)
    with pytest.raises(ValueError, match="axis"):
        M.CosineSimilarity(axis=0)


def test_the_cosine_similarity_function_is_the_loss_and_the_string_the_metric():
    # keras.losses.cosine_similarity is the negated similarity; "cosine_similarity" as a string
    # names the CosineSimilarity metric (Keras's snake case of the class).
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(30, 3)).astype(np.float32), rng.normal(size=(30, 3)).astype(np.float32)
    unit = lambda v: v / np.linalg.norm(v, axis=1, keepdims=True)  # noqa: E731
    for metric, sign in ((keras.losses.cosine_similarity, -1.0), ("cosine_similarity", 1.0)):
        keras.utils.set_random_seed(2)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
        model.compile("sgd", "mse", metrics=[metric])
        got = model.evaluate(x, y, verbose=0, return_dict=True)["cosine_similarity"]
        expected = sign * np.mean((unit(y.astype(np.float64)) * unit(model.predict(x, verbose=0))).sum(1))
        assert got == pytest.approx(expected, rel=1e-5), metric


@requires_h5py
@pytest.mark.parametrize("string", ["Accuracy", "ACC"])
def test_the_string_accuracy_in_any_case_stays_the_shape_chosen_one_in_a_file(string, tmp_path):
    model, x, y = _regression()
    model.compile("sgd", "binary_crossentropy", metrics=[string])
    before = model.evaluate(x, y, verbose=0, return_dict=True)[string]  # named exactly as given
    assert before == pytest.approx(np.mean(y[:, None] == (model.predict(x, verbose=0) > 0.5)))
    path = str(tmp_path / "m.keras")
    model.save(path)
    assert keras.saving.load_model(path).evaluate(x, y, verbose=0, return_dict=True)[string] == before


def test_loss_functions_are_keras_metrics_functions_too():
    for name in ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy", "hinge",
                 "squared_hinge", "categorical_hinge", "huber", "kl_divergence", "log_cosh", "mean_absolute_error",
                 "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error", "poisson"):
        assert getattr(M, name) is getattr(keras.losses, name), name
        assert name in M.__all__


# --- in compile() --------------------------------------------------------------------------------
def _regression():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 3)).astype(np.float32)
    y = (rng.random(40) > 0.5).astype(np.float32)
    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    return model, x, y


def _huber(y, p, delta):
    e = np.abs(p.astype(np.float64) - y.astype(np.float64))
    return np.where(e <= delta, 0.5 * e * e, delta * e - 0.5 * delta * delta).mean(-1)


def test_functions_and_wrappers_in_compile_are_named_and_computed_as_in_keras():
    model, x, y = _regression()
    model.compile("sgd", "binary_crossentropy", metrics=[
        M.MeanMetricWrapper(keras.losses.huber, delta=0.1), M.binary_accuracy, M.Accuracy(), M.huber,
        M.MeanMetricWrapper(M.binary_accuracy, threshold=0.9)])
    got = model.evaluate(x, y, verbose=0, return_dict=True)
    # Keras 3.15.1 names them so: a wrapper by its class (made unique), a function by its name.
    assert set(got) == {"loss", "mean_metric_wrapper", "binary_accuracy", "accuracy", "huber", "mean_metric_wrapper_1"}
    p = model.predict(x, verbose=0)
    y2 = y[:, None]
    assert got["mean_metric_wrapper"] == pytest.approx(_huber(y2, p, 0.1).mean(), rel=1e-5)
    assert got["huber"] == pytest.approx(_huber(y2, p, 1.0).mean(), rel=1e-5)
    assert got["binary_accuracy"] == pytest.approx(np.mean(y2 == (p > 0.5)))
    assert got["mean_metric_wrapper_1"] == pytest.approx(np.mean(y2 == (p > 0.9)))
    assert got["accuracy"] == pytest.approx(np.mean(y2 == p))


def test_a_wrapper_takes_its_functions_arguments_only():
    with pytest.raises(TypeError, match="binary_accuracy.*'k'"):
        M.MeanMetricWrapper(M.binary_accuracy, k=3)
    with pytest.raises(TypeError, match="categorical_accuracy.*'threshold'"):
        M.MeanMetricWrapper(M.categorical_accuracy, threshold=0.3)
    with pytest.raises(TypeError, match="binary_accuracy.*'delta'"):
        M.binary_accuracy(f32([1]), f32([0.2]), delta=1.0)
    with pytest.raises(NotImplementedError, match="from_sorted_ids"):
        M.sparse_top_k_categorical_accuracy(f32([1]), f32([[0, 1]]), from_sorted_ids=True)
    with pytest.raises(ValueError, match="one-hot targets as wide as the outputs"):
        M.categorical_accuracy(f32([[0, 1, 0]]), f32([[0.2, 0.8]]))
    with pytest.raises(TypeError, match="delta"):
        M.MeanMetricWrapper(M.binary_crossentropy, delta=1.0)
    logits = M.MeanMetricWrapper(M.binary_crossentropy, from_logits=True)
    logits.update_state(f32([[1], [0]]), f32([[2.0], [-1.0]]))
    assert logits.result() == pytest.approx(np.mean(np.log1p(np.exp([-2.0, -1.0]))), rel=1e-6)
    wrapper = M.MeanMetricWrapper(M.top_k_categorical_accuracy, k=1)
    wrapper.update_state(f32([[0, 1, 0], [1, 0, 0]]), f32([[0.3, 0.7, 0.0], [0.2, 0.8, 0.0]]))
    assert wrapper.result() == pytest.approx(0.5)
    assert wrapper.get_config()["k"] == 1


def test_a_loss_function_records_itself_inside_a_traced_metric():
    def shifted_huber(y_true, y_pred):
        return keras.losses.huber(y_true, y_pred + 0.5, delta=0.25)

    model, x, y = _regression()
    model.compile("sgd", "binary_crossentropy", metrics=[shifted_huber])
    got = model.evaluate(x, y, verbose=0, return_dict=True)["shifted_huber"]
    assert got == pytest.approx(_huber(y[:, None], model.predict(x, verbose=0) + 0.5, 0.25).mean(), rel=1e-5)


# --- compile configs ------------------------------------------------------------------------------
# The metrics of a compile config Keras 3.15.1 wrote for the metrics of the compile() above.
KERAS_METRICS_CONFIG = [
    {"module": "keras.metrics", "class_name": "MeanMetricWrapper",
     "config": {"name": "mean_metric_wrapper", "dtype": "float32",
                "fn": {"module": "builtins", "class_name": "function", "config": "huber", "registered_name": "function"},
                "delta": 0.1}, "registered_name": None},
    {"module": "builtins", "class_name": "function", "config": "binary_accuracy", "registered_name": "function"},
    {"module": "keras.metrics", "class_name": "Accuracy", "config": {"name": "accuracy", "dtype": "float32"},
     "registered_name": None},
    {"module": "builtins", "class_name": "function", "config": "huber", "registered_name": "function"},
    {"module": "keras.metrics", "class_name": "MeanMetricWrapper",
     "config": {"name": "mean_metric_wrapper_1", "dtype": "float32",
                "fn": {"module": "builtins", "class_name": "function", "config": "binary_accuracy",
                       "registered_name": "function"}, "threshold": 0.9}, "registered_name": None},
]


def _with_compile_metrics(path, metrics):
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    config["compile_config"]["metrics"] = metrics
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


@requires_h5py
def test_kerass_compile_config_for_them_is_read_and_written_back_as_keras_writes_it(tmp_path):
    model, x, y = _regression()
    model.compile("sgd", "binary_crossentropy", metrics=["mse"])
    path = str(tmp_path / "m.keras")
    model.save(path)
    _with_compile_metrics(path, KERAS_METRICS_CONFIG)
    loaded = keras.saving.load_model(path)
    got = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert set(got) == {"loss", "mean_metric_wrapper", "binary_accuracy", "accuracy", "huber", "mean_metric_wrapper_1"}
    p = loaded.predict(x, verbose=0)
    assert got["mean_metric_wrapper"] == pytest.approx(_huber(y[:, None], p, 0.1).mean(), rel=1e-5)
    assert got["mean_metric_wrapper_1"] == pytest.approx(np.mean(y[:, None] == (p > 0.9)))
    again = str(tmp_path / "again.keras")
    loaded.save(again)
    with zipfile.ZipFile(again) as archive:
        written = json.loads(archive.read("config.json"))["compile_config"]["metrics"]
    assert written == KERAS_METRICS_CONFIG


@requires_h5py
def test_a_wrapper_of_a_focal_function_keeps_its_arguments(tmp_path):
    model, x, y = _regression()
    model.compile("sgd", "mse", metrics=[M.MeanMetricWrapper(keras.losses.binary_focal_crossentropy, gamma=4.0,
                                                             name="focal")])
    got = model.evaluate(x, y, verbose=0, return_dict=True)["focal"]
    expected = np.mean(keras.losses.binary_focal_crossentropy(y[:, None], model.predict(x, verbose=0), gamma=4.0))
    assert got == pytest.approx(expected, rel=1e-5)
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        written = json.loads(archive.read("config.json"))["compile_config"]["metrics"][0]
    assert written["class_name"] == "MeanMetricWrapper" and written["config"]["gamma"] == 4.0
    assert keras.saving.load_model(path).evaluate(x, y, verbose=0, return_dict=True)["focal"] == pytest.approx(got)


@requires_h5py
def test_a_wrapper_of_no_function_of_kerass_is_refused_clearly(tmp_path):
    model, _, _ = _regression()
    model.compile("sgd", "mse")
    path = str(tmp_path / "m.keras")
    model.save(path)
    bad = {"module": "keras.metrics", "class_name": "MeanMetricWrapper", "config": {"name": "w", "fn": 3}}
    _with_compile_metrics(path, [bad])
    with pytest.raises(ValueError, match="MeanMetricWrapper"):
        keras.saving.load_model(path)
    unknown_argument = {"module": "keras.metrics", "class_name": "MeanMetricWrapper",
                        "config": {"name": "w", "fn": {"class_name": "function", "config": "huber"}, "beta": 2}}
    _with_compile_metrics(path, [unknown_argument])
    with pytest.raises(ValueError, match="`beta`"):
        keras.saving.load_model(path)
    _with_compile_metrics(path, [{"module": "builtins", "class_name": "function", "config": "no_such_function"}])
    with pytest.raises(ValueError, match="no_such_function"):
        keras.saving.load_model(path)


KERAS_EVALUATES = """
import json, sys
import numpy as np, keras
data = np.load(sys.argv[1] + ".npz")
model = keras.saving.load_model(sys.argv[1])
print(json.dumps({k: float(v) for k, v in model.evaluate(data["x"], data["y"], verbose=0, return_dict=True).items()}))
"""


@requires_h5py
def test_keras_evaluates_densekits_file_with_these_metrics_alike(tmp_path):
    model, x, y = _regression()
    model.compile("sgd", "binary_crossentropy", metrics=[
        M.MeanMetricWrapper(keras.losses.huber, delta=0.1), M.binary_accuracy, M.Accuracy(), M.huber,
        M.MeanMetricWrapper(M.binary_accuracy, threshold=0.9), M.MeanMetricWrapper(M.categorical_accuracy, name="c")])
    path = str(tmp_path / "m.keras")
    model.save(path)
    np.savez(path + ".npz", x=x, y=y)
    theirs = run_keras(KERAS_EVALUATES, path)
    ours = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(theirs) == set(ours)
    for key in ours:
        assert theirs[key] == pytest.approx(ours[key], rel=1e-5, abs=1e-7), key


def test_accuracy_functions_return_keras_shapes():
    """Measured in Keras 3.15.1: the categorical accuracies give y_pred's shape without the class
    axis (batch, steps) for 3-D outputs, and binary_accuracy brings (n, 1) and (n,) to (n, 1) as
    squeeze_or_expand_to_same_rank does (they were flattened to (batch * steps,) and (n,))."""
    p3 = np.array([[[0.3, 0.7], [0.4, 0.6]]], "float32")
    one_hot3 = np.array([[[0.0, 1.0], [1.0, 0.0]]], "float32")
    for value in (keras.metrics.categorical_accuracy(one_hot3, p3),
                  keras.metrics.sparse_categorical_accuracy(np.array([[1, 0]]), p3),
                  keras.metrics.top_k_categorical_accuracy(one_hot3, p3, k=1)):
        assert value.shape == (1, 2)
        np.testing.assert_array_equal(value, [[1.0, 0.0]])
    scores = np.array([[0.3, 0.7], [0.4, 0.6]], "float32")
    assert keras.metrics.sparse_categorical_accuracy(np.array([[1], [0]]), scores).shape == (2,)
    column, flat = np.array([[1.0], [0.0]], "float32"), np.array([0.7, 0.6], "float32")
    assert keras.metrics.binary_accuracy(column, flat).shape == (2, 1)
    assert keras.metrics.binary_accuracy(flat.round(), column).shape == (2, 1)
    assert keras.metrics.binary_accuracy(np.array([1.0, 0.0]), flat).shape == (2,)
    np.testing.assert_array_equal(keras.metrics.binary_accuracy(np.array([[1.0, 0.0]]), np.array([[0.7, 0.6]])),
                                  [[1.0, 0.0]])
