// AlphaDropout (keras/src/layers/regularization/alpha_dropout.py): in training each value is
// kept or set to SELU's negative saturation, then moved by a·x + b so that the mean and the
// variance of SELU activations stay as they were; identity otherwise.
#pragma once

#include <densekit/layers/multiplicative_noise.hpp>

namespace densekit {

class AlphaDropout : public MultiplicativeNoise {
 public:
  AlphaDropout(std::string name, double rate);
  std::string class_name() const override { return "AlphaDropout"; }
  // y = a·(kept ? x : α′) + b: the multiplicative part a·kept, then each value's offset.
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;

 protected:
  void draw(float* factors, Index n, Rng& rng) const override;  // a where kept, else 0

 private:
  float a_, b_, dropped_;  // a, b, and the value a dropped input becomes: a·α′ + b
};

}  // namespace densekit
