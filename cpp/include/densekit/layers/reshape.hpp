// Reshape: the same values of a sample in another shape (one dimension may be -1, inferred).
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

class Reshape : public Layer {
 public:
  Reshape(std::string name, Shape target_shape);
  std::string class_name() const override { return "Reshape"; }
  const Shape& target_shape() const { return target_; }

  Shape build(const std::vector<Shape>& inputs) override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  Shape target_;
};

}  // namespace densekit
