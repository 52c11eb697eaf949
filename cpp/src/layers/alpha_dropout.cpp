#include <densekit/errors.hpp>
#include <densekit/layers/alpha_dropout.hpp>

#include <cmath>
#include "layers/registry.hpp"
#include "stable_math.hpp"

namespace densekit {
AlphaDropout::AlphaDropout(std::string name, double rate) : MultiplicativeNoise(std::move(name), rate) {
  if (rate == 1.0)
    throw ValueError("AlphaDropout(rate=1) drops every value and its affine correction divides by zero: every output "
                     "would be NaN. Use a rate below 1.");
  const double alpha_p = -kSeluAlpha * kSeluScale;
  const double a = std::pow((1.0 - rate) * (1.0 + rate * alpha_p * alpha_p), -0.5);
  const double b = -a * alpha_p * rate;
  a_ = static_cast<float>(a), b_ = static_cast<float>(b);
  dropped_ = static_cast<float>(a * alpha_p + b);
}

void AlphaDropout::draw(float* factors, Index n, Rng& rng) const {
  const float r = static_cast<float>(rate());
  for (Index i = 0; i < n; ++i) factors[i] = rng.uniform() >= r ? a_ : 0.0f;
}

void AlphaDropout::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  MultiplicativeNoise::forward(in, out, scratch, ctx);
  if (!ctx.training || rate() == 0.0) return;
  const Index n = in[0].rows * in[0].cols;
  for (Index i = 0; i < n; ++i) out.data[i] = scratch.data[i] != 0.0f ? out.data[i] + b_ : dropped_;
}

// --- config (keras/src/layers/regularization/alpha_dropout.py) ---------------------------------

namespace {
Json alpha_dropout_config(const Layer& layer) {
  const AlphaDropout& d = layer_as<AlphaDropout>(layer);
  Json c = base_config(layer);
  c["rate"] = d.rate();
  c["seed"] = d.seed ? Json(*d.seed) : Json(nullptr);
  c["noise_shape"] = nullptr;
  return c;
}

LayerPtr alpha_dropout_from_config(const std::string&, const std::string& name, const Json& config) {
  require_null(config, {"noise_shape"}, "AlphaDropout");
  auto d = std::make_shared<AlphaDropout>(name, field(config, "rate", -1.0));
  d->seed = optional_seed(config);
  return d;
}
}  // namespace

const LayerType& alpha_dropout_type() {
  static const LayerType type{{{"AlphaDropout", {"rate", "noise_shape", "seed"}}}, alpha_dropout_config,
                              alpha_dropout_from_config};
  return type;
}

}  // namespace densekit
