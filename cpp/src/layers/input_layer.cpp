#include <densekit/errors.hpp>
#include <densekit/layers/input_layer.hpp>

namespace densekit {

InputLayer::InputLayer(std::string name, Shape shape) : Layer(std::move(name)), shape_(std::move(shape)) {
  for (int64_t d : shape_)
    if (d <= 0) throw ValueError("Input '" + this->name() + "' has an invalid shape " + shape_to_string(shape_) + ": every dimension must be a positive integer.");
  checked_shape_size(shape_, "Input '" + this->name() + "'");
}

Shape InputLayer::build(const std::vector<Shape>&) {
  throw ValueError("An InputLayer cannot be applied to a tensor: it is the start of a model.");
}

void InputLayer::forward(const std::vector<ConstView>&, View, View, const Context&) {}

void InputLayer::backward(const std::vector<ConstView>&, ConstView, ConstView, View, const std::vector<View>&,
                          const Context&) {}

}  // namespace densekit
