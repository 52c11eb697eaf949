// GaussianNoise (keras/src/layers/regularization/gaussian_noise.py): adds N(0, stddev²) noise in
// training; identity otherwise.
#pragma once

#include <densekit/layers/layer.hpp>

#include <optional>

namespace densekit {

class GaussianNoise : public Layer {
 public:
  GaussianNoise(std::string name, double stddev);
  std::string class_name() const override { return "GaussianNoise"; }
  double stddev() const { return stddev_; }
  std::optional<int64_t> seed;  // kept for the config; the noise comes from the model's generator

  Shape build(const std::vector<Shape>& inputs) override;
  bool is_identity_in_inference() const override { return true; }
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  double stddev_;
};

}  // namespace densekit
