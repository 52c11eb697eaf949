// Dropout: inverted dropout in training (kept values scaled by 1/(1-rate)); identity otherwise.
#pragma once

#include <densekit/layers/multiplicative_noise.hpp>

namespace densekit {

class Dropout : public MultiplicativeNoise {
 public:
  Dropout(std::string name, double rate) : MultiplicativeNoise(std::move(name), rate) {}
  std::string class_name() const override { return "Dropout"; }

 protected:
  void draw(float* mask, Index n, Rng& rng) const override;
};

}  // namespace densekit
