// ActivityRegularization (keras/src/layers/regularization/activity_regularization.py): the
// identity, whose activity regularizer L1L2(l1, l2) adds a penalty on the values passing through.
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

class ActivityRegularization : public Layer {
 public:
  ActivityRegularization(std::string name, double l1, double l2);
  std::string class_name() const override { return "ActivityRegularization"; }

  Shape build(const std::vector<Shape>& inputs) override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;
};

}  // namespace densekit
