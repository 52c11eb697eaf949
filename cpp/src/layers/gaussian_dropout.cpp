#include <densekit/errors.hpp>
#include <densekit/layers/gaussian_dropout.hpp>

#include <cmath>
#include "layers/registry.hpp"

namespace densekit {

GaussianDropout::GaussianDropout(std::string name, double rate) : MultiplicativeNoise(std::move(name), rate) {
  if (rate == 1.0)
    throw ValueError("GaussianDropout(rate=1) multiplies by noise of infinite variance (rate / (1 - rate)): every output would be "
                     "NaN. Use a rate below 1.");
}

void GaussianDropout::draw(float* noise, Index n, Rng& rng) const {
  const double stddev = std::sqrt(rate() / (1.0 - rate()));
  for (Index i = 0; i < n; ++i) noise[i] = static_cast<float>(1.0 + stddev * rng.normal());
}

// --- config (keras/src/layers/regularization/gaussian_dropout.py) ------------------------------

namespace {
Json gaussian_dropout_config(const Layer& layer) {
  const GaussianDropout& g = layer_as<GaussianDropout>(layer);
  Json c = base_config(layer);
  c["rate"] = g.rate();
  c["seed"] = g.seed ? Json(*g.seed) : Json(nullptr);
  return c;
}

LayerPtr gaussian_dropout_from_config(const std::string&, const std::string& name, const Json& config) {
  auto g = std::make_shared<GaussianDropout>(name, field(config, "rate", -1.0));
  g->seed = optional_seed(config);
  return g;
}
}  // namespace

const LayerType& gaussian_dropout_type() {
  static const LayerType type{{{"GaussianDropout", {"rate", "seed"}}}, gaussian_dropout_config, gaussian_dropout_from_config};
  return type;
}

}  // namespace densekit
