#include "layers/registry.hpp"

#include <densekit/naming.hpp>

#include <map>

namespace densekit {
namespace {

// Keras's class name → type; the order of `types` is the order the error message lists them.
struct Registry {
  std::vector<const LayerType*> types;
  std::map<std::string, const LayerType*> by_name;
  std::string names;  // "Dense, Dropout, ... and InputLayer"
};

const Registry& registry() {
  static const Registry r = [] {
    Registry out;
    out.types = {&dense_type(),     &dropout_type(),        &flatten_type(),         &activation_layer_type(),
                 &prelu_type(),     &merge_type(),          &concatenate_type(),     &normalization_type(),
                 &batch_normalization_type(), &layer_normalization_type(), &gaussian_noise_type(),
                 &gaussian_dropout_type(), &rescaling_type(), &reshape_type(), &input_layer_type(),
                 &elementwise_op_type(), &binary_op_type(), &reduce_type(), &index_map_op_type(),
                 &weight_op_type(), &add_loss_type(), &random_draw_type(), &loss_op_type()};
    std::vector<std::string> all;
    for (const LayerType* type : out.types)
      for (const std::string& name : type->class_names) {
        out.by_name[name] = type;
        all.push_back(name);
      }
    for (size_t i = 0; i < all.size(); ++i) out.names += (i == 0 ? "" : i + 1 == all.size() ? " and " : ", ") + all[i];
    return out;
  }();
  return r;
}

}  // namespace

const LayerType& layer_type(const std::string& class_name) {
  const Registry& r = registry();
  const auto it = r.by_name.find(class_name);
  if (it == r.by_name.end())
    throw ValueError("Unknown layer type '" + class_name + "' in the config: densekit supports " + r.names + ".");
  return *it->second;
}

bool is_recorded_op(const Layer& layer) {
  const auto& by_name = registry().by_name;
  const auto it = by_name.find(layer.class_name());
  if (it == by_name.end()) return false;
  const LayerType* type = it->second;
  return type == &elementwise_op_type() || type == &binary_op_type() || type == &reduce_type() ||
         type == &index_map_op_type() || type == &weight_op_type() || type == &add_loss_type() ||
         type == &random_draw_type() || type == &loss_op_type();
}

const char* layer_module(const Layer& layer) { return is_recorded_op(layer) ? "densekit.ops" : "keras.layers"; }

Json layer_config(const Layer& layer) {
  const auto& by_name = registry().by_name;
  const auto it = by_name.find(layer.class_name());
  if (it == by_name.end()) throw ValueError("densekit cannot serialize a layer of class " + layer.class_name() + ".");
  return it->second->config(layer);
}

LayerPtr layer_from_config(const std::string& class_name, const Json& config) {
  if (!config.is_object()) throw ValueError("The config of a " + class_name + " layer must be an object; received " + config.dump());
  const LayerType& type = layer_type(class_name);
  std::string name = field(config, "name", std::string());
  if (name.empty()) name = auto_name(class_name);
  LayerPtr layer = type.from_config(class_name, name, config);
  layer->trainable = field(config, "trainable", true);
  if (class_name != "InputLayer") layer->activity_regularizer = regularizer_from(config.value("activity_regularizer", Json(nullptr)));
  return layer;
}

}  // namespace densekit
