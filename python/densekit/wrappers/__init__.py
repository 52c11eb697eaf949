"""densekit models wrapped for other libraries (``keras.wrappers``).

- ``SKLearnClassifier``, ``SKLearnRegressor``, ``SKLearnTransformer``: Keras 3's wrappers
  (keras/src/wrappers/sklearn_wrapper.py), in sklearn_wrapper.py.
- ``scikit_learn.KerasClassifier`` / ``KerasRegressor(build_fn, **sk_params)``: the tf.keras 2.x
  form that older tutorials use (keras/wrappers/scikit_learn.py of tf.keras), in scikit_learn.py.
- ``BatchPredictor``: densekit's own, a model's predict as a picklable callable for Dask, Ray
  and process pools, in batch_predictor.py (docs/distributed.md). It needs no other library.

scikit-learn is an optional dependency: nothing here imports it until a wrapper is first used,
so ``import densekit`` stays fast and works without it (docs/sklearn.md).
"""

import importlib

_WRAPPERS = {"SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"}
_SUBMODULES = {"scikit_learn", "sklearn_wrapper"}

__all__ = ["BatchPredictor"] + sorted(_WRAPPERS) + sorted(_SUBMODULES)


def __getattr__(name):
    # Module-level __getattr__ (PEP 562): the wrappers' modules import scikit-learn, so they load
    # on first use and raise an ImportError naming the extra to install when it is missing.
    if name == "BatchPredictor":
        return importlib.import_module("densekit.wrappers.batch_predictor").BatchPredictor
    if name in _WRAPPERS:
        return getattr(importlib.import_module("densekit.wrappers.sklearn_wrapper"), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"densekit.wrappers.{name}")
    raise AttributeError(f"module 'densekit.wrappers' has no attribute '{name}'")


def __dir__():
    return __all__
