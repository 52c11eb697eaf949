// Flatten: (N, d1, d2, ...) -> (N, d1*d2*...); (N,) -> (N, 1).
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

class Flatten : public Layer {
 public:
  explicit Flatten(std::string name) : Layer(std::move(name)) {}
  std::string class_name() const override { return "Flatten"; }

  Shape build(const std::vector<Shape>& inputs) override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;
};

}  // namespace densekit
