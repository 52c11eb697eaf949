"""tf.keras 2.x's keras.wrappers.scikit_learn.KerasClassifier / KerasRegressor(build_fn, **sk_params):
routing of sk_params by name, the scores, and the hyperparameter-search slides' code."""

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the wrappers need scikit-learn: pip install 'densekit[sklearn]'")

import model_functions  # noqa: E402
from sklearn.base import clone  # noqa: E402

import densekit as keras  # noqa: E402
from densekit.wrappers.scikit_learn import KerasClassifier, KerasRegressor  # noqa: E402


def test_sk_params_are_routed_by_argument_name(regression):
    x, y = regression
    seen = {}

    def build(n_neurons=3):
        seen["n_neurons"] = n_neurons
        return model_functions.build_model(n_neurons=n_neurons)

    reg = KerasRegressor(build, n_neurons=7, epochs=4, batch_size=8, verbose=0)
    history = reg.fit(x, y)
    assert seen == {"n_neurons": 7}
    assert isinstance(history, keras.callbacks.History) and len(history.epoch) == 4
    assert reg.model.layers[0].units == 7
    assert len(reg.fit(x, y, epochs=2).epoch) == 2  # fit's own arguments win
    assert reg.sk_params["epochs"] == 4


def test_each_fit_builds_a_new_model(regression):
    x, y = regression
    reg = KerasRegressor(model_functions.build_model, epochs=2, verbose=0)
    reg.fit(x, y)
    first = reg.model
    reg.fit(x, y)
    assert reg.model is not first


def test_illegal_parameter_is_refused_at_once():
    with pytest.raises(ValueError, match="n_neuron is not a legal parameter"):
        KerasRegressor(model_functions.build_model, n_neuron=3)
    reg = KerasRegressor(model_functions.build_model)
    with pytest.raises(ValueError, match="epoch is not a legal parameter"):
        reg.set_params(epoch=3)
    with pytest.raises(ValueError, match="needs build_fn"):
        KerasRegressor(None, epochs=1)


def test_params_and_clone():
    reg = KerasRegressor(model_functions.build_model, n_neurons=5, epochs=3)
    assert reg.get_params() == {"build_fn": model_functions.build_model, "n_neurons": 5, "epochs": 3}
    copy = clone(reg).set_params(n_neurons=9, learning_rate=0.1)
    assert copy.get_params()["n_neurons"] == 9 and copy.get_params()["learning_rate"] == 0.1
    assert reg.get_params() == {"build_fn": model_functions.build_model, "n_neurons": 5, "epochs": 3}


def test_regressor_score_is_minus_the_loss_and_predict_squeezes(regression):
    x, y = regression
    reg = KerasRegressor(model_functions.build_model, epochs=3, verbose=0)
    reg.fit(x, y)
    assert reg.score(x, y) == -reg.model.evaluate(x, y, verbose=0)
    prediction = reg.predict(x)
    assert prediction.shape == (60,)
    np.testing.assert_array_equal(prediction, reg.model.predict(x, verbose=0)[:, 0])


def _categorical(n_features=4, n_classes=3):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((n_features,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(n_classes, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("build", [model_functions.classifier_legacy, _categorical])
def test_classifier_labels_and_accuracy(three_classes, build):
    x, labels = three_classes
    clf = KerasClassifier(build, epochs=20, batch_size=16, verbose=0)
    clf.fit(x, labels)
    assert list(clf.classes_) == ["cat", "dog", "emu"] and clf.n_classes_ == 3
    outputs = clf.model.predict(x, verbose=0)
    np.testing.assert_array_equal(clf.predict(x), clf.classes_[outputs.argmax(axis=1)])
    np.testing.assert_array_equal(clf.predict_proba(x), outputs)
    assert clf.score(x, labels) == pytest.approx(np.mean(clf.predict(x) == labels))
    assert clf.score(x, labels) > 0.9


def test_binary_classifier_with_one_sigmoid_unit(three_classes):
    x, labels = three_classes
    keep = labels != "emu"

    def build():
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
        return model

    clf = KerasClassifier(build, epochs=20, verbose=0)
    clf.fit(x[keep], labels[keep])
    p = clf.model.predict(x[keep], verbose=0)
    np.testing.assert_array_equal(clf.predict_proba(x[keep]), np.hstack([1 - p, p]))
    np.testing.assert_array_equal(clf.predict(x[keep]), np.where(p[:, 0] > 0.5, "dog", "cat"))


def test_classifier_score_needs_accuracy(three_classes):
    x, labels = three_classes

    def build():
        model = model_functions.classifier_legacy()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=[])  # (None keeps them)
        return model

    clf = KerasClassifier(build, epochs=1, verbose=0)
    clf.fit(x, labels)
    with pytest.raises(ValueError, match='metrics=\\["accuracy"\\]'):
        clf.score(x, labels)


def test_build_fn_errors(regression):
    from sklearn.exceptions import NotFittedError

    x, y = regression
    with pytest.raises(NotFittedError):
        KerasRegressor(model_functions.build_model).predict(x)
    with pytest.raises(TypeError, match="must return a compiled densekit model"):
        KerasRegressor(lambda: None).fit(x, y)

    def uncompiled():
        return keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])

    with pytest.raises(RuntimeError, match="not compiled"):
        KerasRegressor(uncompiled).fit(x, y)


def test_the_slides_randomized_search(regression):
    """The slides' search, as written (fewer epochs): build_fn's arguments tuned, with
    validation_data and callbacks passed through the search's fit."""
    from scipy.stats import reciprocal
    from sklearn.model_selection import RandomizedSearchCV

    x, y = regression
    X_train, y_train, X_valid, y_valid = x[:45], y[:45], x[45:], y[45:]
    build_model = model_functions.build_model

    keras_reg = keras.wrappers.scikit_learn.KerasRegressor(build_model)
    param_distribs = {
        "n_hidden": [0, 1, 2, 3],
        "n_neurons": np.arange(1, 100),
        "learning_rate": reciprocal(3e-4, 3e-2),
    }
    rnd_search_cv = RandomizedSearchCV(keras_reg, param_distribs, n_iter=10, cv=3, random_state=42)
    rnd_search_cv.fit(X_train, y_train, epochs=5, validation_data=(X_valid, y_valid),
                      callbacks=[keras.callbacks.EarlyStopping(patience=10)], verbose=0)

    assert set(rnd_search_cv.best_params_) == {"n_hidden", "n_neurons", "learning_rate"}
    assert rnd_search_cv.best_score_ == max(rnd_search_cv.cv_results_["mean_test_score"])
    assert rnd_search_cv.best_score_ < 0  # minus a loss
    model = rnd_search_cv.best_estimator_.model
    assert len(model.layers) == rnd_search_cv.best_params_["n_hidden"] + 1
    assert "val_loss" in rnd_search_cv.best_estimator_.model.history.history


def test_categorical_loss_given_in_a_list(three_classes):
    x, labels = three_classes

    def build():
        model = _categorical()
        model.compile(optimizer=keras.optimizers.Adam(0.05), loss=["categorical_crossentropy"], metrics=["accuracy"])
        return model

    clf, plain = KerasClassifier(build, epochs=5, verbose=0), KerasClassifier(_categorical, epochs=5, verbose=0)
    clf.fit(x, labels)
    plain.fit(x, labels)
    np.testing.assert_array_equal(clf.predict_proba(x), plain.predict_proba(x))
    assert clf.score(x, labels) == plain.score(x, labels)


def test_labels_mixing_strings_and_numbers_are_refused(three_classes):
    x, labels = three_classes
    mixed = labels.astype(object)
    mixed[labels == "dog"] = 1
    with pytest.raises(ValueError, match=r"all strings or all numbers\)\. Got \['int', 'str'\]"):
        KerasClassifier(model_functions.classifier_legacy, epochs=1, verbose=0).fit(x, mixed)
