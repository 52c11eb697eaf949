#include <densekit/errors.hpp>
#include <densekit/layers/gaussian_dropout.hpp>

#include <cmath>
#include "layers/noise_config.hpp"

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

const LayerType& gaussian_dropout_type() {
  static const LayerType type{{{"GaussianDropout", {"rate", "seed"}}},
                              [](const Layer& l) { return noise_layer_config(l, false); },
                              noise_layer_from_config<GaussianDropout>};
  return type;
}

}  // namespace densekit
