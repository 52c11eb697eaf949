"""Getting the model a wrapper trains: a fresh copy of a compiled model, or the one the user's
model function builds; and the checks that it can be trained and predicted by a wrapper."""

from densekit import _core, losses, models


def compiled_copy(model, wrapper):
    """A new model with ``model``'s architecture, initial weights and compile settings, and fresh
    optimizer state (what keras.models.clone_model does for the Keras wrappers): every fit starts
    from the same place, and the user's model is never trained by a wrapper (unless warm_start)."""
    require_compiled(model, wrapper)
    require_built(model, wrapper)
    # The config records each initializer's seed, so the copy starts from the same weights (the
    # config as densekit writes it: to_json() reduces the seeds to what Keras reads).
    return models.model_from_json(_core.model_config_json(model._core))


def require_built(model, wrapper):
    """Raises ValueError for a model without weights yet: there is nothing to copy, for a fit or
    for scikit-learn's clone."""
    if not model.built:
        raise ValueError(f"{wrapper} received a model that is not built yet, so it cannot be copied for training. "
                         "Start it with keras.Input(shape=...), or pass a function that builds and compiles the model "
                         "(model=build_fn).")


def require_compiled(model, wrapper):
    if not isinstance(model, models.Model):
        raise TypeError(f"{wrapper}'s model function must return a densekit model (keras.Model or keras.Sequential). "
                        f"Received: {model!r} (of type {type(model).__name__})")
    if not model.compiled or model.loss is None or model.optimizer is None:
        raise RuntimeError(f"{wrapper}: the given model needs to be compiled, and have a loss and an optimizer. Call "
                           "model.compile(optimizer=..., loss=...) before passing it (or in the model function).")


def output_units(model, wrapper):
    """The width of the model's single output (the model is built first if it is not)."""
    shape = model.output_shape
    if isinstance(shape, list):
        raise ValueError(f"{wrapper} supports models with one output; this model has {len(shape)} outputs.")
    if len(shape) != 2:
        raise ValueError(f"{wrapper} needs a model whose output is one vector per sample, of shape (None, units). "
                         f"This model's output shape is {shape}.")
    return shape[1]


def build_for(model, x):
    """Builds a model that was made without an Input (a Sequential built from its first batch)
    for x's feature count, so its output width is known before fit."""
    if not model.built:
        model.build((None,) + tuple(x.shape[1:]))


def loss_name(model):
    """The compiled loss's canonical name (e.g. "sparse_categorical_crossentropy"), or None for
    several losses or a loss densekit does not know by name. A single-output model's loss given
    as a one-entry list or dict (``loss=[...]``, ``loss={"out": ...}``) is that entry's."""
    loss = model.loss
    if isinstance(loss, (list, tuple, dict)) and len(loss) == 1 and _one_output(model):
        loss = next(iter(loss.values())) if isinstance(loss, dict) else loss[0]
    if loss is None or isinstance(loss, (list, tuple, dict)):
        return None
    try:
        return losses.loss_object(loss)._core_name
    except (ValueError, TypeError):
        return None


def _one_output(model):
    # A Sequential has one output even before it is built (a legacy build_fn may return one
    # without an Input); an unbuilt model of another kind cannot tell yet.
    if isinstance(model, models.Sequential):
        return True
    return model.built and not isinstance(model.output_shape, list)


def output_activation(model):
    """The name of the activation a one-output model ends in ("softmax", "sigmoid", ...), or None
    when it cannot tell (a subclassed model, an activation of the user's)."""
    try:
        layer = model.outputs[0]._keras_history.operation
        if type(layer).__name__ == "Softmax":  # (a layer of its own, with no activation argument)
            return "softmax"
        activation = layer.get_config().get("activation") if layer is not None else None
    except (AttributeError, IndexError, TypeError, ValueError):
        return None
    return activation if isinstance(activation, str) else None
