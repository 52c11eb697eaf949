"""SKLearnClassifier, SKLearnRegressor, SKLearnTransformer: Keras 3's scikit-learn wrappers
(keras/src/wrappers/sklearn_wrapper.py), with the same constructor and semantics.

``model`` is a compiled model (copied for each fit unless ``warm_start``) or a callable
``model(X=..., y=..., **model_kwargs)`` returning one; ``fit_kwargs`` go to ``model.fit``, and
keyword arguments of ``fit`` override them. Where densekit differs from Keras (all listed in
docs/sklearn.md): ``predict_proba`` on the classifier, one-sigmoid and sparse-label classifiers,
the classifier's ``validation_data`` labels encoded as ``y``'s, a binary ``decision_function`` of
shape (n,), silent predictions, ``fit_kwargs`` kept across clones, and ``sample_weight`` routable
to ``fit``.
"""

import numpy as np

from densekit import models
from densekit.wrappers import class_labels, model_building
from densekit.wrappers._requirements import import_sklearn

import_sklearn("densekit.wrappers.SKLearnClassifier / SKLearnRegressor / SKLearnTransformer")

from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin  # noqa: E402
from sklearn.utils.validation import check_is_fitted  # noqa: E402

from densekit.wrappers import input_checks  # noqa: E402  (imports scikit-learn)

_FEATURE_ATTRIBUTES = ("n_features_in_", "feature_names_in_")


class SKLBase(BaseEstimator):
    """What the three wrappers share: the constructor, getting the model, fit and predict.

    Args:
        model: a compiled ``keras.Model``, or a callable ``model(X=..., y=..., **model_kwargs)``
            that returns one. A model instance is copied for each fit (same architecture,
            initial weights and compile settings, new optimizer state) unless ``warm_start``.
        warm_start: when True, fit continues training the model of the previous fit (or the
            given model instance itself) instead of starting again.
        model_kwargs: keyword arguments for the model callable.
        fit_kwargs: keyword arguments for ``model.fit`` (epochs, batch_size, verbose, ...);
            keyword arguments given to ``fit`` take precedence.

    Attributes:
        model_: the trained model.  history_: the ``History`` of the last fit.
        epoch_: the number of epochs the last fit ran (0 before any).
    """

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    @property
    def epoch_(self):
        # Keras's reads ``history_.get("epoch", 0)``, which a History object does not have, so
        # it raises once the estimator is fitted; this is what it documents.
        history = self.__dict__.get("history_")
        return len(history.epoch) if history is not None else 0

    # Training with the same data twice gives the same model only if the model function seeds
    # (keras.utils.set_random_seed): a model instance is copied with a new shuffling stream.
    def _more_tags(self):  # scikit-learn < 1.6
        return {"non_deterministic": True, "multioutput": self._multi_output}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        tags.target_tags.multi_output = self._multi_output
        return tags

    @property
    def _name(self):
        return type(self).__name__

    def _get_model(self, X, y):
        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if isinstance(self.model, models.Model):
            if self.warm_start:
                model_building.require_compiled(self.model, self._name)
                return self.model
            return model_building.compiled_copy(self.model, self._name)
        if not callable(self.model):
            raise TypeError(f"{self._name}'s `model` must be a compiled keras.Model or a function that returns one. "
                            f"Received: model={self.model!r}")
        model = self.model(X=X, y=y, **(self.model_kwargs or {}))
        model_building.require_compiled(model, self._name)
        return model

    def _fit_kwargs(self, kwargs):
        # Merged into a new dict: Keras updates self.fit_kwargs in place, which leaks one call's
        # arguments into the next fit and into clones.
        return {**(self.fit_kwargs or {}), **kwargs}

    # scikit-learn's metadata routing reads what fit accepts from its signature, which **kwargs
    # hides: declared here, Pipelines and searches can route sample_weight (set_fit_request).
    __metadata_request__fit = {"sample_weight": None}

    def __sklearn_clone__(self):
        # Cloning deep-copies `model`, and an unbuilt model has no state to copy: the message fit
        # gives, rather than the pickling error from inside scikit-learn.
        if isinstance(self.model, models.Model):
            model_building.require_built(self.model, self._name)
        return super().__sklearn_clone__()

    def fit(self, X, y, **kwargs):
        """Builds (or copies) the model and trains it on (X, y); ``kwargs`` go to ``model.fit``."""
        if y is None:
            raise ValueError(f"{self._name} requires y to be passed, but the target y is None (the model trains on "
                             "(X, y); for an autoencoder-style transformer, pass y=X).")
        # Input checks record the feature count (and names) of this X before anything can fail;
        # a fit that fails puts back those of the previous fit (or none).
        seen = {name: self.__dict__[name] for name in _FEATURE_ATTRIBUTES if name in self.__dict__}
        try:
            X, y = input_checks.validate_fit(self, X, y, self._multi_output)
            targets, learned = self._encode_targets(y)
            model = self._get_model(X, targets)
            model_building.build_for(model, X)
            fit_kwargs = self._fit_kwargs(kwargs)
            if fit_kwargs.get("validation_data") is not None:
                fit_kwargs["validation_data"] = self._validation_data(fit_kwargs["validation_data"], model, learned)
            if fit_kwargs.get("class_weight") is not None:
                fit_kwargs["class_weight"] = self._class_weight(fit_kwargs["class_weight"], learned)
            history = model.fit(X, self._targets_for(model, targets, learned), **fit_kwargs)
        except BaseException:
            for name in _FEATURE_ATTRIBUTES:
                self.__dict__.pop(name, None)
            self.__dict__.update(seen)
            raise
        # Set only now: a fit that fails leaves the estimator as it was (no classes_ of this y
        # beside the model of the previous fit).
        self.__dict__.update(learned)
        self.history_, self.model_ = history, model
        return self

    def _outputs(self, X):
        check_is_fitted(self, "model_")
        X = input_checks.validate_predict(self, X)
        return self.model_.predict(X, verbose=0)

    # Subclasses: how y becomes what the model function sees, and what the model trains on.
    _multi_output = True

    def _encode_targets(self, y):
        """(what the model function receives as y, the attributes fit sets when it succeeds):
        here a 1-D y as one column, since the model's output is (n, units)."""
        y = np.asarray(y)
        return (y.reshape(-1, 1) if y.ndim == 1 else y), {"_y_ndim": y.ndim}

    def _targets_for(self, model, targets, learned):
        """What the model trains on."""
        return targets

    def _validation_data(self, data, model, learned):
        """``validation_data`` as the model evaluates it: here as given (a regressor's or
        transformer's y is what the model trains on)."""
        return data

    def _class_weight(self, class_weight, learned):
        """``class_weight`` as model.fit reads it (keyed by class index): here as given."""
        return class_weight


def _is_label(key, classes):
    try:
        return bool(np.any(classes == np.asarray(key, dtype=classes.dtype)))
    except (TypeError, ValueError):  # a key that is not of the labels' kind
        return False


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """A scikit-learn classifier around a densekit model (Keras's ``keras.wrappers.SKLearnClassifier``).

    Labels may be strings, integers, floats or booleans; ``classes_`` holds them sorted. The
    model function receives y one-hot encoded (so ``y.shape[1]`` is the number of classes), as
    in Keras. The model may output one unit per class (softmax; categorical or sparse
    categorical crossentropy), or one sigmoid unit for two classes. ``predict`` returns labels,
    ``predict_proba`` the class probabilities (n, n_classes), ``score`` the accuracy.
    """

    _multi_output = False

    def _encode_targets(self, y):
        class_labels.check_class_labels(y, self._name)
        classes, indices = class_labels.encode_labels(y)
        return class_labels.one_hot(indices, len(classes)), {"classes_": classes}

    def _targets_for(self, model, one_hot_targets, learned):
        return self._trained_on(model, one_hot_targets.argmax(axis=1), learned["classes_"])

    def _trained_on(self, model, indices, classes):
        units = model_building.output_units(model, self._name)
        return class_labels.training_targets(indices, len(classes), units, model_building.loss_name(model), self._name,
                                             model_building.output_activation(model))

    def _validation_data(self, data, model, learned):
        """validation_data's labels encoded as y's are: Keras's fit would compare the raw labels
        with the model's outputs, reporting val_loss and val_accuracy of nothing meaningful."""
        # model.fit takes (x, y) or (x, y, sample_weight), as a tuple or a list; anything else
        # goes as given, for model.fit's own message.
        if not isinstance(data, (tuple, list)) or len(data) not in (2, 3) or data[1] is None:
            return data
        x_val, y_val, *sample_weight = data
        indices = class_labels.class_indices(y_val, learned["classes_"], "validation_data")
        return (x_val, self._trained_on(model, indices, learned["classes_"]), *sample_weight)

    def _class_weight(self, class_weight, learned):
        """class_weight keyed by the labels, as scikit-learn's estimators take it, keyed by their
        indices in classes_ for model.fit (it was silently ignored for labels other than 0..k-1).
        Keys that are all indices (0..k-1) but not all labels go as given, as Keras's wrapper
        passes them; a mix is refused."""
        if not isinstance(class_weight, dict):
            return class_weight
        classes = learned["classes_"]
        as_labels = {key: class_labels.class_indices(np.asarray([key]), classes, "class_weight")[0]
                     for key in class_weight if _is_label(key, classes)}
        if len(as_labels) == len(class_weight):
            return {int(as_labels[key]): weight for key, weight in class_weight.items()}
        if all(isinstance(key, (int, np.integer)) and 0 <= key < len(classes) for key in class_weight):
            return class_weight
        unknown = [key for key in class_weight if key not in as_labels]
        raise ValueError(f"{self._name}: class_weight's keys must be the labels of classes_ ({list(classes)}); "
                         f"received {unknown!r}, which are not.")

    def predict(self, X):
        """The predicted class labels, shape (n,)."""
        return class_labels.labels(self._outputs(X), self.classes_)

    def score(self, X, y, sample_weight=None):
        """Accuracy: the share of X's samples whose predicted label equals y's."""
        y_array = np.asarray(y)
        if sample_weight is None and y_array.ndim == 1 and y_array.dtype == self.classes_.dtype:
            # What accuracy_score computes, without its target checks (1.5 ms, more than a
            # small model's predict): y's labels are of the kind fit saw.
            predicted = self.predict(X)
            if len(predicted) == len(y_array):
                return float(np.mean(predicted == y_array))
        return super().score(X, y, sample_weight=sample_weight)

    def predict_proba(self, X):
        """Class probabilities, shape (n, n_classes), columns in the order of ``classes_`` (the
        model's outputs, so its last layer should be a softmax, or one sigmoid unit)."""
        return class_labels.probabilities(self._outputs(X))

    def decision_function(self, X):
        """The model's outputs (n, n_classes); for two classes, as scikit-learn expects, one score
        per sample: p(classes_[1]) - p(classes_[0]), positive for the second class."""
        proba = class_labels.probabilities(self._outputs(X))
        return proba[:, 1] - proba[:, 0] if proba.shape[1] == 2 else proba

    def _more_tags(self):  # scikit-learn < 1.6
        return {**super()._more_tags(), "poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True  # a few epochs on sklearn's tiny check data
        return tags


class SKLearnRegressor(RegressorMixin, SKLBase):
    """A scikit-learn regressor around a densekit model (Keras's ``keras.wrappers.SKLearnRegressor``).

    A 1-D y trains as one column and predictions come back 1-D; ``score`` is R².
    """

    def predict(self, X):
        """Predictions, shape (n,) when y was 1-D, else (n, outputs)."""
        outputs = self._outputs(X)
        return outputs[:, 0] if self._y_ndim == 1 and outputs.ndim == 2 and outputs.shape[1] == 1 else outputs

    def _more_tags(self):  # scikit-learn < 1.6
        return {**super()._more_tags(), "poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class SKLearnTransformer(TransformerMixin, SKLBase):
    """A scikit-learn transformer around a densekit model (Keras's ``keras.wrappers.SKLearnTransformer``):
    ``fit`` trains the model on (X, y), ``transform`` returns its outputs (for instance an
    embedding). Not a transformer in the attention sense."""

    def transform(self, X):
        """The model's outputs for X, shape (n, output units)."""
        return self._outputs(X)

    def _more_tags(self):  # scikit-learn < 1.6
        return {**super()._more_tags(), "preserves_dtype": []}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # always float32, the model's dtype
        return tags
