// The configs of the dropout layers (keras/src/layers/regularization/): rate and seed, and for
// Dropout and AlphaDropout a noise_shape: null, or a list of sizes and nulls.
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
  if (has_noise_shape) {
    c["noise_shape"] = nullptr;
    if (noise.noise_shape()) {
      c["noise_shape"] = Json::array();
      for (int64_t d : *noise.noise_shape())
        c["noise_shape"].push_back(d == MultiplicativeNoise::kNoneDim ? Json(nullptr) : Json(d));
    }
  }
  return c;
}

// A config's noise_shape, refused in the words of Keras's Dropout._validate_noise_shape.
inline std::optional<Shape> noise_shape_from(const Json& config) {
  if (!config.contains("noise_shape") || config["noise_shape"].is_null()) return std::nullopt;
  const Json& j = config["noise_shape"];
  const std::string invalid = "Invalid value received for argument `noise_shape`. ";
  if (j.is_string())
    throw ValueError(invalid + "Expected a tuple or list of integers. Received: noise_shape=" + j.get<std::string>());
  if (!j.is_array())
    throw ValueError(invalid + "Expected an iterable of integers (e.g., a tuple or list). Received: noise_shape=" + j.dump());
  Shape shape;
  for (size_t i = 0; i < j.size(); ++i) {
    const Json& d = j[i];
    if (d.is_null()) {
      shape.push_back(MultiplicativeNoise::kNoneDim);
      continue;
    }
    if (!d.is_number_integer() || (d.is_number_unsigned() && d.get<uint64_t>() > uint64_t(INT64_MAX))) {
      const char* type = d.is_number_float() ? "float" : d.is_string() ? "str" : d.is_boolean() ? "bool" : d.is_array() ? "list"
                                                                                                    : "dict";
      throw ValueError(invalid + "Expected all elements to be integers or None. Received element at index " +
                       std::to_string(i) + ": " + d.dump() + " (type: " + type + ")");
    }
    shape.push_back(d.get<int64_t>());
  }
  return shape;
}

template <class NoiseLayer>
LayerPtr noise_layer_from_config(const std::string& class_name, const std::string& name, const Json& config) {
  auto layer = std::make_shared<NoiseLayer>(name, field(config, "rate", -1.0));
  layer->seed = optional_seed(config);
  layer->set_noise_shape(noise_shape_from(config));
  return layer;
}

}  // namespace densekit
