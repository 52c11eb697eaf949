"""How tf.keras 2.x's KerasClassifier / KerasRegressor route ``sk_params`` by name
(keras/wrappers/scikit_learn.py of tf.keras): a parameter goes to every function among
build_fn, Sequential.fit, Sequential.predict and Sequential.evaluate that names it as an
argument (``epochs`` to fit, ``batch_size`` to fit, predict and evaluate, ``n_neurons`` to
build_fn); a name none of them takes is refused when it is set, so a typo fails at once.
"""

import inspect

from densekit.models import Sequential

_MODEL_METHODS = {"fit": Sequential.fit, "predict": Sequential.predict, "evaluate": Sequential.evaluate}


def arguments_of(fn):
    """The names ``fn`` takes by keyword (its ``**kwargs`` do not count, as in tf.keras's has_arg)."""
    try:  # signature() also reads callable objects (their __call__) and functools.partial
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # no signature (some builtins): nothing can be routed to it
        return frozenset()
    return frozenset(p.name for p in parameters
                     if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self")


def build_function(wrapper):
    """What builds the model: build_fn (a function or a callable object), or the wrapper's own
    ``__call__`` when build_fn is None (a subclass that defines it)."""
    build_fn = wrapper.build_fn
    if build_fn is None:
        if not callable(wrapper):
            raise ValueError(f"{type(wrapper).__name__} needs build_fn: a function that builds and compiles the model "
                             "(or a subclass that defines __call__).")
        return wrapper.__call__
    if not callable(build_fn):
        raise TypeError(f"build_fn must be a function that returns a compiled model. Received: {build_fn!r}")
    return build_fn


def check_params(wrapper, params):
    """Raises ValueError for a parameter that no routed function takes (tf.keras's message)."""
    targets = [arguments_of(fn) for fn in _MODEL_METHODS.values()]
    targets.append(arguments_of(build_function(wrapper)))
    for name in params:
        if not any(name in names for names in targets):
            raise ValueError(f"{name} is not a legal parameter: it is not an argument of build_fn, nor of "
                             "Sequential.fit, predict or evaluate.")


def params_for(wrapper, fn, override=None):
    """The sk_params that ``fn`` takes, then ``override`` (a call's own keyword arguments) on top."""
    if fn in _MODEL_METHODS:
        fn = _MODEL_METHODS[fn]
    names = arguments_of(fn)
    chosen = {name: value for name, value in wrapper.sk_params.items() if name in names}
    chosen.update(override or {})
    return chosen
