// UnitNormalization (keras/src/layers/normalization/unit_normalization.py): each sample divided
// by its L2 norm over the given axes, as Keras's ops.normalize with epsilon 1e-12 computes it:
// x · rsqrt(max(Σx², 1e-24)), so that a zero vector stays zero.
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

class UnitNormalization : public Layer {
 public:
  // axes: Keras's axis (counting the batch axis), one or several; written back as one integer
  // when `axis_is_list` is false.
  UnitNormalization(std::string name, std::vector<int> axes, bool axis_is_list = false);
  std::string class_name() const override { return "UnitNormalization"; }
  const std::vector<int>& axes() const { return axes_; }
  bool axis_is_list() const { return axis_is_list_; }

  Shape build(const std::vector<Shape>& inputs) override;
  // Per group of normalized values: 1/norm (rsqrt of the floored sum of squares), then
  // backward's Σ y·g.
  Index scratch_cols(const std::vector<Shape>& /*inputs*/, const Shape& /*output*/) const override { return 2 * groups_; }
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  std::vector<int> axes_;
  bool axis_is_list_;
  std::vector<Index> group_;  // per element of a sample: the group it is normalized with
  Index groups_ = 0;
};

}  // namespace densekit
