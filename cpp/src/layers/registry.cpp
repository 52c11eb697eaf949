#include "layers/registry.hpp"

#include <densekit/naming.hpp>

#include <algorithm>
#include <map>

namespace densekit {
namespace {

// Keras's class name → type; the order of `types` is the order the error message lists them.
struct Registry {
  std::vector<const LayerType*> types;
  std::map<std::string, const LayerType*> by_name;
  std::map<std::string, const LayerClass*> class_by_name;
  std::string names;  // "Dense, Dropout, ... and InputLayer"
};

// What Keras's base Layer.__init__ takes besides a class's own arguments (keras/src/layers/layer.py),
// and batch_input_shape: Keras 2 files put it on a model's first layer, and Keras's loader of
// those files turns it into input_shape (keras/src/legacy/saving/saving_utils.py).
const std::vector<std::string>& base_layer_arguments() {
  static const std::vector<std::string> keys{"name",         "trainable",   "dtype",           "autocast",
                                             "activity_regularizer", "input_dim", "input_shape", "batch_input_shape"};
  return keys;
}

bool takes(const std::vector<std::string>& arguments, const std::string& key) {
  return std::find(arguments.begin(), arguments.end(), key) != arguments.end();
}

// A value as Python prints it (the message is Keras's, which prints the keyword arguments'
// dict): 'text', None, True; numbers, lists and objects as JSON has them.
std::string python_repr(const Json& v) {
  if (v.is_string()) return "'" + v.get<std::string>() + "'";
  if (v.is_null()) return "None";
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  return v.dump();
}

// A config key that is neither the class's argument nor the base Layer's is refused, with Keras's
// message (Layer.__init__ in keras/src/layers/layer.py).
void check_arguments(const LayerClass& cls, const Json& config) {
  if (cls.any_arguments) return;
  std::string unknown;
  for (auto it = config.begin(); it != config.end(); ++it)
    if (!takes(cls.arguments, it.key()) && !takes(base_layer_arguments(), it.key()))
      unknown += (unknown.empty() ? "'" : ", '") + it.key() + "': " + python_repr(it.value());
  if (!unknown.empty()) throw ValueError("Unrecognized keyword arguments passed to " + cls.name + ": {" + unknown + "}");
}

const Registry& registry() {
  static const Registry r = [] {
    Registry out;
    out.types = {&dense_type(),     &dropout_type(),        &flatten_type(),         &activation_layer_type(),
                 &prelu_type(),     &merge_type(),          &concatenate_type(),     &dot_type(),     &normalization_type(),
                 &batch_normalization_type(), &layer_normalization_type(), &gaussian_noise_type(),
                 &gaussian_dropout_type(), &alpha_dropout_type(), &activity_regularization_type(), &embedding_type(), &global_pooling_type(), &identity_type(), &permute_type(), &repeat_vector_type(),
                 &unit_normalization_type(), &category_encoding_type(), &rescaling_type(), &reshape_type(), &input_layer_type(),
                 &elementwise_op_type(), &binary_op_type(), &reduce_type(), &index_map_op_type(),
                 &weight_op_type(), &add_loss_type(), &random_draw_type(), &loss_op_type()};
    std::vector<std::string> all;
    for (const LayerType* type : out.types)
      for (const LayerClass& cls : type->classes) {
        out.by_name[cls.name] = type;
        out.class_by_name[cls.name] = &cls;
        all.push_back(cls.name);
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
  check_arguments(*registry().class_by_name.at(class_name), config);
  std::string name = field(config, "name", std::string());
  if (name.empty()) name = auto_name(class_name);
  LayerPtr layer = type.from_config(class_name, name, config);
  layer->trainable = field(config, "trainable", true);
  // (ActivityRegularization makes its own from l1 and l2.)
  if (class_name != "InputLayer" && class_name != "ActivityRegularization")
    layer->activity_regularizer = regularizer_from(config.value("activity_regularizer", Json(nullptr)));
  return layer;
}

}  // namespace densekit
