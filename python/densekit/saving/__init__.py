"""Saving and loading models: densekit's native format (docs/format.md: one safetensors file
with the architecture, weights, compile settings and optimizer state, implemented once, in
C++), and Keras's files (docs/keras-files.md), translated to and from the native format.

saving_api.py: save_model, load_model, save_weights, load_weights (what users call).
serialization_lib.py: the Python model around a loaded C++ model; the model classes register
there, so this package never imports densekit.models (which, with callbacks, imports it).
keras_reader.py, keras_files.py: Keras files in (read, then built by the native loader);
keras_nested.py: nested models inlined into the flat graph densekit builds; keras_nested_weights.py:
Keras weights files of nested models read onto the inlined layers.
keras2_config.py, keras2_optimizer_state.py: tf.keras 2.x's config forms and optimizer state
in Keras 3's.
keras_writer.py: Keras 3 archives and weights files out.
keras_layout.py, keras_optimizer_state.py: where Keras keeps a layer's and an optimizer's
variables. native_bytes.py: the native file as metadata and named arrays.
register_keras_serializable and custom_objects (for the user's own losses, metrics and functions
named in a saved config) live in densekit/utils/object_registration.py, which layers can import;
serialize_keras_object / deserialize_keras_object (the Keras dict of any object, which each
module's serialize / deserialize calls) beside it in densekit/utils/object_serialization.py.
"""

from densekit.utils.object_registration import (CustomObjectScope, custom_object_scope, get_custom_objects,
                                                 get_registered_name, get_registered_object,
                                                 register_keras_serializable)
from densekit.utils.object_serialization import deserialize_keras_object, serialize_keras_object
from densekit.saving.saving_api import load_model, load_weights, save_model, save_weights
from densekit.saving.serialization_lib import model_from_bytes, model_from_config, wrap_core_model

__all__ = ["CustomObjectScope", "custom_object_scope", "deserialize_keras_object", "get_custom_objects",
           "get_registered_name", "get_registered_object", "load_model", "load_weights", "model_from_bytes",
           "model_from_config", "register_keras_serializable", "save_model", "save_weights", "serialize_keras_object",
           "wrap_core_model"]
