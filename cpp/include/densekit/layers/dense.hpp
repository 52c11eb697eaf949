// Dense: y = activation(x @ kernel + bias), kernel (input_dim, units), acting on the last axis.
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

struct DenseOptions {
  Activation activation;
  bool use_bias = true;
  Initializer kernel_initializer = Initializer::from_name("glorot_uniform");
  Initializer bias_initializer = Initializer::from_name("zeros");
  Regularizer kernel_regularizer;
  Regularizer bias_regularizer;
  Constraint kernel_constraint;
  Constraint bias_constraint;
};

class Dense : public Layer {
 public:
  Dense(std::string name, int64_t units, DenseOptions options = {});
  std::string class_name() const override { return "Dense"; }

  int64_t units() const { return units_; }
  const DenseOptions& options() const { return options_; }

  Shape build(const std::vector<Shape>& inputs) override;
  std::vector<WeightSpec> weight_specs() const override;
  Index scratch_cols(const std::vector<Shape>& inputs, const Shape& output) const override;
  LogitsAt logits_at() const override { return options_.activation.yields_logits() ? LogitsAt::Scratch : LogitsAt::None; }
  bool sigmoid_of_logits() const override { return options_.activation.kind == ActivationKind::Sigmoid; }
  bool updates_weights_in_backward() const override { return true; }
  bool writes_grad_in() const override { return true; }

  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  void bind(const std::vector<float*>& params, const std::vector<float*>& grads) override;
  int64_t units_;
  int64_t input_dim_ = 0;
  DenseOptions options_;
  float* kernel_ = nullptr;
  float* bias_ = nullptr;
  float* kernel_grad_ = nullptr;
  float* bias_grad_ = nullptr;
};

}  // namespace densekit
