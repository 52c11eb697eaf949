// The configs of the dropout layers (keras/src/layers/regularization/): rate and seed, and for
// Dropout and AlphaDropout a noise_shape densekit takes only as null (one factor per value).
#pragma once

#include <densekit/layers/multiplicative_noise.hpp>

#include <memory>
#include "layers/registry.hpp"

namespace densekit {

inline Json noise_layer_config(const Layer& layer, bool has_noise_shape) {
  const auto& noise = layer_as<MultiplicativeNoise>(layer);
  Json c = base_config(layer);
  c["rate"] = noise.rate();
  c["seed"] = noise.seed ? Json(*noise.seed) : Json(nullptr);
  if (has_noise_shape) c["noise_shape"] = nullptr;
  return c;
}

template <class NoiseLayer>
LayerPtr noise_layer_from_config(const std::string& class_name, const std::string& name, const Json& config) {
  require_null(config, {"noise_shape"}, class_name);
  auto layer = std::make_shared<NoiseLayer>(name, field(config, "rate", -1.0));
  layer->seed = optional_seed(config);
  return layer;
}

}  // namespace densekit
