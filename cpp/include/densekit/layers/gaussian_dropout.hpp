// GaussianDropout: multiplies by N(1, rate/(1 − rate)) noise in training; identity otherwise.
#pragma once

#include <densekit/layers/layer.hpp>

#include <optional>

namespace densekit {

class GaussianDropout : public Layer {
 public:
  GaussianDropout(std::string name, double rate);
  std::string class_name() const override { return "GaussianDropout"; }
  double rate() const { return rate_; }
  std::optional<int64_t> seed;  // kept for the config; the noise comes from the model's generator

  Shape build(const std::vector<Shape>& inputs) override;
  Index scratch_cols(const std::vector<Shape>& inputs, const Shape& output) const override;
  bool is_identity_in_inference() const override { return true; }
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  double rate_;
};

}  // namespace densekit
