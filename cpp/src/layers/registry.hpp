// The layer types a config can name: each layer's own file (cpp/src/layers/<layer>.cpp) writes
// and reads its Keras config and registers both here under its class name(s).
#pragma once

#include "serialization/fields.hpp"

#include <densekit/layers/layer.hpp>

#include <string>
#include <vector>

namespace densekit {

// A Keras class a layer type reads and writes, with the arguments its constructor takes besides
// the base Layer's (its `__init__` in keras/src/layers/): a config with any other key is refused,
// as Keras's Layer.__init__ refuses it ("Unrecognized keyword arguments passed to Dense").
struct LayerClass {
  std::string name;
  std::vector<std::string> arguments;
  bool any_arguments = false;  // InputLayer's: Keras's InputLayer ignores keys it does not know
};

struct LayerType {
  std::vector<LayerClass> classes;
  // The whole config: base_config(layer) first, then the layer's fields in Keras's order.
  Json (*config)(const Layer& layer);
  // A layer named `name` from a config already known to be an object; ValueError on bad fields.
  LayerPtr (*from_config)(const std::string& class_name, const std::string& name, const Json& config);
};

// Each built-in layer's type, defined in its own file.
const LayerType& activation_layer_type();
const LayerType& batch_normalization_type();
const LayerType& dense_type();
const LayerType& dropout_type();
const LayerType& flatten_type();
const LayerType& global_pooling_type();
const LayerType& identity_type();
const LayerType& permute_type();
const LayerType& repeat_vector_type();
const LayerType& unit_normalization_type();
const LayerType& category_encoding_type();
const LayerType& gaussian_dropout_type();
const LayerType& alpha_dropout_type();
const LayerType& dot_type();
const LayerType& activity_regularization_type();
const LayerType& embedding_type();
const LayerType& gaussian_noise_type();
const LayerType& input_layer_type();
const LayerType& layer_normalization_type();
const LayerType& merge_type();
const LayerType& concatenate_type();
const LayerType& normalization_type();
const LayerType& prelu_type();
const LayerType& rescaling_type();
const LayerType& reshape_type();
// The op layers (ops.hpp).
const LayerType& elementwise_op_type();
const LayerType& binary_op_type();
const LayerType& reduce_type();
const LayerType& index_map_op_type();
const LayerType& weight_op_type();
const LayerType& add_loss_type();
const LayerType& random_draw_type();
const LayerType& loss_op_type();

// Whether `layer` is one of the op layers above (ops.hpp): they need format version 2 and are
// written with the module "densekit.ops".
bool is_recorded_op(const Layer& layer);
// The module a layer's config entry names: "keras.layers", or "densekit.ops" for op layers.
const char* layer_module(const Layer& layer);

// The registered type of `class_name`; ValueError listing the supported ones when unknown.
const LayerType& layer_type(const std::string& class_name);

// A layer's own config via its type, and a layer from a config (name, trainable and
// activity_regularizer handled here, the rest by the type).
Json layer_config(const Layer& layer);
LayerPtr layer_from_config(const std::string& class_name, const Json& config);

// The concrete layer behind a registered class name (the type's config functions use it).
template <class T>
const T& layer_as(const Layer& layer) {
  const T* concrete = dynamic_cast<const T*>(&layer);
  if (!concrete) throw ValueError("Layer '" + layer.name() + "' is registered as " + layer.class_name() + " but is not one.");
  return *concrete;
}

}  // namespace densekit
