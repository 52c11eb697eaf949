// Rescaling (keras/src/layers/preprocessing/rescaling.py): y = x·scale + offset. No weights.
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

class Rescaling : public Layer {
 public:
  Rescaling(std::string name, double scale, double offset = 0.0)
      : Layer(std::move(name)), scale_(scale), offset_(offset) {}
  std::string class_name() const override { return "Rescaling"; }
  double scale() const { return scale_; }
  double offset() const { return offset_; }

  Shape build(const std::vector<Shape>& inputs) override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  double scale_, offset_;
};

}  // namespace densekit
