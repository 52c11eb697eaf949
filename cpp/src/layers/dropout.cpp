#include <densekit/errors.hpp>
#include <densekit/layers/dropout.hpp>

#include <algorithm>
#include <cmath>

namespace densekit {

Dropout::Dropout(std::string name, double rate) : Layer(std::move(name)), rate_(rate) {
  if (!(rate >= 0.0 && rate <= 1.0))
    throw ValueError("Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate=" +
                     std::to_string(rate));
}

Shape Dropout::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  mark_built();
  return inputs[0];
}

Index Dropout::scratch_cols(const std::vector<Shape>& inputs, const Shape& output) const {
  return shape_size(output);  // the mask, already scaled by 1/(1-rate)
}

void Dropout::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  const Index n = in[0].rows * in[0].cols;
  const float* x = in[0].data;
  if (!ctx.training || rate_ == 0.0) {
    std::copy(x, x + n, out.data);
    std::fill(scratch.data, scratch.data + n, 1.0f);
    return;
  }
  const float rate = static_cast<float>(rate_);
  const float scale = rate_ >= 1.0 ? 0.0f : static_cast<float>(1.0 / (1.0 - rate_));
  // Drawn serially from the model's generator, so masks do not depend on the thread count.
  for (Index i = 0; i < n; ++i) {
    const float mask = ctx.rng->uniform() >= rate ? scale : 0.0f;
    scratch.data[i] = mask;
    out.data[i] = x[i] * mask;
  }
}

void Dropout::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                       const std::vector<View>& grad_in, const Context& ctx) {
  if (!grad_in[0].data) return;
  const Index n = grad_out.rows * grad_out.cols;
  for (Index i = 0; i < n; ++i) grad_in[0].data[i] += grad_out.data[i] * scratch.data[i];
}

}  // namespace densekit
