// GaussianDropout: multiplies by N(1, rate/(1 − rate)) noise in training; identity otherwise.
#pragma once

#include <densekit/layers/multiplicative_noise.hpp>

namespace densekit {

class GaussianDropout : public MultiplicativeNoise {
 public:
  GaussianDropout(std::string name, double rate);
  std::string class_name() const override { return "GaussianDropout"; }

 protected:
  void draw(float* noise, Index n, Rng& rng) const override;
};

}  // namespace densekit
