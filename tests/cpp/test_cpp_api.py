"""The C++ embedding API: cpp/examples and test programs built with CMake against the installed
package (find_package(densekit) through `python -m densekit --cmake-dir`), run on files saved
from Python, and C++-trained files loaded in Python."""

import os
import re
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest

import densekit as keras

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = pytest.mark.skipif(shutil.which("cmake") is None, reason="needs cmake (pip install cmake)")


def cmake_build(source, build):
    cmake_dir = subprocess.run([sys.executable, "-m", "densekit", "--cmake-dir"], check=True, capture_output=True,
                               text=True).stdout.strip()
    subprocess.run(["cmake", "-S", source, "-B", build, f"-Ddensekit_DIR={cmake_dir}"], check=True,
                   capture_output=True, text=True)
    result = subprocess.run(["cmake", "--build", build, "-j2"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return build


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    base = tmp_path_factory.mktemp("cpp")
    examples = cmake_build(os.path.join(ROOT, "cpp", "examples"), str(base / "examples"))
    tests = cmake_build(os.path.join(ROOT, "tests", "cpp"), str(base / "tests"))
    return {name: os.path.join(examples, name) for name in ("predict", "train_xor")} | \
        {name: os.path.join(tests, name) for name in ("predict_threads", "api_errors", "functional_train",
                                                      "shared_layer", "resume_training", "api_misuse",
                                                      "api_misuse_layers", "api_misuse_loops")}


def test_the_wheel_holds_one_copy_of_the_library():
    # A wheel turns symbolic links into copies: the library must be one file, named as its soname,
    # which the Python module and C++ applications linked through find_package both load.
    lib = os.path.join(os.path.dirname(keras.__file__), "lib")
    assert sorted(name for name in os.listdir(lib) if name.startswith("libdensekit")) == ["libdensekit.so.0"]
    assert not os.path.islink(os.path.join(lib, "libdensekit.so.0"))


@pytest.fixture
def saved_model(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dropout(0.2), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 6)).astype("float32")
    model.fit(x, rng.integers(0, 3, 64), epochs=2, verbose=0)
    path = str(tmp_path / "model.dk")
    model.save(path)
    return model, path


def test_cpp_predictions_equal_python_predictions(programs, saved_model, tmp_path):
    model, path = saved_model
    x = np.random.default_rng(2).normal(size=(25, 6)).astype("float32")
    csv = "\n".join(",".join(f"{v:.9g}" for v in row) for row in x) + "\n"
    result = subprocess.run([programs["predict"], path], input=csv, capture_output=True, text=True, check=True)
    cpp = np.array([[float(v) for v in line.split(",")] for line in result.stdout.strip().splitlines()])
    np.testing.assert_allclose(cpp, model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)


def test_predict_example_reports_bad_rows_and_files(programs, saved_model, tmp_path):
    _, path = saved_model
    result = subprocess.run([programs["predict"], path], input="1,2,3\n", capture_output=True, text=True)
    assert result.returncode == 1 and "has 3 values; the model takes 6" in result.stderr
    broken = tmp_path / "broken.dk"
    broken.write_bytes(open(path, "rb").read()[:100])
    result = subprocess.run([programs["predict"], str(broken)], input="", capture_output=True, text=True)
    assert result.returncode == 1 and "not a valid densekit model file" in result.stderr


def test_a_model_trained_in_cpp_loads_and_predicts_in_python(programs, tmp_path):
    path = str(tmp_path / "xor.dk")
    result = subprocess.run([programs["train_xor"], path], capture_output=True, text=True, check=True)
    assert "accuracy 1" in result.stdout
    model = keras.models.load_model(path)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
    np.testing.assert_array_equal(np.round(model.predict(x, verbose=0)[:, 0]), [0, 1, 1, 0])
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]
    assert model.optimizer.iterations == 300 and type(model.optimizer).__name__ == "Adam"
    assert model.loss == "binary_crossentropy"
    model.fit(x, np.array([0, 1, 1, 0]), epochs=2, verbose=0)  # training resumes in Python


def test_a_functional_model_built_and_trained_in_cpp_loads_in_python(programs, tmp_path):
    path = str(tmp_path / "functional.dk")
    out = subprocess.run([programs["functional_train"], path], capture_output=True, text=True, check=True).stdout
    rows = [[float(v) for v in line.split(",")] for line in out.strip().splitlines()]
    predictions, inputs = np.array(rows[:3]), np.array(rows[3:], dtype="float32")
    model = keras.models.load_model(path)
    assert type(model).__name__ == "Functional" and model.output_names == ["main_output", "aux_output"]
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense", "InputLayer", "BatchNormalization",
                                                                "Concatenate", "Dense", "Dense"]  # Keras's depth order
    main, aux = model.predict({"wide_input": inputs[:, :5], "deep_input": inputs[:, 5:]}, verbose=0)
    np.testing.assert_allclose(np.hstack([main, aux]), predictions, rtol=1e-6, atol=1e-6)
    assert model.optimizer.iterations == 20


def test_two_cpp_models_sharing_a_layer_see_one_set_of_weights(programs):
    """Graph re-binds a shared layer itself: training model A shows in model B, weights set
    through B show in A, and B keeps working once A is destroyed (tests/cpp/shared_layer.cpp)."""
    result = subprocess.run([programs["shared_layer"]], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stdout + result.stderr


def test_predict_from_many_cpp_threads_at_once(programs, saved_model):
    _, path = saved_model
    result = subprocess.run([programs["predict_threads"], path, "8"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cpp_errors_carry_the_python_messages(programs, saved_model):
    model, path = saved_model
    out = subprocess.run([programs["api_errors"], path], capture_output=True, text=True, check=True).stdout
    lines = dict(line.split(": ", 1) for line in out.strip().splitlines())
    with pytest.raises(ValueError) as python_error:
        keras.layers.Dense(0)
    assert lines["units"] == f"ValueError: {python_error.value}"
    with pytest.raises(ValueError) as python_error:
        keras.layers.Dense(3, activation="rellu")
    assert lines["activation"] == f"ValueError: {python_error.value}"
    assert lines["wrong width"].startswith("ValueError: Input 0 of the model is incompatible")
    assert lines["missing file"].startswith("IOError: Cannot open the model file '/nonexistent/model.dk'")
    assert "starts with densekit::layers::Input" in lines["no input"]
    for key, make in [("decay_steps", lambda: keras.optimizers.schedules.ExponentialDecay(0.1, 0, 0.5)),
                      ("first_decay_steps", lambda: keras.optimizers.schedules.CosineDecayRestarts(0.1, -2.5))]:
        with pytest.raises(ValueError) as python_error:
            make()
        assert lines[key] == f"ValueError: {python_error.value}"
    with pytest.raises(ValueError) as python_error:
        keras.layers.GlobalAveragePooling1D(data_format="nchw")
    assert lines["data_format"] == f"ValueError: {python_error.value}"
    assert lines["pooling rank"].endswith('Input 0 of layer "pool" is incompatible with the layer: expected ndim=3, '
                                          "found ndim=2. Full shape received: (None, 4)")
    assert [float(v) for v in lines["pooled"].split()] == [3, 1, 6, 3, 9]
    with pytest.raises(ValueError) as python_error:
        keras.Input((3,), dtype="float64", name="x")
    assert lines["input dtype"] == f"ValueError: {python_error.value}"
    assert float(lines["whole"]) == 2.0
    for key, make in [("permute dims", lambda: keras.layers.Permute((1, 3))),
                      ("output_mode", lambda: keras.layers.CategoryEncoding(3, output_mode="int"))]:
        with pytest.raises(ValueError) as python_error:
            make()
        assert lines[key] == f"ValueError: {python_error.value}"
    np.testing.assert_allclose([float(v) for v in lines["encoded"].split()],
                               [1, 0, 0, 2, 0.70710678, 0.70710678, 0.70710678, 0.70710678], rtol=1e-6)
    np.testing.assert_allclose([float(v) for v in lines["rms"].split()], np.array([3, 4]) / np.sqrt(12.5 + 1e-6),
                               rtol=1e-6)
    assert float(lines["schedule at 5"]) == keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)(5)
    assert re.search(r"tensor 'dense_\d+/kernel' has shape \[8,3\] but the architecture needs \[8,5\]$",
                     lines["weights mismatch"])
    assert lines["unchanged after refusal"] == "yes"
    assert re.fullmatch(r"'(dense_\d+)/kernel' \(file: \(8, 3\), model: \(8, 5\)\) '\1/bias' \(file: \(3,\), "
                        r"model: \(5,\)\)", lines["skipped"])
    assert lines["first layer loaded"] == "yes, second kept: yes"
    assert lines["keras archive"].startswith("IOError: ") and "it is a zip archive, as a Keras .keras file" in \
        lines["keras archive"] and "python -m densekit convert" in lines["keras archive"]
    assert lines["io"] == "x 3 -> 2 1"  # input_names, input_shapes, output_shapes
    assert lines["two outputs"].startswith("ValueError: predict with one input and output buffer needs a model with "
                                           "one input and one output (this one has 1 and 2); use predict(std::vector")


def test_cpp_api_misuse_gives_errors_not_crashes(programs, tmp_path):
    """tests/cpp/api_misuse.cpp (also run under the sanitizers by .ci/sanitizers). Before: a
    moved-from model and an output added after compile segfaulted, compile() during fit freed
    the optimizer a step was using, a retried finalize doubled the weights, sample weights of 0
    or -1 columns and batch_size INT64_MAX read out of bounds or computed nothing, set_weight
    tore a prediction on another thread, and layers named "optimizer" could not load back."""
    result = subprocess.run([programs["api_misuse"], str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = dict(line.split(": ", 1) for line in result.stdout.strip().splitlines())
    moved = "Error: This model was moved from: it has no graph left. Use the model it was moved to."
    assert [lines[f"moved-from {call}"] for call in ("predict", "fit", "compile", "save")] == [moved] * 4
    assert lines["moved-to predict"] == "ok"
    assert lines["compile in a fit hook"].startswith("Error: Cannot run compile() while this model runs fit")
    assert lines["fit after"] == lines["fit while another thread compiles"] == "ok"
    assert lines["compiles during fit"] == "refused, none accepted"
    assert lines["too many parameters"].startswith("ValueError: ")
    assert lines["weights after the retry"] == "4" and lines["fit after the retry"] == "ok"
    # A metric never reset read its counts out of bounds; changed thresholds after reset() too.
    assert lines["fresh precision"] == "0" and lines["result of a metric never reset"] == "ok"
    assert [float(v) for v in lines["precision at 0.2, 0.5, 0.8"].split()] == pytest.approx([2 / 3, 0.5, 1.0])
    assert lines["metric updated before reset"] == "ok"
    assert float(lines["auc"]) == pytest.approx(1 / 3, abs=0.01) and lines["AUC thresholds changed after reset"] == "ok"
    for n in (0, -3):  # an empty threshold list was indexed; 2^30 would take 8 GiB
        assert lines[f"AUC num_thresholds {n}"] == ("ValueError: Argument `num_thresholds` must be an integer > 1. "
                                                    f"Received: num_thresholds={n}")
    assert lines[f"AUC num_thresholds {1 << 30}"].startswith("ValueError: densekit's metrics count at most 16777216")
    # Settings changed after sizing wrote past the counts; sizes a caller gives are bounded.
    assert lines["F1 average changed after sizing"] == lines["AUC multi_label changed after reset"] == "ok"
    assert lines["F1 built for -3 columns"].startswith("ValueError: The metric 'F1Score' cannot count -3 columns")
    assert lines["AUC num_labels 2^40"].startswith("ValueError: The metric 'AUC' cannot count 1099511627776 columns")
    # Crashes before: an Input listed twice as an output (null gradient), a target of 0 columns
    # (division by zero), a null metric, an optimizer rebuilt smaller or its slots cleared.
    assert lines["an input listed twice as outputs, fit"] == "ok"
    assert lines["an input listed twice as outputs, train_on_batch"] == "ok"
    assert lines["target of 0 columns"] == "ValueError: The target y needs at least one value a sample. Received: cols=0"
    assert lines["a null metric"] == "ValueError: compile() was given a null metric."
    assert lines["a NaN loss weight"] == "ValueError: Every loss weight must be a finite number. Received: nan"
    for case in ("optimizer rebuilt smaller for its model", "optimizer slots cleared"):
        assert lines[case].startswith("ValueError: This optimizer's slots do not hold one value per parameter"), case
    assert lines["optimizer segment outside"].startswith("ValueError: An optimizer segment [2, +3) lies outside")
    assert lines["set_iterations -1"].startswith("ValueError: The iteration count must be a non-negative integer")
    assert lines["AdamW weight_decay NaN"] == "ValueError: Argument `weight_decay` must be a finite float. Received: weight_decay=nan"
    assert lines["top-k after loading"] == "same" and lines["a metric's k changed after from_name, saved"] == "ok"
    assert lines["set_outputs after build"] == "ValueError: Cannot change the outputs of a model that is already built."
    assert lines["set_input_order after build"] == "ValueError: Cannot change the inputs of a model that is already built."
    for cols in (0, -1):
        assert lines[f"sample_weight_cols {cols}"] == ("ValueError: `sample_weight` needs at least one value a sample. "
                                                       f"Received: sample_weight_cols={cols}")
    assert lines["sample_weight_cols 2"].startswith("ValueError: `sample_weight` has 2 values a sample, one per position")
    for case in ("evaluate with batch_size INT64_MAX", "predict with batch_size INT64_MAX", "predict of raw rows"):
        assert lines[case] == "ok", case
    assert lines["negative rows"] == "ValueError: The number of samples cannot be negative. Received: rows=-1"
    assert lines["null input"] == "ValueError: The input x has no data: its pointer is null."
    assert lines["null output"] == "ValueError: predict() needs one output buffer per model output, none of them null."
    assert lines["null target"] == "ValueError: The target y has no data: its pointer is null."
    assert lines["set_num_threads 0"] == "ValueError: `n` must be a positive integer. Received: n=0"
    assert lines["logs with compute_gradients in a hook"] == "same"
    assert lines["layers named optimizer, rng, probe"] == "ok"
    assert lines["two layers of one name"] == ('ValueError: The name "d" is used 2 times in the model. All layer names '
                                               "should be unique: pass distinct `name=` arguments.")
    assert lines["a name with a slash"] == ("ValueError: Argument `name` must be a string and cannot contain character "
                                            "`/`. Received: name=a/b (of type <class 'str'>)")
    assert lines["torn predictions"] == "0"


def test_cpp_api_misuse_around_loops_gives_errors_not_crashes(programs, tmp_path):
    """tests/cpp/api_misuse_loops.cpp (also under the sanitizers). Before: set_distribution from a
    fit or evaluate hook freed the communicator the loop used, a rank outside the communicator
    wrote out of bounds, save racing compile on another thread corrupted the heap, one optimizer
    in two models fitted at once raced its build, a null batch pushed crashed, fit hung on a stream
    its producer closed, and the graph's own calls on a workspace that never ran read nothing."""
    result = subprocess.run([programs["api_misuse_loops"], str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = dict(line.split(": ", 1) for line in result.stdout.strip().splitlines())
    for case in ("set_distribution in a fit hook", "set_distribution in an evaluate hook"):
        assert lines[case].startswith("Error: set_distribution() cannot change the distribution while"), case
    assert lines["the same distribution in a fit hook"] == "ok"
    assert lines["a rank outside the communicator"] == ("ValueError: set_distribution(): the communicator's rank 5 is "
                                                        "not one of its 1 processes.")
    assert lines["a negative rank"].startswith("ValueError: set_distribution(): the communicator's rank -1")
    assert lines["save while another thread compiles"] == lines["the last save loads"] == "ok"
    assert lines["one optimizer, two models at once"] == "one trains"
    assert lines["push of a null input"] == "ValueError: BatchStream::push: input 0 has no data (a null pointer)."
    assert lines["push of a negative width"] == "ValueError: BatchStream::push: input 0 has a negative width."
    assert lines["fit on a stream its producer closed"] == "ended" and lines["that fit's outcome"] == "ok"
    moved = "Error: This model was moved from: it has no graph left. Use the model it was moved to."
    assert lines["moved-from probabilities_given_as_logits"] == moved
    assert lines["moved-from stop_training"] == "ok"
    never = "ValueError: This workspace has not run this graph's forward pass."
    for call in ("output", "output_grad", "backward"):
        assert lines[f"{call} of a workspace that never ran"] == never, call
    assert lines["forward without a generator"].startswith("ValueError: Graph::forward needs a random generator")
    for case in ("forward of the wrong width", "forward of a null input"):
        assert lines[case] == "ValueError: Graph::forward: input 0 is not 4 rows of 3 values.", case
    assert lines["forward of the right input"] == "ok"
    assert lines["slot before compile"] == "ValueError: The model has no optimizer: compile() it first."
    assert lines["slot before the first step"].startswith("ValueError: The optimizer has no variables for this "
                                                          "model's weights: it builds them at the model's first")
    assert lines["slot out of range"] == "ValueError: The optimizer has 2 slot variables per weight; there is no slot 2."
    assert re.fullmatch(r"ValueError: Layer 'dense_\d+' has 2 weight\(s\); index 2 is out of range\.",
                        lines["weight out of range"])
    assert re.fullmatch(r"ValueError: The optimizer variable of dense_\d+/kernel has shape \(3, 4\); the value "
                        r"assigned has shape \(4, 3\)\.", lines["slot set of the wrong shape"])
    assert lines["slot set of null values"] == "ValueError: The values assigned to an optimizer variable are null."
    assert lines["slot of a moved-from model"] == moved
    for case in ("slot after fit", "slot set and read back", "slots read and set while fit runs"):
        assert lines[case] == "ok", case


def test_predict_from_python_threads_with_the_gil_released(saved_model):
    model, _ = saved_model
    inputs = [np.random.default_rng(t).normal(size=(50 + t, 6)).astype("float32") for t in range(6)]
    expected = [model.predict(x, verbose=0) for x in inputs]
    failures = []

    def work(t):
        for _ in range(50):
            if not np.array_equal(model.predict(inputs[t], verbose=0), expected[t]):
                failures.append(t)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert failures == []


def test_cmake_dir_holds_the_package_config():
    out = subprocess.run([sys.executable, "-m", "densekit", "--cmake-dir"], capture_output=True, text=True, check=True)
    folder = out.stdout.strip()
    assert os.path.isfile(os.path.join(folder, "densekitConfig.cmake"))
    include = subprocess.run([sys.executable, "-m", "densekit", "--include-dir"], capture_output=True, text=True,
                             check=True).stdout.strip()
    assert os.path.isfile(os.path.join(include, "densekit", "densekit.hpp"))
    assert os.path.isfile(os.path.join(include, "eigen3", "Eigen", "Core"))


def test_cpp_loads_and_runs_a_model_with_recorded_ops(programs):
    """The file holds the traced ops as layers of the graph: C++ runs them with no Python."""
    data = os.path.join(ROOT, "tests", "data")
    expected = np.load(os.path.join(data, "model_v2_expected.npz"))
    csv = "\n".join(",".join(f"{v:.9g}" for v in row) for row in expected["x"]) + "\n"
    result = subprocess.run([programs["predict"], os.path.join(data, "model_v2.dk")], input=csv, capture_output=True,
                            text=True, check=True)
    cpp = np.array([[float(v) for v in line.split(",")] for line in result.stdout.strip().splitlines()])
    np.testing.assert_allclose(cpp, expected["predictions"], rtol=1e-6, atol=1e-6)


def _traced_mse(y_true, y_pred):
    return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1) + 0.1 * keras.ops.mean(keras.ops.abs(y_pred), axis=-1)


def _abs_error(y_true, y_pred):
    return keras.ops.abs(y_true - y_pred)


def test_cpp_evaluates_and_trains_with_a_loss_and_metric_traced_from_python(programs, tmp_path):
    """The file holds the traced loss and metric as graphs: C++ computes them, and trains on,
    exactly as Python does."""
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss=_traced_mse, metrics=[_abs_error])
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(48, 5)).astype("float32"), rng.normal(size=(48, 2)).astype("float32")
    path = str(tmp_path / "traced.dk")
    model.save(path)
    csv = "\n".join(",".join(f"{v:.9g}" for v in row) for row in np.hstack([x, y])) + "\n"
    result = subprocess.run([programs["resume_training"], path], input=csv, capture_output=True, text=True, check=True)
    lines = dict(line.split("=", 1) for line in result.stdout.strip().splitlines())
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert float(lines["loss"]) == pytest.approx(logs["loss"], rel=1e-6)
    assert float(lines["_abs_error"]) == pytest.approx(logs["_abs_error"], rel=1e-6)
    model.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    kernel = np.array([float(v) for v in lines["kernel"].split(",")]).reshape(5, 4)
    np.testing.assert_allclose(kernel, model.get_weights()[0], rtol=1e-6, atol=1e-7)


class _Overshoot(keras.metrics.Metric):
    """A stateful metric: the share of predictions above their target, weighted by |error|."""

    def __init__(self, name="overshoot"):
        super().__init__(name=name)
        self.above = self.add_variable(shape=(), initializer="zeros", name="above")
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, y_true, y_pred, sample_weight=None):
        error = keras.ops.abs(y_pred - y_true)
        self.above.assign_add(keras.ops.sum(keras.ops.cast(y_pred > y_true, "float32") * error))
        self.total.assign_add(keras.ops.sum(error))

    def result(self):
        return self.above / (self.total + 1e-7)


def test_cpp_evaluates_a_stateful_metric_traced_from_python(programs, tmp_path):
    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse", metrics=[_Overshoot()])
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(48, 5)).astype("float32"), rng.normal(size=(48, 2)).astype("float32")
    path = str(tmp_path / "stateful.dk")
    model.save(path)
    csv = "\n".join(",".join(f"{v:.9g}" for v in row) for row in np.hstack([x, y])) + "\n"
    result = subprocess.run([programs["resume_training"], path], input=csv, capture_output=True, text=True, check=True)
    lines = dict(line.split("=", 1) for line in result.stdout.strip().splitlines())
    p = model.predict(x, verbose=0).astype(np.float64)
    error = np.abs(p - y)
    expected = np.sum((p > y) * error) / np.sum(error)
    assert float(lines["overshoot"]) == pytest.approx(expected, rel=1e-5)
    assert model.evaluate(x, y, verbose=0, return_dict=True)["overshoot"] == pytest.approx(expected, rel=1e-5)


def test_cpp_layer_and_schedule_misuse_gives_errors_not_crashes(programs, tmp_path):
    """tests/cpp/api_misuse_layers.cpp (also run under the sanitizers by .ci/sanitizers). Before:
    a Dropout noise_shape set after build, set_weight/get_weight with a null layer or null values,
    a PiecewiseConstantDecay called with mismatched lists, adapt() on a null view and Normalization
    with a duplicated axis segfaulted or read out of bounds; negative adapt() sizes gave meaningless
    statistics and a NaN momentum or infinite epsilon was accepted."""
    result = subprocess.run([programs["api_misuse_layers"], str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = dict(line.split(": ", 1) for line in result.stdout.strip().splitlines())
    assert lines["dropout noise_shape after build"] == (
        "ValueError: Dropout 'drop' is already built: set its noise_shape before building the layer "
        "(before placing it in a model).")
    assert lines["fit after the refused noise_shape"] == "ok"
    null_layer = "ValueError: The layer is null: pass one of this model's layers (Graph::layers())."
    assert lines["set_weight null layer"] == lines["get_weight null layer"] == null_layer
    assert re.fullmatch(r"ValueError: The values for weight 0 of layer 'dense(_\d+)?' are null: pass 4 values\.",
                        lines["set_weight null values"])
    piecewise = "ValueError: The length of boundaries should be 1 less than the length of values. Received: "
    assert lines["schedule piecewise with no values"] == piecewise + "0 boundaries and 0 values."
    assert lines["schedule piecewise values cleared"] == piecewise + "1 boundaries and 0 values."
    adapt = "ValueError: adapt() received a batch with "
    assert lines["normalization adapt null data"] == adapt + "no data: its pointer is null."
    assert lines["normalization adapt negative rows"] == adapt + "rows=-5 and cols=3: neither can be negative."
    assert lines["normalization adapt negative cols"] == adapt + "rows=1 and cols=-3: neither can be negative."
    for case, axis in [("normalization axis -1 twice", "[-1, -1]"), ("normalization axis 1 and -1", "[1, -1]")]:
        assert lines[case].startswith("ValueError: Layer 'n'"), lines[case]
        assert lines[case].endswith(f"Normalization received a duplicated axis: axis={axis} names axis 1 more than "
                                    "once for inputs of shape (None, 3). List each axis once."), lines[case]
    for case, argument in [("batchnormalization momentum nan", {"momentum": float("nan")}),
                           ("batchnormalization epsilon inf", {"epsilon": float("inf")})]:
        with pytest.raises(ValueError) as python_error:  # the Python layer's words
            keras.layers.BatchNormalization(**argument)
        assert lines[case] == f"ValueError: {python_error.value}", case
    assert len(lines) == 14, sorted(lines)


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_public_headers_compile_without_warnings_under_wall_wextra(tmp_path):
    """Included with a plain -I (not as system headers, as CMake's imported targets hide them),
    densekit.hpp gives the application's -Wall -Wextra nothing to warn of."""
    include = subprocess.run([sys.executable, "-m", "densekit", "--include-dir"], check=True, capture_output=True,
                             text=True).stdout.strip()
    source = tmp_path / "all.cpp"
    source.write_text("#include <densekit/densekit.hpp>\nint main() { densekit::Regularizer r{0.01, 0.0}; "
                      "return r.active() ? 0 : 1; }\n")
    march = ["-march=x86-64-v3"] if os.uname().machine == "x86_64" else []
    result = subprocess.run(["g++", "-std=c++17", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", *march,
                             f"-I{include}", f"-I{include}/eigen3", str(source)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
