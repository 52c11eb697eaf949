"""Keras's weight paths (``Variable.path``): the scopes a layer was built in, the layer's name,
the weight's name. Keras fixes a variable's path when it creates it, inside the name scopes open
then (keras/src/backend/common/variables.py): a layer builds its weights inside its own scope
("dense/kernel"), and a Sequential or subclassed model builds its layers inside its own
("sequential/dense/kernel"), while a functional model's layers were built by the calls that made
it, outside any model's scope. Here a layer's scope is fixed when it first gets a graph, or a
model's when it is first called on symbolic tensors (where Keras builds it), inside the scopes of
the models building then (`building`)."""

import contextlib
import threading

_open = threading.local()  # .scopes: the scopes of the models building their layers now


@contextlib.contextmanager
def building(model):
    """While a Sequential or subclassed model builds (calls) its layers: what is first built
    inside is in its scope."""
    fix_scopes(model)
    scopes = _open.__dict__.setdefault("scopes", [])
    scopes.append(model._path_scope + f"{model.name}/")
    try:
        yield
    finally:
        scopes.pop()


def fix_scopes(layer):
    """Fixes the scope of ``layer`` (top level when not fixed yet) and of whatever inside it is
    built now for the first time."""
    if layer._path_scope is None:
        scopes = _open.__dict__.get("scopes")
        layer._path_scope = scopes[-1] if scopes else ""
        _fix_inside(layer)


def _fix_inside(container):
    scope = container._path_scope + (f"{container.name}/" if _builds_inside_itself(container) else "")
    for layer in _children(container):
        if getattr(layer, "_path_scope", "") is None:
            layer._path_scope = scope
            _fix_inside(layer)


def _is_model(layer):
    return hasattr(layer, "_sequential")  # (densekit.models.Model, which this package does not import)


def _builds_inside_itself(layer):
    return not _is_model(layer) or layer._sequential or layer._subclassed


def _children(layer):
    if _is_model(layer):
        return layer.layers
    sublayers = getattr(layer, "_sublayers", None)  # a subclassed layer's
    return sublayers() if sublayers is not None and layer._core is None else []
