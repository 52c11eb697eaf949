#include <densekit/errors.hpp>
#include <densekit/layers/activation.hpp>

#include <vector>

namespace densekit {

ActivationLayer::ActivationLayer(std::string name, Activation activation, std::string class_name, int axis)
    : Layer(std::move(name)), activation_(activation), class_name_(std::move(class_name)), axis_(axis) {}

Shape ActivationLayer::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  const int rank = static_cast<int>(inputs[0].size()) + 1;
  if (axis_ != -1 && axis_ != rank - 1)
    throw ValueError("Layer '" + name() + "': densekit's " + class_name_ + " works along the last axis only (axis=-1); received axis=" +
                     std::to_string(axis_) + " for inputs of shape " + shape_to_string(inputs[0]) + ".");
  last_axis_ = inputs[0].empty() ? 1 : inputs[0].back();
  mark_built();
  return inputs[0];
}

Index ActivationLayer::scratch_cols(const std::vector<Shape>& inputs, const Shape& output) const {
  return shape_size(output);  // room for d(loss)/d(input)
}

void ActivationLayer::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  const Index last = activation_.is_row_wise() ? last_axis_ : in[0].cols;
  activation_.forward(in[0].data, out.data, in[0].rows * in[0].cols / last, last);
}

void ActivationLayer::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                               const std::vector<View>& grad_in, const Context& ctx) {
  if (!grad_in[0].data) return;
  const Index n = grad_out.rows * grad_out.cols;
  const Index last = activation_.is_row_wise() ? last_axis_ : grad_out.cols;
  // dz into scratch, then accumulated (the input may have other consumers).
  activation_.backward(in[0].data, out.data, grad_out.data, scratch.data, n / last, last);
  for (Index i = 0; i < n; ++i) grad_in[0].data[i] += scratch.data[i];
}

}  // namespace densekit
