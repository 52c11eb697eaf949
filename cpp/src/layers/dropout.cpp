#include <densekit/layers/dropout.hpp>

namespace densekit {

void Dropout::draw(float* mask, Index n, Rng& rng) const {
  const float r = static_cast<float>(rate());
  const float scale = rate() >= 1.0 ? 0.0f : static_cast<float>(1.0 / (1.0 - rate()));
  for (Index i = 0; i < n; ++i) mask[i] = rng.uniform() >= r ? scale : 0.0f;
}

}  // namespace densekit
