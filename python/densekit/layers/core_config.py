"""A layer's C++ twin, built from the layer's Keras config by the same C++ code that reads model
files: a Python layer only gathers its arguments into a config."""

import json
import math

from densekit import _core

# Objects a config holds as their own configs (an initializer keeps its drawn seed, so the C++
# layer is configured exactly as the Python one).
_CONFIGURED = (_core.Activation, _core.Initializer, _core.Regularizer, _core.Constraint)


def _config_value(layer, key, value):
    if isinstance(value, _CONFIGURED):
        return json.loads(_core.config_json(value))
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{type(layer).__name__}: `{key}` must be a finite number. Received: {key}={value}")
    return value


def core_from_config(layer, class_name, **fields):
    """The C++ layer of class ``class_name`` named and configured as ``layer`` with ``fields``."""
    config = {"name": layer.name, "trainable": layer.trainable}
    config.update((key, _config_value(layer, key, value)) for key, value in fields.items())
    return _core.layer_from_config_json(class_name, json.dumps(config))
