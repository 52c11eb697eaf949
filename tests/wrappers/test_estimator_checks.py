"""scikit-learn's own conformance checks (sklearn.utils.estimator_checks) on the three Keras 3
wrappers. Each check listed in EXPECTED_FAILED_CHECKS is run as an expected failure (strict: it
must fail) with the reason it cannot apply; every other check must pass.

scikit-learn itself skips two kinds of check here:
- checks that need two fits on the same data to give the same model (check_fit_idempotent,
  check_pipeline_consistency, check_transformer_general, ...): the wrappers carry Keras's
  ``non_deterministic`` tag, because a model function that does not seed draws new initial
  weights each fit. With a seeding model function densekit's fits are bitwise reproducible:
  test_determinism_checks_with_a_seeding_model_function runs those checks on that case.
- check_array_api_input: runs only with SCIPY_ARRAY_API=1, and the models compute on NumPy
  float32 arrays only (array-API inputs such as torch or cupy arrays are not supported).
"""

import pytest

pytest.importorskip("sklearn", reason="the wrappers need scikit-learn: pip install 'densekit[sklearn]'")

import model_functions  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from densekit.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer  # noqa: E402

FIT = {"epochs": 3, "batch_size": 32, "verbose": 0}

EXPECTED_FAILED_CHECKS = {
    "SKLearnClassifier": {},
    "SKLearnRegressor": {
        "check_regressor_multioutput": (
            "predictions are float32, the model's own outputs bit for bit (as in Keras); the check wants "
            "float64, which would suggest a precision the model does not have"),
    },
    "SKLearnTransformer": {},
}


def _classifier(X, y):
    return model_functions.classifier(X, y, hidden=8, learning_rate=0.05)


def _regressor(X, y):
    return model_functions.regressor(X, y, hidden=8, learning_rate=0.05)


@parametrize_with_checks(
    [SKLearnClassifier(model=_classifier, fit_kwargs=FIT),
     SKLearnRegressor(model=_regressor, fit_kwargs=FIT),
     SKLearnTransformer(model=_regressor, fit_kwargs=FIT)],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS[type(estimator).__name__],
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _seeded(cls):
    """The wrapper with the deterministic tag: its model functions seed, so fits repeat exactly."""
    class Seeded(cls):
        def __sklearn_tags__(self):
            tags = super().__sklearn_tags__()
            tags.non_deterministic = False
            return tags
    Seeded.__name__ = Seeded.__qualname__ = cls.__name__
    return Seeded


@pytest.mark.parametrize("make", [
    lambda: _seeded(SKLearnClassifier)(model=_classifier, fit_kwargs=FIT),
    lambda: _seeded(SKLearnRegressor)(model=_regressor, fit_kwargs=FIT),
    lambda: _seeded(SKLearnTransformer)(model=_regressor, fit_kwargs=FIT),
])
def test_determinism_checks_with_a_seeding_model_function(make):
    from sklearn.utils import estimator_checks as checks

    estimator = make()
    name = type(estimator).__name__
    for check in (checks.check_fit_idempotent, checks.check_pipeline_consistency,
                  checks.check_methods_subset_invariance, checks.check_methods_sample_order_invariance):
        check(name, estimator)
    if name == "SKLearnTransformer":
        checks.check_transformer_general(name, estimator)
        checks.check_transformer_data_not_an_array(name, estimator)
