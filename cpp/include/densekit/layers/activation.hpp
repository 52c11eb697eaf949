// Activation layer: applies an activation function, no weights. The activation layers ReLU,
// LeakyReLU, ELU and Softmax are this layer under their own class name (and config).
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

class ActivationLayer : public Layer {
 public:
  // class_name: "Activation", "ReLU", "LeakyReLU", "ELU" or "Softmax"; axis: Softmax's axis.
  ActivationLayer(std::string name, Activation activation, std::string class_name = "Activation", int axis = -1);
  std::string class_name() const override { return class_name_; }
  const Activation& activation() const { return activation_; }
  int axis() const { return axis_; }

  Shape build(const std::vector<Shape>& inputs) override;
  Index scratch_cols(const std::vector<Shape>& inputs, const Shape& output) const override;
  LogitsAt logits_at() const override { return activation_.yields_logits() ? LogitsAt::Input : LogitsAt::None; }
  bool sigmoid_of_logits() const override { return activation_.kind == ActivationKind::Sigmoid; }
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  Activation activation_;
  std::string class_name_;
  int axis_;
  Index last_axis_ = 1;  // row-wise activations (softmax) normalise along it
};

}  // namespace densekit
