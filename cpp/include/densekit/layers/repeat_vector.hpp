// RepeatVector (keras/src/layers/reshaping/repeat_vector.py): a sample's vector of d features
// repeated n times, (d,) -> (n, d).
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

class RepeatVector : public Layer {
 public:
  RepeatVector(std::string name, int64_t n);
  std::string class_name() const override { return "RepeatVector"; }
  int64_t n() const { return n_; }

  Shape build(const std::vector<Shape>& inputs) override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  int64_t n_;
};

}  // namespace densekit
