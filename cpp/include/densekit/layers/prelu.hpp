// PReLU: y = x for x > 0, alpha·x otherwise, with a learned alpha per element of a sample
// (shared along `shared_axes`, which count the batch axis as Keras does).
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

struct PReLUOptions {
  Initializer alpha_initializer = Initializer::from_name("zeros", 0);
  Regularizer alpha_regularizer;
  Constraint alpha_constraint;
  std::vector<int> shared_axes;
  bool has_shared_axes = false;  // shared_axes=None versus a list
};

class PReLU : public Layer {
 public:
  PReLU(std::string name, PReLUOptions options = {}) : Layer(std::move(name)), options_(std::move(options)) {}
  std::string class_name() const override { return "PReLU"; }
  const PReLUOptions& options() const { return options_; }

  Shape build(const std::vector<Shape>& inputs) override;
  std::vector<WeightSpec> weight_specs() const override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  void bind(const std::vector<float*>& params, const std::vector<float*>& grads) override;
  PReLUOptions options_;
  Shape alpha_shape_;
  std::vector<Index> alpha_of_;  // alpha index of each element of a sample
  float *alpha_ = nullptr, *alpha_grad_ = nullptr;
};

}  // namespace densekit
