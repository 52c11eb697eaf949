// The dropout layers: in training each input value is multiplied by a random factor of its own
// (Dropout's scaled 0/1 mask, GaussianDropout's N(1, σ²) noise), or, with a noise shape, values
// share factors along the axes where it is 1; otherwise they are the identity.
#pragma once

#include <densekit/layers/layer.hpp>

#include <limits>
#include <optional>

namespace densekit {

class MultiplicativeNoise : public Layer {
 public:
  double rate() const { return rate_; }
  std::optional<int64_t> seed;  // kept for the config; the factors come from the model's generator
  // Dropout's and AlphaDropout's noise_shape: the shape of the factors drawn, batch axis first,
  // kNoneDim where the input's size is taken (left-aligned, as Keras fills them); the factors
  // broadcast to the input right-aligned. Empty optional: one factor per value.
  static constexpr int64_t kNoneDim = std::numeric_limits<int64_t>::min();
  const std::optional<Shape>& noise_shape() const { return noise_shape_; }
  // Throws Keras's ValueError for a size below 1 (keras/src/layers/regularization/dropout.py),
  // and a ValueError once the layer is built (its buffers were sized for the shape it had).
  void set_noise_shape(std::optional<Shape> noise_shape);

  Shape build(const std::vector<Shape>& inputs) override;
  Index scratch_cols(const std::vector<Shape>& inputs, const Shape& output) const override;  // the factors
  bool is_identity_in_inference() const override { return true; }
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  // The factors go to the first values of `scratch`, drawn (with a noise shape) into the rest.
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
  // With a noise shape: draws the factors of the noise shape into `drawn`, then repeats them
  // over the axes where it is 1, into `factors` (the input's size).
  void draw_broadcast(float* factors, float* drawn, Index rows, Rng& rng) const;

  double rate_;
  std::optional<Shape> noise_shape_;
  // Set by build() from the noise shape: the input's per-sample dims, the drawn factors' stride
  // on each axis of the input (0 where they repeat; the batch axis first), how many one
  // sample draws, and the batch's size in the noise shape (kNoneDim: the batch's own).
  Shape sample_dims_;
  std::vector<Index> drawn_strides_;
  Index sample_drawn_ = 0;
  int64_t batch_dim_ = kNoneDim;
};

}  // namespace densekit
