// Identity (keras/src/layers/core/identity.py): the input, unchanged (a placeholder layer).
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

class Identity : public Layer {
 public:
  explicit Identity(std::string name) : Layer(std::move(name)) {}
  std::string class_name() const override { return "Identity"; }

  Shape build(const std::vector<Shape>& inputs) override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;
};

}  // namespace densekit
