#include <densekit/layers/dropout.hpp>
#include "layers/noise_config.hpp"

namespace densekit {

void Dropout::draw(float* mask, Index n, Rng& rng) const {
  draw_mask(mask, n, rng, rate() >= 1.0 ? 0.0f : static_cast<float>(1.0 / (1.0 - rate())));
}

// --- config (keras/src/layers/regularization/dropout.py) ---------------------------------------

const LayerType& dropout_type() {
  static const LayerType type{{{"Dropout", {"rate", "noise_shape", "seed"}}},
                              [](const Layer& l) { return noise_layer_config(l, true); }, noise_layer_from_config<Dropout>};
  return type;
}

}  // namespace densekit
