"""Losses and metrics written with densekit.ops (functions of (y_true, y_pred), Loss subclasses,
MeanMetricWrapper of a function), traced into the C++ model: values against float64 NumPy,
Keras's reductions and sample weighting, gradients, logs, saving and the errors."""

import pickle

import numpy as np
import pytest

import densekit as keras
from densekit import layers, ops
from file_helpers import format_version


def custom_mean_squared_error(y_true, y_pred):
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


def log_error(y_true, y_pred):  # one value per element: Keras divides by their number
    return ops.log1p(ops.square(y_true - y_pred))


class CustomMSE(keras.losses.Loss):  # "Training & evaluation with the built-in methods"
    def __init__(self, regularization_factor=0.1, name="custom_mse", reduction="sum_over_batch_size"):
        super().__init__(name=name, reduction=reduction)
        self.regularization_factor = regularization_factor

    def call(self, y_true, y_pred):
        mse = ops.mean(ops.square(y_true - y_pred), axis=-1)
        reg = ops.mean(ops.square(0.5 - y_pred), axis=-1)
        return mse + reg * self.regularization_factor

    def get_config(self):
        return {**super().get_config(), "regularization_factor": self.regularization_factor}


def _data(n=96, d=6, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype("float32"), rng.normal(size=(n, k)).astype("float32")


def _model(k=3, seed=1, hidden=True):
    keras.utils.set_random_seed(seed)
    stack = [keras.Input((6,))] + ([layers.Dense(8, activation="tanh")] if hidden else []) + [layers.Dense(k)]
    return keras.Sequential(stack)


def _custom_mse_ref(y, p, factor=0.1):
    y, p = y.astype(np.float64), p.astype(np.float64)
    return np.mean((y - p) ** 2, axis=-1) + factor * np.mean((0.5 - p) ** 2, axis=-1)


def test_a_function_loss_trains_exactly_as_the_built_in_it_equals():
    x, y = _data()
    traced, built_in = _model(), _model()
    traced.compile("adam", loss=custom_mean_squared_error, metrics=[custom_mean_squared_error])
    built_in.compile("adam", loss="mse", metrics=["mse"])
    h1 = traced.fit(x, y, epochs=3, batch_size=16, verbose=0).history
    h2 = built_in.fit(x, y, epochs=3, batch_size=16, verbose=0).history
    assert sorted(h1) == ["custom_mean_squared_error", "loss"]  # the metric is named after the function
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-6)
    np.testing.assert_allclose(h1["custom_mean_squared_error"], h2["mse"], rtol=1e-6)
    for a, b in zip(traced.get_weights(), built_in.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
def test_a_loss_subclass_reduces_weighted_values_as_keras(reduction):
    x, y = _data()
    w = np.random.default_rng(3).uniform(0.2, 2.0, size=len(x)).astype("float32")
    model = _model()
    model.compile("sgd", loss=CustomMSE(reduction=reduction))
    p = model.predict(x, verbose=0)
    values = _custom_mse_ref(y, p) * w
    expected = {"sum_over_batch_size": values.sum() / len(x), "sum": values.sum(),
                "mean_with_sample_weight": values.sum() / w.sum()}[reduction]
    got = model.evaluate(x, y, sample_weight=w, batch_size=len(x), verbose=0)
    assert got == pytest.approx(expected, rel=1e-5)
    # Called on arrays, the object computes the same thing eagerly.
    assert float(CustomMSE(reduction=reduction)(y, p, sample_weight=w)) == pytest.approx(expected, rel=1e-5)


def test_per_element_values_are_divided_by_their_number():
    x, y = _data()
    model = _model()
    model.compile("sgd", loss=log_error)
    p = model.predict(x, verbose=0).astype(np.float64)
    expected = np.log1p((y - p) ** 2).mean()  # Σ over batch and columns / (batch · columns)
    assert model.evaluate(x, y, batch_size=len(x), verbose=0) == pytest.approx(expected, rel=1e-5)


def test_the_gradient_reaches_the_weights_as_float64_finite_differences_say():
    x, y = _data(n=20)
    w = np.random.default_rng(5).uniform(0.5, 1.5, size=len(x)).astype("float32")
    model = _model(hidden=False)
    model.compile(keras.optimizers.SGD(learning_rate=1.0), loss=log_error)
    kernel, bias = [v.astype(np.float64) for v in model.get_weights()]

    def loss_at(k):
        p = x.astype(np.float64) @ k + bias
        return np.sum(np.log1p((y - p) ** 2) * w[:, None]) / y.size

    numeric = np.zeros_like(kernel)
    eps = 1e-6
    for idx in np.ndindex(kernel.shape):
        up, down = kernel.copy(), kernel.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric[idx] = (loss_at(up) - loss_at(down)) / (2 * eps)
    model.train_on_batch(x, y, sample_weight=w)
    step = kernel - model.get_weights()[0]  # SGD with learning rate 1: the gradient itself
    np.testing.assert_allclose(step, numeric, rtol=2e-3, atol=2e-6)


def test_a_metric_function_is_the_weighted_mean_of_each_samples_mean():
    x, y = _data()
    w = np.random.default_rng(4).uniform(0.2, 2.0, size=len(x)).astype("float32")
    model = _model()
    model.compile("sgd", loss="mse", weighted_metrics=[log_error])
    p = model.predict(x, verbose=0).astype(np.float64)
    per_sample = np.log1p((y - p) ** 2).mean(axis=-1)
    logs = model.evaluate(x, y, sample_weight=w, batch_size=32, verbose=0, return_dict=True)
    assert logs["log_error"] == pytest.approx(np.sum(per_sample * w) / w.sum(), rel=1e-5)


def test_mean_metric_wrapper_of_a_function_runs_on_arrays_and_in_fit():
    x, y = _data()
    metric = keras.metrics.MeanMetricWrapper(log_error, name="log_err")
    p = np.random.default_rng(6).normal(size=y.shape).astype("float32")
    metric.update_state(y, p)
    expected = np.log1p((y.astype(np.float64) - p) ** 2).mean()
    assert float(metric.result()) == pytest.approx(expected, rel=1e-5)
    metric.reset_state()
    assert float(metric.result()) == 0.0
    model = _model()
    model.compile("sgd", loss="mse", metrics=[metric])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert float(metric.result()) == pytest.approx(logs["log_err"], rel=1e-6)  # the object holds the model's state


def test_one_loss_of_python_code_is_traced_for_each_output_shape():
    inputs = keras.Input((6,))
    a, b = layers.Dense(2, name="a")(inputs), layers.Dense(4, name="b")(inputs)
    model = keras.Model(inputs, [a, b])
    model.compile("sgd", loss=custom_mean_squared_error)
    x, _ = _data()
    ya, yb = np.ones((len(x), 2), "float32"), np.zeros((len(x), 4), "float32")
    pa, pb = [p.astype(np.float64) for p in model.predict(x, verbose=0)]
    logs = model.evaluate(x, [ya, yb], batch_size=len(x), verbose=0, return_dict=True)
    assert logs["a_loss"] == pytest.approx(np.mean((1 - pa) ** 2), rel=1e-5)
    assert logs["b_loss"] == pytest.approx(np.mean(pb ** 2), rel=1e-5)


def test_a_subclassed_model_traces_its_loss_when_it_is_built():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(3)

        def call(self, x):
            return self.dense(x)

    x, y = _data()
    model = Net()
    model.compile("sgd", loss=CustomMSE())
    model.fit(x, y, epochs=1, verbose=0)
    p = model.predict(x, verbose=0)
    assert model.evaluate(x, y, batch_size=len(x), verbose=0) == pytest.approx(_custom_mse_ref(y, p).mean(), rel=1e-5)


def test_saved_and_loaded_with_the_objects_found_as_keras_finds_them(tmp_path):
    x, y = _data()
    model = _model()
    model.compile("adam", loss=CustomMSE(regularization_factor=0.3), metrics=[custom_mean_squared_error])
    model.fit(x, y, epochs=1, verbose=0)
    path = str(tmp_path / "custom.dk")
    model.save(path)
    loaded = keras.models.load_model(path)  # this test module holds both: found by their module
    assert isinstance(loaded.loss, CustomMSE) and loaded.loss.regularization_factor == 0.3
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    loaded.fit(x, y, epochs=1, verbose=0)  # resumes training with the traced loss
    model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])


def test_a_function_nobody_can_find_fails_to_load_in_keras_words(tmp_path):
    def local_loss(y_true, y_pred):  # not importable from its module
        return ops.mean(ops.abs(y_true - y_pred), axis=-1)

    x, y = _data()
    model = _model()
    model.compile("sgd", loss=local_loss)
    path = str(tmp_path / "local.dk")
    model.save(path)
    with pytest.raises(TypeError, match="Could not locate function 'local_loss'.*register_keras_serializable"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, custom_objects={"local_loss": local_loss})
    assert loaded.loss is local_loss
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    assert keras.models.load_model(path, compile=False).compiled is False


def test_register_keras_serializable_names_the_object():
    @keras.saving.register_keras_serializable(package="my_package")
    def registered_loss(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred), axis=-1)

    assert keras.saving.get_registered_name(registered_loss) == "my_package>registered_loss"
    assert keras.saving.get_registered_object("my_package>registered_loss") is registered_loss
    with keras.saving.custom_object_scope({"other": log_error}):
        assert keras.saving.get_registered_object("other") is log_error
    assert keras.saving.get_registered_object("other") is None


def test_a_registered_metric_function_keeps_its_name_in_the_logs_once_loaded(tmp_path):
    """Keras names a function metric by its __name__; a registered one was logged by its
    registered name ('pkg>reg_mae') after a load or a pickle, so EarlyStopping(monitor=
    'val_reg_mae') found nothing."""
    @keras.saving.register_keras_serializable(package="pkg")
    def reg_mae(y_true, y_pred):
        return ops.mean(ops.abs(y_true - y_pred), axis=-1)

    x, y = _data()
    model = _model()
    model.compile("adam", "mse", metrics=[reg_mae])
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.dk")
    for again in (keras.models.load_model(tmp_path / "m.dk"), pickle.loads(pickle.dumps(model))):
        assert list(again.evaluate(x, y, verbose=0, return_dict=True)) == ["loss", "reg_mae"]
        assert sorted(again.fit(x, y, epochs=1, validation_data=(x, y), verbose=0).history) == \
            ["loss", "reg_mae", "val_loss", "val_reg_mae"]


def test_targets_the_loss_cannot_take_are_refused_naming_the_loss():
    x, _ = _data()
    model = _model()
    model.compile("sgd", loss=custom_mean_squared_error)
    with pytest.raises(ValueError, match="custom_mean_squared_error.*incompatible shapes"):
        model.fit(x, np.zeros((len(x), 5), "float32"), epochs=1, verbose=0)


def test_what_cannot_be_traced_is_named_with_the_line():
    def numpy_loss(y_true, y_pred):
        return np.mean((y_true - y_pred) ** 2, axis=-1)  # NumPy on a symbolic tensor

    def scalar_loss(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred))  # over the batch axis too

    def python_float(y_true, y_pred):
        return 0.5

    model = _model()
    with pytest.raises(TypeError, match="numpy_loss.*test_traced_losses.py"):
        model.compile("sgd", loss=numpy_loss)
    with pytest.raises(NotImplementedError, match="scalar_loss.*batch axis"):
        model.compile("sgd", loss=scalar_loss)
    with pytest.raises(TypeError, match="python_float.*returned 0.5"):
        model.compile("sgd", loss=python_float)


def test_a_file_with_a_traced_loss_or_metric_is_format_version_2(tmp_path):
    for loss, metrics, version in [("mse", [], "1"), (custom_mean_squared_error, [], "2"),
                                   ("mse", [log_error], "2")]:
        model = _model()
        model.compile("sgd", loss=loss, metrics=metrics)
        path = str(tmp_path / "m.dk")
        model.save(path)
        assert format_version(path) == version


def test_a_subclass_of_a_built_in_is_its_own_code():
    class HalfMSE(keras.losses.MeanSquaredError):
        def call(self, y_true, y_pred):
            return 0.5 * ops.mean(ops.square(y_true - y_pred), axis=-1)

    class MyAccuracy(keras.metrics.BinaryAccuracy):
        def update_state(self, y_true, y_pred, sample_weight=None):
            pass

    x, y = _data()
    model = _model()
    model.compile("sgd", loss=HalfMSE())
    p = model.predict(x, verbose=0).astype(np.float64)
    assert model.evaluate(x, y, batch_size=len(x), verbose=0) == pytest.approx(0.5 * np.mean((y - p) ** 2), rel=1e-5)
    with pytest.raises(NotImplementedError, match="MyAccuracy"):
        MyAccuracy()


def test_a_loss_function_takes_targets_of_one_rank_less_as_kerass_wrapper_does():
    """Keras's LossFunctionWrapper brings y_true (n,) and y_pred (n, 1) to one rank before calling
    the function; without it the function's y_true - y_pred meets the batch-broadcast refusal."""
    def plain(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred), axis=-1)

    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    y = x.sum(axis=1)
    values = []
    for targets in (y, y.reshape(-1, 1)):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
        model.compile("sgd", loss=plain)
        values.append(model.evaluate(x, targets, verbose=0))
    assert values[0] == values[1]


def test_a_metric_function_returning_a_number_gives_that_number():
    """trainer_test.py's metrics_zero: a function returning 0.0 (or 1) is that value for every
    sample, as Keras's mean of it gives; densekit refused it ("returned 0.0 (float)")."""
    def metrics_zero(y_true, y_pred):
        return 0.0

    def metrics_one(y_true, y_pred):
        return 1

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones")])
    model.compile("sgd", "mse", metrics=[metrics_one, metrics_zero])
    assert model.evaluate(np.ones((4, 2)), np.ones((4, 1)), verbose=0) == [1.0, 1.0, 0.0]
    history = model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0).history
    assert (history["metrics_one"], history["metrics_zero"]) == ([1.0], [0.0])
    # The number whatever the predictions, NaN ones too (Keras's mean of it never reads them).
    t = keras.Input((2,))
    nan_model = keras.Model(t, keras.ops.log(keras.layers.Dense(1, kernel_initializer="ones")(t)))
    nan_model.compile("sgd", "mse", metrics=[metrics_one, metrics_zero])
    loss, one, zero = nan_model.evaluate(-np.ones((4, 2)), np.ones((4, 1)), verbose=0)
    assert np.isnan(loss) and (one, zero) == (1.0, 0.0)
