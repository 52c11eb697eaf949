// BatchNormalization (keras/src/layers/normalization/batch_normalization.py):
// y = (x − μ)/sqrt(σ² + ε)·γ + β per channel (the `axis` dimension). Training (and trainable):
// μ, σ² are the batch mean and biased variance over every other axis, and the moving statistics
// move towards them; otherwise the moving statistics are used. Weights: gamma, beta
// (trainable), moving_mean, moving_variance.
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

struct BatchNormalizationOptions {
  int axis = -1;
  double momentum = 0.99;
  double epsilon = 1e-3;
  bool center = true;
  bool scale = true;
  Initializer beta_initializer = Initializer::from_name("zeros", 0);
  Initializer gamma_initializer = Initializer::from_name("ones", 0);
  Initializer moving_mean_initializer = Initializer::from_name("zeros", 0);
  Initializer moving_variance_initializer = Initializer::from_name("ones", 0);
  Regularizer beta_regularizer;
  Regularizer gamma_regularizer;
  Constraint beta_constraint;
  Constraint gamma_constraint;
};

class BatchNormalization : public Layer {
 public:
  BatchNormalization(std::string name, BatchNormalizationOptions options = {});
  std::string class_name() const override { return "BatchNormalization"; }
  const BatchNormalizationOptions& options() const { return options_; }

  Shape build(const std::vector<Shape>& inputs) override;
  std::vector<WeightSpec> weight_specs() const override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  void bind(const std::vector<float*>& params, const std::vector<float*>& grads) override;
  bool uses_batch_statistics(const Context& ctx) const { return ctx.training && trainable; }
  // Batch mean and biased variance per channel of x, in double (two passes, serial: the
  // same numbers for any thread count).
  void batch_moments(const ConstView& x, std::vector<double>& mean, std::vector<double>& var) const;

  BatchNormalizationOptions options_;
  Index channels_ = 0;
  std::vector<Index> channel_of_;  // channel of each element of a sample
  float *gamma_ = nullptr, *beta_ = nullptr, *moving_mean_ = nullptr, *moving_variance_ = nullptr;
  float *gamma_grad_ = nullptr, *beta_grad_ = nullptr;
};

}  // namespace densekit
