"""``keras.wrappers.scikit_learn.KerasClassifier`` / ``KerasRegressor(build_fn=None, **sk_params)``:
the scikit-learn wrappers of tf.keras 2.x (keras/wrappers/scikit_learn.py there; removed in
Keras 3), which older tutorials and the hyperparameter-search slides use.

``sk_params`` hold both build_fn's arguments and fit / predict / evaluate arguments, routed by
name (legacy_routing.py); they are the estimator's parameters, so a search can tune any of them
(``n_neurons``, ``learning_rate``, ``epochs``, ``batch_size``). ``fit`` builds a new model each
call and returns the History. The regressor's score is the negative loss; the classifier's is
the model's compiled accuracy.

tf.keras deprecated this form in favour of SciKeras; densekit keeps it working and does not
warn (docs/sklearn.md), and Keras 3's SKLearnClassifier / SKLearnRegressor are the wrappers
for new code.
"""

import numpy as np

from densekit import models
from densekit.wrappers import class_labels, legacy_routing, model_building
from densekit.wrappers._requirements import import_sklearn

import_sklearn("densekit.wrappers.scikit_learn.KerasClassifier / KerasRegressor")

from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin  # noqa: E402


class BaseWrapper(BaseEstimator):
    """build_fn and sk_params, their routing, and fit (a new model per call)."""

    # scikit-learn's metadata routing reads what fit accepts from its signature, which **kwargs
    # hides: declared here, Pipelines and searches can route sample_weight (set_fit_request).
    __metadata_request__fit = {"sample_weight": None}

    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params
        legacy_routing.check_params(self, sk_params)

    # The parameters are build_fn and the sk_params, whatever their names (scikit-learn reads
    # constructor arguments from the signature, which here is **sk_params).
    def get_params(self, deep=True):
        return {**self.sk_params, "build_fn": self.build_fn}

    def set_params(self, **params):
        if "build_fn" in params:
            self.build_fn = params.pop("build_fn")
        legacy_routing.check_params(self, params)
        self.sk_params.update(params)
        return self

    def _build_model(self):
        build = legacy_routing.build_function(self)
        model = build(**legacy_routing.params_for(self, build))
        if not isinstance(model, models.Model):
            raise TypeError(f"build_fn must return a compiled densekit model (keras.Sequential or keras.Model). "
                            f"Received: {model!r} (of type {type(model).__name__})")
        if not model.compiled:
            raise RuntimeError("The model build_fn returned is not compiled: call model.compile(optimizer=..., "
                               "loss=...) in build_fn.")
        return model

    def fit(self, x, y, **kwargs):
        """Builds a new model with build_fn and trains it; ``kwargs`` (Sequential.fit's arguments)
        override the sk_params. Returns the History."""
        self.model = self._build_model()
        y = self._training_targets(np.asarray(y))
        return self.model.fit(x, y, **legacy_routing.params_for(self, "fit", kwargs))

    def _training_targets(self, y):
        return y

    def _require_fitted(self):
        if not isinstance(getattr(self, "model", None), models.Model):
            from sklearn.exceptions import NotFittedError
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet. Call 'fit' first.")

    def _predict_outputs(self, x, kwargs):
        self._require_fitted()
        return self.model.predict(x, **legacy_routing.params_for(self, "predict", kwargs))

    def _evaluate(self, x, y, kwargs):
        self._require_fitted()
        return self.model.evaluate(x, y, **legacy_routing.params_for(self, "evaluate", kwargs), return_dict=True)


def _is_categorical_crossentropy(model):
    return model_building.loss_name(model) == "categorical_crossentropy"


class KerasClassifier(ClassifierMixin, BaseWrapper):
    """tf.keras 2.x's classifier wrapper: ``classes_`` from y's sorted labels; y becomes class
    indices (one-hot when build_fn's model uses categorical crossentropy); ``predict`` returns
    labels, ``predict_proba`` probabilities ([1 - p, p] for one sigmoid unit); ``score`` is the
    accuracy the model was compiled to compute."""

    def _training_targets(self, y):
        if y.ndim == 2 and y.shape[1] > 1:  # already one-hot (or multi-label): classes are the columns
            self.classes_ = np.arange(y.shape[1])
        elif y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
            self.classes_, y = class_labels.encode_labels(y.reshape(-1))
        else:
            raise ValueError(f"Invalid shape for y: {y.shape}")
        self.n_classes_ = len(self.classes_)
        if y.ndim == 1 and _is_categorical_crossentropy(self.model):
            y = class_labels.one_hot(y, self.n_classes_)
        return y

    def predict(self, x, **kwargs):
        """Class labels, shape (n,)."""
        return class_labels.labels(self._predict_outputs(x, kwargs), self.classes_)

    def predict_proba(self, x, **kwargs):
        """Class probabilities, shape (n, n_classes) ((n, 2) for one sigmoid unit)."""
        return class_labels.probabilities(self._predict_outputs(x, kwargs))

    def score(self, x, y, **kwargs):
        """The model's accuracy on (x, y): it must be compiled with metrics=["accuracy"]."""
        self._require_fitted()
        y = np.searchsorted(self.classes_, np.asarray(y))
        if y.ndim == 1 and _is_categorical_crossentropy(self.model):
            y = class_labels.one_hot(y, self.n_classes_)
        logs = self._evaluate(x, y, kwargs)
        for name in ("accuracy", "acc"):
            if name in logs:
                return logs[name]
        raise ValueError('The model is not configured to compute accuracy. You should pass `metrics=["accuracy"]` to '
                         "the `model.compile()` method.")


class KerasRegressor(RegressorMixin, BaseWrapper):
    """tf.keras 2.x's regressor wrapper: ``predict`` squeezes the outputs; ``score`` is the
    negative loss (greater is better for scikit-learn's searches), not R²."""

    def predict(self, x, **kwargs):
        return np.squeeze(self._predict_outputs(x, kwargs))

    def score(self, x, y, **kwargs):
        """Minus the model's loss on (x, y)."""
        return -self._evaluate(x, y, kwargs)["loss"]
