// The dropout layers: in training each input value is multiplied by a random factor of its own
// (Dropout's scaled 0/1 mask, GaussianDropout's N(1, σ²) noise); otherwise they are the identity.
#pragma once

#include <densekit/layers/layer.hpp>

#include <optional>

namespace densekit {

class MultiplicativeNoise : public Layer {
 public:
  double rate() const { return rate_; }
  std::optional<int64_t> seed;  // kept for the config; the factors come from the model's generator

  Shape build(const std::vector<Shape>& inputs) override;
  Index scratch_cols(const std::vector<Shape>& inputs, const Shape& output) const override;  // the factors
  bool is_identity_in_inference() const override { return true; }
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  // y = x·f: dx = g·f
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 protected:
  // Checks that rate is in [0, 1] (a ValueError in Keras's words otherwise).
  MultiplicativeNoise(std::string name, double rate);
  // Fills factors[0, n) for a training pass with rate > 0. Drawn serially from the model's
  // generator, so the factors do not depend on the thread count.
  virtual void draw(float* factors, Index n, Rng& rng) const = 0;
  // A dropout mask: `kept` where a uniform draw is at least the rate, else 0 (Dropout's and
  // AlphaDropout's draw: the same values dropped for the same generator state).
  void draw_mask(float* factors, Index n, Rng& rng, float kept) const;

 private:
  double rate_;
};

}  // namespace densekit
