"""Stateful Metric subclasses (add_variable, update_state, result, reset_state) as the Keras guide
"Training & evaluation with the built-in methods" writes them: eager on arrays, traced into the
C++ training loop by compile(), saved with the model. Values checked against NumPy."""

import json

import numpy as np
import pytest

import densekit as keras
from densekit import _core, ops
from file_helpers import format_version


class CategoricalTruePositives(keras.metrics.Metric):
    """The guide's metric, unchanged."""

    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        if sample_weight is not None:
            sample_weight = ops.cast(sample_weight, "float32")
            values = ops.multiply(values, sample_weight)
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0.0)


class HitRate(keras.metrics.Metric):
    """Two variables and a result computed from them; Keras's default reset_state."""

    def __init__(self, name="hit_rate", **kwargs):
        super().__init__(name=name, **kwargs)
        self.hits = self.add_weight(name="hits", initializer="zeros")
        self.count = self.add_variable(shape=(), initializer="ones", name="count")  # reset to 0 all the same

    def update_state(self, y_true, y_pred, sample_weight=None):
        hit = ops.cast(ops.equal(ops.argmax(y_pred, axis=-1), ops.reshape(y_true, (-1,))), "float32")
        weights = ops.ones_like(hit) if sample_weight is None else sample_weight
        self.hits.assign_add(ops.sum(hit * weights))
        self.count.assign_add(ops.sum(weights))

    def result(self):
        return 100.0 * self.hits / (self.count + 1e-7)


def _data(n=96, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype("float32")
    y = rng.integers(0, classes, size=(n, 1)).astype("float32")
    return x, y


def _model(classes=4):
    inputs = keras.Input((6,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(classes, activation="softmax")(hidden))


def _hits(model, x, y, weights=None):
    hit = (np.argmax(model.predict(x, verbose=0), axis=1) == y.reshape(-1)).astype(np.float64)
    return float(np.sum(hit if weights is None else hit * weights))


def test_the_guide_metric_runs_eagerly_on_arrays():
    m = CategoricalTruePositives()
    y_pred = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], "float32")
    m.update_state(np.array([[1], [1], [1]]), y_pred)
    assert float(m.result()) == 2.0
    m.update_state(np.array([[0], [0], [0]]), y_pred, sample_weight=np.array([[0.5], [2.0], [1.0]]))
    assert float(m.result()) == 4.0
    m.reset_state()
    assert float(m.result()) == 0.0
    assert m.get_config() == {"name": "categorical_true_positives", "dtype": "float32"}
    assert [v.name for v in m.variables] == ["ctp"]


def test_the_guide_metric_trains_with_sparse_labels_and_evaluates_as_numpy_counts():
    x, y = _data()
    model = _model()
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(), metrics=[CategoricalTruePositives()])
    history = model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    assert len(history.history["categorical_true_positives"]) == 2
    assert all(0 <= v <= len(x) and v == int(v) for v in history.history["categorical_true_positives"])
    logs = model.evaluate(x, y, batch_size=32, verbose=0, return_dict=True)
    assert logs["categorical_true_positives"] == _hits(model, x, y)
    # reset between evaluations: the same count again, not twice it
    assert model.evaluate(x, y, verbose=0, return_dict=True)["categorical_true_positives"] == _hits(model, x, y)


def test_labels_of_one_dimension_are_traced_as_given():
    x, y = _data()
    model = _model()
    model.compile("adam", loss="sparse_categorical_crossentropy", metrics=[HitRate()])
    logs = model.evaluate(x, y.reshape(-1), verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["hit_rate"], 100.0 * _hits(model, x, y) / len(x), rtol=1e-5)


def test_weighted_metrics_receive_the_sample_weights_and_metrics_do_not():
    x, y = _data()
    w = np.random.default_rng(1).random(len(x)).astype("float32")
    model = _model()
    model.compile("adam", loss="sparse_categorical_crossentropy", metrics=[CategoricalTruePositives()],
                  weighted_metrics=[HitRate(name="weighted_hit_rate")])
    logs = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    assert logs["categorical_true_positives"] == _hits(model, x, y)  # Keras gives `metrics` no weights
    np.testing.assert_allclose(logs["weighted_hit_rate"], 100.0 * _hits(model, x, y, w) / w.sum(), rtol=1e-5)


def test_default_reset_state_zeroes_every_variable_whatever_its_initializer():
    x, y = _data()
    model = _model()
    model.compile("adam", loss="sparse_categorical_crossentropy", metrics=[HitRate()])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    # count reset to 0 (not its initial 1): the rate is hits / n exactly
    np.testing.assert_allclose(logs["hit_rate"], 100.0 * _hits(model, x, y) / len(x), rtol=1e-5)
    m = HitRate()
    assert float(m.count) == 1.0
    m.reset_state()
    assert float(m.count) == 0.0


def test_vector_variables_mean_statistics_and_reductions_in_result():
    class Stats(keras.metrics.Metric):
        def __init__(self, name="stats"):
            super().__init__(name=name)
            self.pair = self.add_variable(shape=(2,), initializer="zeros", name="pair")
            self.batches = self.add_variable(shape=(), initializer="zeros", name="batches")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.pair.assign_add(ops.mean(ops.abs(y_true - y_pred)) * 2.0)  # a scalar to both elements
            self.batches.assign_add(1)

        def result(self):
            return ops.sum(self.pair) / self.batches  # 4 x the mean batch MAE

    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = rng.normal(size=(64, 2)).astype("float32")
    inputs = keras.Input((6,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    model.compile("sgd", loss="mse", metrics=[Stats()])
    logs = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    batch_maes = [np.mean(np.abs(y[i:i + 16] - p[i:i + 16])) for i in range(0, 64, 16)]
    np.testing.assert_allclose(logs["stats"], 4.0 * np.mean(batch_maes), rtol=1e-5)


def test_a_model_with_a_stateful_metric_saves_and_loads(tmp_path):
    x, y = _data()
    model = _model()
    model.compile("adam", loss="sparse_categorical_crossentropy",
                  metrics=[CategoricalTruePositives(), HitRate()])
    model.fit(x, y, epochs=1, verbose=0)
    before = model.evaluate(x, y, verbose=0, return_dict=True)
    path = str(tmp_path / "model.dk")
    model.save(path)
    loaded = keras.saving.load_model(path, custom_objects={"CategoricalTruePositives": CategoricalTruePositives,
                                                           "HitRate": HitRate})
    assert loaded.evaluate(x, y, verbose=0, return_dict=True) == before
    assert format_version(path) == "2"


def test_update_state_reading_a_variable_is_refused_naming_it():
    class Running(keras.metrics.Metric):
        def __init__(self):
            super().__init__(name="running")
            self.best = self.add_variable(shape=(), initializer="zeros", name="best")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.best.assign(ops.maximum(self.best, ops.max(y_pred, axis=-1)))

        def result(self):
            return self.best

    model = _model()
    with pytest.raises(NotImplementedError, match="running.*reads the metric variable 'best'"):
        model.compile("adam", loss="mse", metrics=[Running()])


def test_assigning_a_per_sample_tensor_is_refused():
    class PerSample(keras.metrics.Metric):
        def __init__(self):
            super().__init__(name="per_sample")
            self.v = self.add_variable(shape=(), initializer="zeros", name="v")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.v.assign_add(ops.sum(y_pred, axis=-1))

        def result(self):
            return self.v

    with pytest.raises(NotImplementedError, match="reduce it over the batch first"):
        _model().compile("adam", loss="mse", metrics=[PerSample()])


def test_a_metric_without_variables_or_without_sample_weight_is_refused_clearly():
    class Empty(keras.metrics.Metric):
        def update_state(self, y_true, y_pred, sample_weight=None):
            pass

        def result(self):
            return 0.0

    with pytest.raises(ValueError, match="has no variables"):
        _model().compile("adam", loss="mse", metrics=[Empty()])

    class Unweighted(CategoricalTruePositives):
        def update_state(self, y_true, y_pred):
            super().update_state(y_true, y_pred)

    x, y = _data()
    model = _model()
    model.compile("adam", loss="sparse_categorical_crossentropy", weighted_metrics=[Unweighted(name="u")])
    with pytest.raises(ValueError, match="'u' received sample weights.*no `sample_weight`"):
        model.evaluate(x, y, sample_weight=np.ones(len(x)), verbose=0)
    assert model.evaluate(x, y, verbose=0, return_dict=True)["u"] == _hits(model, x, y)


def test_a_metric_subclass_without_update_state_or_result_says_so():
    class Half(keras.metrics.Metric):
        pass

    m = Half()
    with pytest.raises(NotImplementedError, match="update_state"):
        m.update_state([[1.0]], [[1.0]])
    with pytest.raises(NotImplementedError, match="result"):
        m.result()


def _sample_weight_input_of_five(traced):
    for layer in traced["update_weighted"]["graph"]["config"]["layers"]:
        if layer["class_name"] == "InputLayer" and layer["config"]["name"] == "sample_weight":
            layer["config"]["batch_shape"] = [None, 5]


@pytest.mark.parametrize("corrupt, message, metric", [
    (lambda t: t["variables"][0].update(shape=[0], reset=[]), "no elements", CategoricalTruePositives),
    (_sample_weight_input_of_five, "one sample weight per sample", HitRate),
    (lambda t: t["variables"][0].update(reset=[0.0, 1.0]), "reset values", CategoricalTruePositives),
    (lambda t: t["variables"][0].update(shape=[1 << 40, 1 << 40]), "too large", CategoricalTruePositives),
    (lambda t: t["update"]["updates"][0]["terms"][0].update(output=7), "reads output 7", CategoricalTruePositives),
    (lambda t: t["update"]["updates"][0].update(variable=3), "updates variable 3", CategoricalTruePositives),
    (lambda t: t.pop("result"), "model config", CategoricalTruePositives),
    (lambda t: t["variables"].clear(), "has no variables", CategoricalTruePositives),
])
def test_a_corrupt_traced_metric_config_is_refused_with_value_error(corrupt, message, metric):
    model = _model()
    model.compile("adam", loss="sparse_categorical_crossentropy", metrics=[metric()])
    config = json.loads(_core.model_config_json(model._core))["compile_config"]["metrics"][0]
    _core.Metric.from_config_json(json.dumps(config))  # as saved: loads
    corrupt(config["densekit_traced"])
    with pytest.raises(ValueError, match=message):
        _core.Metric.from_config_json(json.dumps(config))


class MeanAbsoluteErrorPerElement(keras.metrics.Metric):
    """Counts the batch's elements with ops.size, as Keras metrics do."""

    def __init__(self, name="mae_per_element", **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.total.assign_add(ops.sum(ops.abs(y_true - y_pred)))
        self.count.assign_add(ops.cast(ops.size(y_true), "float32"))

    def result(self):
        return self.total / self.count


def test_ops_size_counts_each_batch_as_it_comes():
    # Keras runs update_state on each batch, where ops.size(y_true) is that batch's count; the
    # traced metric adds it per batch (the last batch of 10 rows at batch size 4 holds 2).
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 3)).astype("float32")
    y = np.stack([2 * x[:, 0], x[:, 1]], axis=1)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, kernel_initializer="ones")])
    model.compile(loss="mse", metrics=[MeanAbsoluteErrorPerElement()])
    _, value = model.evaluate(x, y, batch_size=4, verbose=0)
    expected = np.abs(y.astype(np.float64) - model.predict(x, verbose=0)).mean()
    np.testing.assert_allclose(value, expected, rtol=1e-6)

    eager = MeanAbsoluteErrorPerElement()
    eager.update_state(y[:4], np.zeros((4, 2), "float32"))
    assert float(eager.count.numpy()) == 8.0


def test_a_batch_size_read_from_the_shape_is_refused_not_recorded_as_nan():
    class RowCount(keras.metrics.Metric):
        def __init__(self, name="row_count", **kwargs):
            super().__init__(name=name, **kwargs)
            self.rows = self.add_variable(shape=(), initializer="zeros", name="rows")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.rows.assign_add(ops.cast(ops.shape(y_true)[0], "float32"))

        def result(self):
            return self.rows

    x, y = _data()
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4)])
    with pytest.raises(TypeError, match=r"ops.cast received None.*ops.size"):
        model.compile(loss="mse", metrics=[RowCount()])
        model.evaluate(x, np.zeros((96, 4), "float32"), verbose=0)
    with pytest.raises(NotImplementedError, match="cast to a float type only"):
        ops.cast(ops.size(keras.Input((3,))), "int32")


def test_the_guide_metric_as_a_weighted_metric_weighs_each_sample():
    """Its update_state multiplies values (batch, 1) by the weights: traced with weights (batch,)
    Keras would broadcast them across the batch, so they are traced as (batch, 1), the shape under
    which Keras weighs each sample."""
    x, y = _data()
    w = np.random.default_rng(2).random((len(x), 1)).astype("float32")
    model = _model()
    model.compile("adam", loss="sparse_categorical_crossentropy", weighted_metrics=[CategoricalTruePositives()])
    logs = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    assert logs["categorical_true_positives"] == pytest.approx(_hits(model, x, y, w.ravel()), rel=1e-5)


def test_a_metric_tracks_the_metrics_it_holds():
    """Keras's metric_test.py test_submetric_tracking: sub-metrics held as attributes, in lists or
    dicts, add their variables, and the default reset_state resets them (a Mean held inside gave
    its old mean after reset_state)."""
    class Counting(keras.metrics.Metric):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.total = self.add_variable(shape=(), initializer="zeros", name="total")
            self.count = self.add_variable(shape=(), initializer="zeros", name="count")

        def update_state(self, values):
            self.total.assign(self.total + np.sum(values))
            self.count.assign(self.count + len(values))

        def result(self):
            return self.total / self.count

    metric = Counting()
    metric.sub = Counting()
    assert len(metric.variables) == 4
    metric.subs = {"a": Counting(), "b": [Counting()]}
    assert len(metric.variables) == 8

    class Outer(keras.metrics.Metric):
        def __init__(self):
            super().__init__()
            self.inner, self.counting = keras.metrics.Mean(), Counting()

        def update_state(self, values):
            self.inner.update_state(values)
            self.counting.update_state(values)

        def result(self):
            return self.inner.result()

    outer = Outer()
    outer.update_state(np.array([1.0, 2.0]))
    assert outer.result() == 1.5 and outer.counting.result() == 1.5
    outer.reset_state()
    assert outer.result() == 0.0 and outer.counting.count.numpy() == 0.0
