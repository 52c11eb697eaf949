// InputLayer: declares a model input's per-sample shape. It computes nothing; a graph turns it
// into an input node.
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

class InputLayer : public Layer {
 public:
  InputLayer(std::string name, Shape shape);
  std::string class_name() const override { return "InputLayer"; }
  const Shape& shape() const { return shape_; }

  Shape build(const std::vector<Shape>& inputs) override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  Shape shape_;
};

}  // namespace densekit
