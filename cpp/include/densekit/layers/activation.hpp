// Activation layer: applies an activation function, no weights.
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

class ActivationLayer : public Layer {
 public:
  ActivationLayer(std::string name, Activation activation)
      : Layer(std::move(name)), activation_(activation) {}
  std::string class_name() const override { return "Activation"; }
  const Activation& activation() const { return activation_; }

  Shape build(const std::vector<Shape>& inputs) override;
  Index scratch_cols(const std::vector<Shape>& inputs, const Shape& output) const override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  Activation activation_;
  Index last_axis_ = 1;  // row-wise activations (softmax) normalise along it
};

}  // namespace densekit
