// Keras's config schema (as keras/src/saving/serialization_lib.py writes it) for layers, models
// and compile settings, as JSON text: what get_config / to_json return, and what a model file stores as its architecture.
#pragma once

#include <densekit/layers/layer.hpp>
#include <densekit/model.hpp>

#include <memory>
#include <string>

namespace densekit {

// A layer's inner "config" object ({"name": ..., "units": ..., ...}).
std::string layer_config_json(const Layer& layer);
// Builds a layer from its class name ("Dense") and inner config; throws ValueError naming an
// unknown class or a bad field.
LayerPtr layer_from_config_json(const std::string& class_name, const std::string& config_json);

// The Keras configs of what layers are configured with: an activation ("relu", or a wrapped
// object when it has arguments), an initializer, a regularizer and a constraint ("null" when
// inactive). A layer built from a config holding these is configured exactly as the originals.
std::string activation_config_json(const Activation& activation);
// And back: an activation from its config (a name, a wrapped object, or an activation layer's).
Activation activation_from_config_json(const std::string& config_json);
std::string initializer_config_json(const Initializer& initializer);
std::string regularizer_config_json(const Regularizer& regularizer);
std::string constraint_config_json(const Constraint& constraint);

// An optimizer's Keras config ({"module", "class_name": "Adam", "config": {...}}), and back
// (class_name and the config's fields; missing fields take Keras's defaults). ValueError, in
// Keras's words, for an unknown class or an argument out of range.
std::string optimizer_config_json(const OptimizerConfig& optimizer);
OptimizerConfig optimizer_config_from_json(const std::string& json);

// A loss or metric as a compile config holds it (a name or a serialized object), as compile()
// would take it; a traced one is rebuilt from the graph the config holds.
Loss loss_from_config_json(const std::string& json);
std::string loss_config_json(const Loss& loss);
MetricPtr metric_from_config_json(const std::string& json);

// The whole serialized model: {"module", "class_name", "config", "build_config",
// "compile_config"} (compile_config only when the model is compiled).
std::string model_config_json(const Model& model);
// Rebuilds a model (weights freshly initialized) from model_config_json's output, or from a
// Keras config of supported layers; compiles it when `compile` and a compile_config is present.
std::shared_ptr<Model> model_from_config_json(const std::string& json, bool compile = true);

}  // namespace densekit
