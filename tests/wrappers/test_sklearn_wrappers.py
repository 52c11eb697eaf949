"""Keras 3's wrappers (keras/src/wrappers/sklearn_wrapper.py): SKLearnClassifier, SKLearnRegressor,
SKLearnTransformer; their results against the plain model's, label encoding, and errors."""

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the wrappers need scikit-learn: pip install 'densekit[sklearn]'")

import model_functions  # noqa: E402
from sklearn.base import clone  # noqa: E402

import densekit as keras  # noqa: E402
from densekit.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer  # noqa: E402

FIT = {"epochs": 20, "batch_size": 16, "verbose": 0}


def test_reachable_as_keras_wrappers():
    assert keras.wrappers.SKLearnClassifier is SKLearnClassifier
    assert keras.wrappers.scikit_learn.KerasRegressor.__module__ == "densekit.wrappers.scikit_learn"


def test_classifier_predicts_what_the_plain_model_predicts(three_classes):
    x, labels = three_classes
    clf = SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT).fit(x, labels)

    index = np.unique(labels, return_inverse=True)[1]
    plain = model_functions.classifier(x, np.eye(3)[index])
    plain.fit(x.astype("float32"), np.eye(3, dtype="float32")[index], **FIT)
    outputs = plain.predict(x.astype("float32"), verbose=0)

    np.testing.assert_array_equal(clf.predict_proba(x), outputs)
    np.testing.assert_array_equal(clf.predict(x), np.array(["cat", "dog", "emu"])[outputs.argmax(1)])
    assert list(clf.classes_) == ["cat", "dog", "emu"]
    assert clf.score(x, labels) == np.mean(clf.predict(x) == labels)
    assert clf.score(x, labels) > 0.9
    assert isinstance(clf.history_, keras.callbacks.History) and len(clf.history_.epoch) == 20
    assert clf.epoch_ == 20 and SKLearnClassifier(model_functions.classifier).epoch_ == 0


def test_classifier_integer_labels_and_label_order(three_classes):
    x, labels = three_classes
    numbers = np.select([labels == "cat", labels == "dog"], [7, -2], 30)
    clf = SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT).fit(x, numbers)
    np.testing.assert_array_equal(clf.classes_, [-2, 7, 30])
    assert clf.predict(x).dtype == numbers.dtype
    assert clf.score(x, numbers) > 0.9


@pytest.mark.parametrize("units, activation, loss", [
    (2, "softmax", "categorical_crossentropy"),     # Keras's form: one-hot targets
    (1, "sigmoid", "binary_crossentropy"),          # the tutorials' form: a 0/1 column
    (2, "softmax", "sparse_categorical_crossentropy"),
])
def test_binary_classifier_forms(three_classes, units, activation, loss):
    x, labels = three_classes
    keep = labels != "emu"
    x, labels = x[keep], labels[keep]
    clf = SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT,
                            model_kwargs={"out_units": units, "activation": activation, "loss": loss}).fit(x, labels)
    proba = clf.predict_proba(x)
    assert proba.shape == (len(x), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(clf.predict(x), clf.classes_[proba.argmax(axis=1)])
    # scikit-learn's binary convention: one score per sample, positive for classes_[1].
    np.testing.assert_array_equal(clf.decision_function(x) > 0, clf.predict(x) == "dog")
    assert clf.score(x, labels) > 0.9


def test_model_function_sees_one_hot_targets_and_kwargs(three_classes):
    x, labels = three_classes
    seen = {}

    def build(X, y, hidden):
        seen.update(x_shape=X.shape, x_dtype=X.dtype, y=y, hidden=hidden)
        return model_functions.classifier(X, y, hidden=hidden)

    SKLearnClassifier(build, model_kwargs={"hidden": 5}, fit_kwargs=FIT).fit(x, labels)
    assert seen["x_shape"] == (60, 4) and seen["x_dtype"] == np.float32 and seen["hidden"] == 5
    np.testing.assert_array_equal(seen["y"], np.eye(3)[np.unique(labels, return_inverse=True)[1]])


def test_regressor_matches_plain_model_and_scores_r2(regression):
    from sklearn.metrics import r2_score

    x, y = regression
    reg = SKLearnRegressor(model_functions.regressor, fit_kwargs=FIT).fit(x, y)
    plain = model_functions.regressor(x, y.reshape(-1, 1))
    plain.fit(x.astype("float32"), y.reshape(-1, 1), **FIT)
    expected = plain.predict(x.astype("float32"), verbose=0)[:, 0]
    prediction = reg.predict(x)
    assert prediction.shape == (60,)
    np.testing.assert_array_equal(prediction, expected)
    assert reg.score(x, y) == pytest.approx(r2_score(y, expected))


def test_regressor_two_outputs(regression):
    x, y = regression
    targets = np.stack([y, -y], axis=1)
    reg = SKLearnRegressor(model_functions.regressor, fit_kwargs=FIT).fit(x, targets)
    assert reg.predict(x).shape == (60, 2)


def test_transformer_returns_the_model_outputs(regression):
    x, y = regression
    trs = SKLearnTransformer(model_functions.regressor, fit_kwargs=FIT)
    out = trs.fit_transform(x, y)
    np.testing.assert_array_equal(out, trs.model_.predict(x.astype("float32"), verbose=0))
    assert out.shape == (60, 1)


def test_compiled_model_instance_is_copied_not_trained(regression):
    x, y = regression
    model = model_functions.regressor(x, y.reshape(-1, 1))
    before = [w.copy() for w in model.get_weights()]
    reg = SKLearnRegressor(model, fit_kwargs=FIT).fit(x, y)
    assert reg.model_ is not model
    for w, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, b)
    assert not np.array_equal(reg.model_.get_weights()[0], before[0])
    assert reg.model_.optimizer.learning_rate == pytest.approx(0.01)


def test_warm_start_continues_training(regression):
    x, y = regression
    reg = SKLearnRegressor(model_functions.regressor, warm_start=True, fit_kwargs=FIT).fit(x, y)
    first = reg.model_
    weights = [w.copy() for w in first.get_weights()]
    reg.fit(x, y)
    assert reg.model_ is first
    assert not np.array_equal(first.get_weights()[0], weights[0])

    cold = SKLearnRegressor(model_functions.regressor, fit_kwargs=FIT).fit(x, y)
    again = cold.model_
    cold.fit(x, y)
    assert cold.model_ is not again


def test_fit_arguments_override_fit_kwargs_without_changing_them(regression):
    x, y = regression
    fit_kwargs = {"epochs": 3, "verbose": 0}
    reg = SKLearnRegressor(model_functions.regressor, fit_kwargs=fit_kwargs)
    reg.fit(x, y, epochs=2)
    assert len(reg.history_.epoch) == 2
    assert fit_kwargs == {"epochs": 3, "verbose": 0}
    reg.fit(x, y)
    assert len(reg.history_.epoch) == 3


def test_params_clone_and_set_params():
    clf = SKLearnClassifier(model_functions.classifier, model_kwargs={"hidden": 4}, fit_kwargs=FIT)
    assert clf.get_params() == {"model": model_functions.classifier, "warm_start": False,
                                "model_kwargs": {"hidden": 4}, "fit_kwargs": FIT}
    copy = clone(clf)
    assert copy.get_params() == clf.get_params() and copy.fit_kwargs is not clf.fit_kwargs
    copy.set_params(model_kwargs={"hidden": 9}, warm_start=True)
    assert copy.model_kwargs == {"hidden": 9} and copy.warm_start and clf.model_kwargs == {"hidden": 4}


def test_pandas_input_records_feature_names(regression):
    pd = pytest.importorskip("pandas")
    x, y = regression
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    reg = SKLearnRegressor(model_functions.regressor, fit_kwargs=FIT).fit(frame, pd.Series(y))
    assert list(reg.feature_names_in_) == ["a", "b", "c"] and reg.n_features_in_ == 3
    np.testing.assert_array_equal(reg.predict(frame), reg.model_.predict(x.astype("float32"), verbose=0)[:, 0])


# --- errors ---------------------------------------------------------------------------------

def test_uncompiled_model_is_refused(regression):
    x, y = regression
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(RuntimeError, match="needs to be compiled"):
        SKLearnRegressor(model).fit(x, y)
    with pytest.raises(RuntimeError, match="needs to be compiled"):
        SKLearnRegressor(lambda X, y: keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])).fit(x, y)


def test_model_function_returning_something_else(regression):
    x, y = regression
    with pytest.raises(TypeError, match="must return a densekit model"):
        SKLearnRegressor(lambda X, y: "not a model").fit(x, y)
    with pytest.raises(TypeError, match="must be a compiled keras.Model or a function"):
        SKLearnRegressor(model=3).fit(x, y)


def test_unbuilt_model_instance_is_refused_with_the_fix(regression):
    x, y = regression
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile(loss="mse")
    with pytest.raises(ValueError, match="not built yet"):
        SKLearnRegressor(model).fit(x, y)


def test_output_width_that_cannot_fit_the_classes(three_classes):
    x, labels = three_classes
    with pytest.raises(ValueError, match="last layer has 2 units but y has 3 classes"):
        SKLearnClassifier(model_functions.classifier, model_kwargs={"out_units": 2}, fit_kwargs=FIT).fit(x, labels)


def test_classifier_target_errors(three_classes):
    x, _ = three_classes
    clf = SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT)
    with pytest.raises(ValueError, match="continuous"):
        clf.fit(x, np.linspace(0, 1, 60))
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(x, np.zeros(60))


def test_bad_inputs_raise_value_errors(regression):
    from sklearn.exceptions import NotFittedError

    x, y = regression
    reg = SKLearnRegressor(model_functions.regressor, fit_kwargs=FIT)
    with pytest.raises(NotFittedError):
        reg.predict(x)
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        reg.fit(bad, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        reg.fit(x, y[:-1])
    reg.fit(x, y)
    with pytest.raises(ValueError, match="3 features"):
        reg.predict(x[:, :2])
    with pytest.raises(ValueError, match="requires y to be passed"):
        SKLearnTransformer(model_functions.regressor).fit(x, None)


def test_a_failed_fit_leaves_the_fitted_estimator_as_it_was(three_classes):
    x, labels = three_classes
    clf = SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT).fit(x, labels)
    model, before = clf.model_, clf.predict(x)
    clf.set_params(model_kwargs={"out_units": 2})
    with pytest.raises(ValueError, match="2 units"):
        clf.fit(x, np.where(labels == "emu", "yak", labels))
    assert clf.model_ is model and list(clf.classes_) == ["cat", "dog", "emu"]
    np.testing.assert_array_equal(clf.predict(x), before)


def test_a_failed_fit_keeps_the_feature_count_and_names(three_classes):
    pd = pytest.importorskip("pandas")
    x, labels = three_classes
    clf = SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT).fit(x, labels)
    before = clf.predict(x)
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(np.c_[x, x[:, :1]], np.full(60, "cat"))  # 5 features, then refused
    assert clf.n_features_in_ == 4 and "feature_names_in_" not in clf.__dict__
    np.testing.assert_array_equal(clf.predict(x), before)

    frame = pd.DataFrame(x, columns=list("abcd"))
    clf.fit(frame, labels)
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(x, np.full(60, "cat"))  # an array would forget the names
    assert list(clf.feature_names_in_) == list("abcd")

    fresh = SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT)
    with pytest.raises(ValueError, match="only one class"):
        fresh.fit(x, np.full(60, "cat"))
    assert not hasattr(fresh, "n_features_in_")


# --- validation_data: its labels become what the model trains on, as y's do -----------------

def _validation_split(three_classes, kind):
    x, labels = three_classes
    if kind == "sigmoid":  # labels 1 / 2: not the 0 / 1 the sigmoid unit trains on
        keep = labels != "emu"
        x, labels = x[keep], np.where(labels[keep] == "cat", 1, 2)
    elif kind == "sparse":
        labels = np.select([labels == "cat", labels == "dog"], [3, 5], 7)
    order = np.random.default_rng(0).permutation(len(x))
    x, labels = x[order], labels[order]
    return x[:-15], labels[:-15], x[-15:], labels[-15:]


@pytest.mark.parametrize("kind, model_kwargs", [
    ("strings", {}),
    ("sparse", {"loss": "sparse_categorical_crossentropy"}),
    ("sigmoid", {"out_units": 1, "activation": "sigmoid", "loss": "binary_crossentropy"}),
])
def test_validation_data_labels_are_encoded_as_y_is(three_classes, kind, model_kwargs):
    x, labels, x_val, y_val = _validation_split(three_classes, kind)
    clf = SKLearnClassifier(model_functions.classifier, model_kwargs=model_kwargs, fit_kwargs=FIT)
    clf.fit(x, labels, validation_data=(x_val, y_val))
    history = clf.history_.history
    # The last epoch's validation metrics are those of the trained model on those rows.
    assert history["val_accuracy"][-1] == pytest.approx(clf.score(x_val, y_val))
    indices = np.searchsorted(clf.classes_, y_val)
    targets = {"strings": np.eye(3)[indices], "sparse": indices, "sigmoid": indices.reshape(-1, 1)}[kind]
    assert history["val_loss"][-1] == pytest.approx(clf.model_.evaluate(x_val, targets, verbose=0)[0], rel=1e-5)


def test_validation_data_in_fit_kwargs_with_sample_weights(three_classes):
    x, labels, x_val, y_val = _validation_split(three_classes, "strings")
    weights = np.linspace(0, 2, len(y_val))
    clf = SKLearnClassifier(model_functions.classifier, fit_kwargs={**FIT, "validation_data": (x_val, y_val, weights)})
    clf.fit(x, labels)
    expected = clf.model_.evaluate(x_val, np.eye(3)[np.searchsorted(clf.classes_, y_val)], sample_weight=weights,
                                   verbose=0)[0]
    assert clf.history_.history["val_loss"][-1] == pytest.approx(expected, rel=1e-5)
    assert clf.fit_kwargs["validation_data"][1] is y_val  # the labels given, not their encoding


def test_validation_labels_that_y_does_not_hold_are_refused(three_classes):
    x, labels, x_val, y_val = _validation_split(three_classes, "strings")
    clf = SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT)
    with pytest.raises(ValueError, match=r"validation_data.*not in classes_.*'yak'"):
        clf.fit(x, labels, validation_data=(x_val, np.where(y_val == "emu", "yak", y_val)))
    with pytest.raises(ValueError, match=r"validation_data.*not in classes_.*\b1\b"):
        clf.fit(x, labels, validation_data=(x_val, np.ones(len(y_val), int)))
    assert not hasattr(clf, "model_")


def test_regressor_validation_data_passes_through(regression):
    x, y = regression
    reg = SKLearnRegressor(model_functions.regressor, fit_kwargs=FIT)
    reg.fit(x[:45], y[:45], validation_data=(x[45:], y[45:]))
    expected = np.mean((reg.predict(x[45:]).astype(np.float64) - y[45:]) ** 2)
    assert reg.history_.history["val_loss"][-1] == pytest.approx(expected, rel=1e-5)


def _named_softmax(X, y, loss):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((X.shape[1],))
    outputs = keras.layers.Dense(y.shape[1], activation="softmax", name="out")(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss, metrics=["accuracy"])
    return model


@pytest.mark.parametrize("loss", [["sparse_categorical_crossentropy"], {"out": "sparse_categorical_crossentropy"}])
def test_sparse_loss_in_a_list_or_dict_for_the_one_output(three_classes, loss):
    x, labels = three_classes
    clf = SKLearnClassifier(_named_softmax, model_kwargs={"loss": loss}, fit_kwargs=FIT).fit(x, labels)
    plain = SKLearnClassifier(_named_softmax, model_kwargs={"loss": "sparse_categorical_crossentropy"},
                              fit_kwargs=FIT).fit(x, labels)
    np.testing.assert_array_equal(clf.predict_proba(x), plain.predict_proba(x))


@pytest.mark.parametrize("first", ["cat", 1])
def test_labels_mixing_strings_and_numbers_are_refused(three_classes, first):
    x, labels = three_classes
    mixed = labels.astype(object)
    mixed[labels == "dog"] = 1
    mixed[0] = first
    with pytest.raises(ValueError, match=r"all strings or all numbers\)\. Got \['int', 'str'\]"):
        SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT).fit(x, mixed)


def test_a_regressor_whose_model_outputs_one_value_a_sample_predicts_them():
    # keras/src/wrappers/utils.py: TargetReshaper gives back outputs of rank 1 as they are.
    def squeezed(X, y):
        inputs = keras.Input((X.shape[1],))
        model = keras.Model(inputs, keras.ops.squeeze(keras.layers.Dense(1)(inputs), axis=-1))
        model.compile("sgd", "mse")
        return model

    x = np.random.default_rng(0).normal(size=(20, 3))
    reg = SKLearnRegressor(squeezed, fit_kwargs=FIT).fit(x, x.sum(axis=1))
    assert reg.predict(x).shape == (20,)


@pytest.mark.parametrize("loss,activation", [("categorical_crossentropy", "sigmoid"),
                                             ("binary_crossentropy", "softmax")])
def test_one_unit_for_two_classes_needs_a_sigmoid_and_a_binary_loss(loss, activation):
    # Keras's wrapper refuses every one-unit model (it trains on one-hot targets); densekit takes
    # one sigmoid unit with a binary loss, and refuses the forms that would learn nothing.
    x = np.random.default_rng(0).normal(size=(20, 3))
    clf = SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT,
                            model_kwargs={"out_units": 1, "loss": loss, "activation": activation})
    with pytest.raises(ValueError, match="one output unit for two classes trains on 0/1 targets"):
        clf.fit(x, x[:, 0] > 0)
    fine = SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT,
                             model_kwargs={"out_units": 1, "loss": "binary_crossentropy", "activation": "sigmoid"})
    assert fine.fit(x, x[:, 0] > 0).predict_proba(x).shape == (20, 2)


def test_class_weight_keyed_by_the_labels_weighs_those_classes(three_classes):
    x, labels = three_classes  # labels "cat", "dog", "emu"
    by_label = SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT).fit(
        x, labels, class_weight={"cat": 5.0, "dog": 1.0, "emu": 0.5})
    by_index = SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT).fit(
        x, labels, class_weight={0: 5.0, 1: 1.0, 2: 0.5})
    unweighted = SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT).fit(x, labels)
    np.testing.assert_array_equal(by_label.predict_proba(x), by_index.predict_proba(x))
    assert not np.array_equal(by_label.predict_proba(x), unweighted.predict_proba(x))
    with pytest.raises(ValueError, match=r"class_weight's keys must be the labels of classes_ .*\['ant'\]"):
        SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT).fit(x, labels, class_weight={"cat": 1.0,
                                                                                                   "ant": 2.0})


def test_one_unit_followed_by_a_softmax_layer_is_refused_too():
    def softmax_layer(X, y):
        model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(1), keras.layers.Softmax()])
        model.compile("adam", "binary_crossentropy")
        return model

    x = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match="activation 'softmax'"):
        SKLearnClassifier(softmax_layer, fit_kwargs=FIT).fit(x, x[:, 0] > 0)
