#include <densekit/layers/dropout.hpp>
#include "layers/registry.hpp"

namespace densekit {

void Dropout::draw(float* mask, Index n, Rng& rng) const {
  const float r = static_cast<float>(rate());
  const float scale = rate() >= 1.0 ? 0.0f : static_cast<float>(1.0 / (1.0 - rate()));
  for (Index i = 0; i < n; ++i) mask[i] = rng.uniform() >= r ? scale : 0.0f;
}

// --- config (keras/src/layers/regularization/dropout.py) ---------------------------------------

namespace {
Json dropout_config(const Layer& layer) {
  const Dropout& d = layer_as<Dropout>(layer);
  Json c = base_config(layer);
  c["rate"] = d.rate();
  c["seed"] = d.seed ? Json(*d.seed) : Json(nullptr);
  c["noise_shape"] = nullptr;
  return c;
}

LayerPtr dropout_from_config(const std::string&, const std::string& name, const Json& config) {
  require_null(config, {"noise_shape"}, "Dropout");
  auto d = std::make_shared<Dropout>(name, field(config, "rate", -1.0));
  d->seed = optional_seed(config);
  return d;
}
}  // namespace

const LayerType& dropout_type() {
  static const LayerType type{{{"Dropout", {"rate", "noise_shape", "seed"}}}, dropout_config, dropout_from_config};
  return type;
}

}  // namespace densekit
