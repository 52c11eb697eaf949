#include <densekit/errors.hpp>
#include <densekit/layers/repeat_vector.hpp>

#include <algorithm>
#include "layers/registry.hpp"

namespace densekit {

RepeatVector::RepeatVector(std::string name, int64_t n) : Layer(std::move(name)), n_(n) {
  if (n_ <= 0) throw ValueError("Argument `n` should be a positive integer. Received: n=" + std::to_string(n_));
}

Shape RepeatVector::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  if (inputs[0].size() != 1)  // Keras's InputSpec(ndim=2)
    throw ValueError("Input 0 of layer \"" + name() + "\" is incompatible with the layer: expected ndim=2, found ndim=" +
                     std::to_string(inputs[0].size() + 1) + ". Full shape received: " + shape_to_string(inputs[0]));
  const Shape out = {n_, inputs[0][0]};
  check_sample_size(out, "The output of RepeatVector layer '" + name() + "'");
  mark_built();
  return out;
}

void RepeatVector::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  const Index d = in[0].cols;
  for (Index r = 0; r < in[0].rows; ++r) {
    const float* x = in[0].data + r * d;
    for (int64_t k = 0; k < n_; ++k) std::copy(x, x + d, out.data + r * out.cols + k * d);
  }
}

void RepeatVector::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                            const std::vector<View>& grad_in, const Context& ctx) {
  if (!grad_in[0].data) return;
  const Index d = in[0].cols;
  for (Index r = 0; r < grad_out.rows; ++r) {
    float* dx = grad_in[0].data + r * d;
    for (int64_t k = 0; k < n_; ++k) {  // the repeats' gradients summed in order
      const float* g = grad_out.data + r * grad_out.cols + k * d;
      for (Index j = 0; j < d; ++j) dx[j] += g[j];
    }
  }
}

// --- config (keras/src/layers/reshaping/repeat_vector.py) --------------------------------------

namespace {
Json repeat_vector_config(const Layer& layer) {
  Json c = base_config(layer);
  c["n"] = layer_as<RepeatVector>(layer).n();
  return c;
}

LayerPtr repeat_vector_from_config(const std::string&, const std::string& name, const Json& config) {
  if (!config.contains("n")) throw ValueError("The config of RepeatVector layer '" + name + "' has no `n`.");
  return std::make_shared<RepeatVector>(name, field(config, "n", int64_t(0)));
}
}  // namespace

const LayerType& repeat_vector_type() {
  static const LayerType type{{{"RepeatVector", {"n"}}}, repeat_vector_config, repeat_vector_from_config};
  return type;
}

}  // namespace densekit
