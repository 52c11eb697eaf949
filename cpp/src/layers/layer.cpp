#include <densekit/errors.hpp>
#include <densekit/layers/layer.hpp>

namespace densekit {

void Layer::expect_inputs(const std::string& who, const std::vector<Shape>& inputs, size_t n) {
  if (inputs.size() != n)
    throw ValueError("Layer '" + who + "' expects " + std::to_string(n) + " input(s), but it received " +
                     std::to_string(inputs.size()) + " input tensors.");
}

}  // namespace densekit
