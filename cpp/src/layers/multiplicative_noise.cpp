#include <densekit/errors.hpp>
#include <densekit/layers/multiplicative_noise.hpp>

#include <algorithm>

namespace densekit {

MultiplicativeNoise::MultiplicativeNoise(std::string name, double rate) : Layer(std::move(name)), rate_(rate) {
  if (!(rate >= 0.0 && rate <= 1.0))
    throw ValueError("Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate=" +
                     std::to_string(rate));
}

Shape MultiplicativeNoise::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  mark_built();
  return inputs[0];
}

Index MultiplicativeNoise::scratch_cols(const std::vector<Shape>& inputs, const Shape& output) const {
  return shape_size(output);
}

void MultiplicativeNoise::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  const Index n = in[0].rows * in[0].cols;
  const float* x = in[0].data;
  if (!ctx.training || rate_ == 0.0) {
    std::copy(x, x + n, out.data);
    std::fill(scratch.data, scratch.data + n, 1.0f);
    return;
  }
  draw(scratch.data, n, *ctx.rng);
  for (Index i = 0; i < n; ++i) out.data[i] = x[i] * scratch.data[i];
}

void MultiplicativeNoise::draw_mask(float* factors, Index n, Rng& rng, float kept) const {
  const float r = static_cast<float>(rate_);
  for (Index i = 0; i < n; ++i) factors[i] = rng.uniform() >= r ? kept : 0.0f;
}

void MultiplicativeNoise::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                                   const std::vector<View>& grad_in, const Context& ctx) {
  if (!grad_in[0].data) return;
  const Index n = grad_out.rows * grad_out.cols;
  for (Index i = 0; i < n; ++i) grad_in[0].data[i] += grad_out.data[i] * scratch.data[i];
}

}  // namespace densekit
