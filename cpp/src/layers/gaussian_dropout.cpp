#include <densekit/errors.hpp>
#include <densekit/layers/gaussian_dropout.hpp>

#include <algorithm>
#include <cmath>

namespace densekit {

GaussianDropout::GaussianDropout(std::string name, double rate) : Layer(std::move(name)), rate_(rate) {
  if (!(rate >= 0.0 && rate <= 1.0))
    throw ValueError("Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate=" +
                     std::to_string(rate));
  if (rate == 1.0)
    throw ValueError("GaussianDropout(rate=1) multiplies by noise of infinite variance (rate / (1 - rate)): every output would be "
                     "NaN. Use a rate below 1.");
}

Shape GaussianDropout::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  mark_built();
  return inputs[0];
}

Index GaussianDropout::scratch_cols(const std::vector<Shape>& inputs, const Shape& output) const {
  return shape_size(output);  // the multiplicative noise
}

void GaussianDropout::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  const Index n = in[0].rows * in[0].cols;
  const float* x = in[0].data;
  if (!ctx.training || rate_ == 0.0) {
    std::copy(x, x + n, out.data);
    std::fill(scratch.data, scratch.data + n, 1.0f);
    return;
  }
  const double stddev = std::sqrt(rate_ / (1.0 - rate_));
  for (Index i = 0; i < n; ++i) {
    const float m = static_cast<float>(1.0 + stddev * ctx.rng->normal());
    scratch.data[i] = m;
    out.data[i] = x[i] * m;
  }
}

void GaussianDropout::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                               const std::vector<View>& grad_in, const Context& ctx) {
  if (!grad_in[0].data) return;
  // y = x·m: dx = g·m
  const Index n = grad_out.rows * grad_out.cols;
  for (Index i = 0; i < n; ++i) grad_in[0].data[i] += grad_out.data[i] * scratch.data[i];
}

}  // namespace densekit
