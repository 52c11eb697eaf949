// Flatten: (N, d1, d2, ...) -> (N, d1*d2*...); (N,) -> (N, 1). With channels_first, a sample
// (C, s1, s2, ...) is first reordered to (s1, s2, ..., C), as Keras moves the channel axis last.
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

class Flatten : public Layer {
 public:
  explicit Flatten(std::string name, bool channels_first = false) : Layer(std::move(name)), channels_first_(channels_first) {}
  std::string class_name() const override { return "Flatten"; }
  bool channels_first() const { return channels_first_; }

  Shape build(const std::vector<Shape>& inputs) override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  bool channels_first_;
  Index channels_ = 0, positions_ = 0;  // a channels_first sample: channels_ runs of positions_ values
};

}  // namespace densekit
