#include <densekit/errors.hpp>
#include <densekit/layers/layer.hpp>

namespace densekit {

Layer::Layer(std::string name) : name_(std::move(name)) {
  if (name_.find('/') != std::string::npos)  // Keras's words (keras/src/ops/operation.py)
    throw ValueError("Argument `name` must be a string and cannot contain character `/`. Received: name=" + name_ +
                     " (of type <class 'str'>)");
}

void Layer::bind_to(std::shared_ptr<WeightStorage> storage, const std::vector<float*>& params,
                    const std::vector<float*>& grads) {
  bind(params, grads);
  bound_params_ = params;
  storage_ = std::move(storage);  // may free the buffers bound before: their values were copied
  bound_.store(storage_.get(), std::memory_order_release);
}

void Layer::expect_inputs(const std::string& who, const std::vector<Shape>& inputs, size_t n) {
  if (inputs.size() != n)
    throw ValueError("Layer '" + who + "' expects " + std::to_string(n) + " input(s), but it received " +
                     std::to_string(inputs.size()) + " input tensors.");
}

void Layer::expect_same_shapes(const std::vector<Shape>& inputs) {
  if (built_ && inputs != built_shapes_) {
    auto list = [](const std::vector<Shape>& shapes) {
      std::string s;
      for (size_t i = 0; i < shapes.size(); ++i) s += (i ? ", " : "") + shape_to_string(shapes[i]);
      return s;
    };
    throw ValueError("Layer '" + name_ + "' (" + class_name() + ") was first built for input shape(s) " + list(built_shapes_) +
                     " and cannot be reused on " + list(inputs) +
                     ": a shared layer of this kind needs the same input shapes at every call. Create a new layer instead.");
  }
  built_shapes_ = inputs;
}

}  // namespace densekit
