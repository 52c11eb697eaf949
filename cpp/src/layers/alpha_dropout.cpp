#include <densekit/errors.hpp>
#include <densekit/layers/alpha_dropout.hpp>

#include <cmath>
#include "layers/noise_config.hpp"
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
  draw_mask(factors, n, rng, a_);
}

void AlphaDropout::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  MultiplicativeNoise::forward(in, out, scratch, ctx);
  if (!ctx.training || rate() == 0.0) return;
  const Index n = in[0].rows * in[0].cols;
  for (Index i = 0; i < n; ++i) out.data[i] = scratch.data[i] != 0.0f ? out.data[i] + b_ : dropped_;
}

// --- config (keras/src/layers/regularization/alpha_dropout.py) ---------------------------------

const LayerType& alpha_dropout_type() {
  static const LayerType type{{{"AlphaDropout", {"rate", "noise_shape", "seed"}}},
                              [](const Layer& l) { return noise_layer_config(l, true); },
                              noise_layer_from_config<AlphaDropout>};
  return type;
}

}  // namespace densekit
