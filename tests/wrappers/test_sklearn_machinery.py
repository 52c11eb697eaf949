"""What scikit-learn's machinery does with an estimator: Pipeline, cross_val_score, clone,
pickling of fitted estimators (the model travels as densekit's native-format bytes)."""

import pickle

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the wrappers need scikit-learn: pip install 'densekit[sklearn]'")

import model_functions  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import KFold, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from densekit.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer  # noqa: E402
from densekit.wrappers.scikit_learn import KerasClassifier, KerasRegressor  # noqa: E402

FIT = {"epochs": 20, "batch_size": 16, "verbose": 0}


def test_pipeline_with_a_scaler(three_classes):
    x, labels = three_classes
    pipe = make_pipeline(StandardScaler(), SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT))
    pipe.fit(x * 100 + 5, labels)
    scaled = StandardScaler().fit_transform(x * 100 + 5).astype("float32")
    np.testing.assert_array_equal(pipe.predict_proba(x * 100 + 5), pipe[-1].model_.predict(scaled, verbose=0))
    assert pipe.score(x * 100 + 5, labels) > 0.9


def test_cross_val_score_fits_each_fold_from_the_same_start(three_classes):
    x, labels = three_classes
    folds = KFold(3, shuffle=True, random_state=0)
    clf = SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT)
    scores = cross_val_score(clf, x, labels, cv=folds)
    expected = []
    for train, test in folds.split(x):
        expected.append(clone(clf).fit(x[train], labels[train]).score(x[test], labels[test]))
    np.testing.assert_array_equal(scores, expected)
    assert scores.mean() > 0.8


def _round_trip(estimator):
    return pickle.loads(pickle.dumps(estimator))


@pytest.mark.parametrize("make", [
    lambda: SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT),
    lambda: KerasClassifier(model_functions.classifier_legacy, verbose=0, epochs=5),
])
def test_fitted_classifier_pickles_and_predicts_bit_identically(three_classes, make):
    x, labels = three_classes
    clf = make()
    clf.fit(x, labels)
    copy = _round_trip(clf)
    np.testing.assert_array_equal(copy.predict_proba(x), clf.predict_proba(x))
    np.testing.assert_array_equal(copy.predict(x), clf.predict(x))
    np.testing.assert_array_equal(copy.classes_, clf.classes_)


def test_fitted_regressor_and_transformer_pickle(regression):
    x, y = regression
    for estimator in (SKLearnRegressor(model_functions.regressor, fit_kwargs=FIT),
                      KerasRegressor(model_functions.build_model, epochs=3, verbose=0)):
        estimator.fit(x, y)
        np.testing.assert_array_equal(_round_trip(estimator).predict(x), estimator.predict(x))
    trs = SKLearnTransformer(model_functions.regressor, fit_kwargs=FIT).fit(x, y)
    np.testing.assert_array_equal(_round_trip(trs).transform(x), trs.transform(x))


def test_pickled_model_keeps_training_where_it_stopped(regression):
    """The bytes carry the optimizer state: a warm-started copy trains on exactly as the
    original does."""
    x, y = regression
    reg = SKLearnRegressor(model_functions.regressor, warm_start=True, fit_kwargs=FIT).fit(x, y)
    copy = _round_trip(reg)
    reg.fit(x, y, shuffle=False)
    copy.fit(x, y, shuffle=False)
    np.testing.assert_array_equal(copy.predict(x), reg.predict(x))


def test_estimator_with_a_model_instance_clones_and_pickles(regression):
    x, y = regression
    model = model_functions.regressor(x, y.reshape(-1, 1))
    reg = SKLearnRegressor(model, fit_kwargs=FIT)
    copy = clone(reg)
    assert copy.model is not model  # scikit-learn deep-copies parameters (here through the bytes)
    np.testing.assert_array_equal(copy.model.get_weights()[0], model.get_weights()[0])
    reg.fit(x, y)
    np.testing.assert_array_equal(_round_trip(reg).predict(x), reg.predict(x))


def test_estimators_whose_model_kwargs_hold_keras_objects_clone(three_classes):
    """clone() deep-copies parameters: a loss object in model_kwargs raised "cannot pickle
    ...Loss", so searches and cross_val_score over such an estimator failed (Keras's copy)."""
    import densekit as keras

    x, labels = three_classes
    clf = SKLearnClassifier(model_functions.classifier, fit_kwargs=FIT,
                            model_kwargs={"loss": keras.losses.CategoricalCrossentropy(label_smoothing=0.1)})
    copy = clone(clf)
    assert copy.model_kwargs["loss"] is not clf.model_kwargs["loss"]
    assert copy.model_kwargs["loss"].get_config() == clf.model_kwargs["loss"].get_config()
    scores = cross_val_score(clf, x, labels, cv=KFold(2, shuffle=True, random_state=0))
    assert scores.min() > 0.8


def test_cloning_an_unbuilt_model_instance_gives_the_fit_message(regression):
    import densekit as keras

    x, y = regression
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    message = "received a model that is not built yet, so it cannot be copied"
    with pytest.raises(ValueError, match=message):
        clone(SKLearnRegressor(model))
    with pytest.raises(ValueError, match=message):
        cross_val_score(SKLearnRegressor(model, fit_kwargs=FIT), x, y, cv=2, error_score="raise")
    with pytest.raises(ValueError, match=message):
        clone(make_pipeline(StandardScaler(), SKLearnRegressor(model)))


@pytest.mark.parametrize("make", [
    lambda: SKLearnClassifier(model_functions.classifier, fit_kwargs={**FIT, "shuffle": False}),
    lambda: KerasClassifier(model_functions.classifier_legacy, epochs=20, batch_size=16, shuffle=False, verbose=0),
])
def test_metadata_routing_delivers_sample_weight_to_fit(three_classes, make):
    import sklearn

    x, labels = three_classes
    weights = np.where(labels == "cat", 5.0, 0.2)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(make().set_fit_request(sample_weight=True))
        pipe.fit(x, labels, sample_weight=weights)
    direct, unweighted = make(), make()
    direct.fit(x, labels, sample_weight=weights)
    unweighted.fit(x, labels)
    np.testing.assert_array_equal(pipe.predict_proba(x), direct.predict_proba(x))
    assert not np.array_equal(pipe.predict_proba(x), unweighted.predict_proba(x))
