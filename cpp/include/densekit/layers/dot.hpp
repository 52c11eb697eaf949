// Dot (keras/src/layers/merging/dot.py): the dot product of two inputs' vectors, one value per
// sample, optionally of the L2-normalised vectors (their cosine similarity). densekit takes
// inputs of one vector per sample (axes 1 or -1 on both).
#pragma once

#include <densekit/layers/layer.hpp>

#include <vector>

namespace densekit {

class Dot : public Layer {
 public:
  // axes as Keras's config holds it: one axis for both inputs, or one each.
  Dot(std::string name, std::vector<int> axes, bool normalize);
  std::string class_name() const override { return "Dot"; }
  const std::vector<int>& axes() const { return axes_; }
  bool normalize() const { return normalize_; }
  bool one_axis() const { return one_axis_; }  // given as one axis for both inputs

  Shape build(const std::vector<Shape>& inputs) override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  std::vector<int> axes_;
  bool normalize_;
  bool one_axis_;
};

}  // namespace densekit
