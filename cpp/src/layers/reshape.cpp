#include <densekit/errors.hpp>
#include <densekit/layers/reshape.hpp>

#include <algorithm>
#include "layers/registry.hpp"

namespace densekit {

Reshape::Reshape(std::string name, Shape target_shape) : Layer(std::move(name)), target_(std::move(target_shape)) {
  if (std::count(target_.begin(), target_.end(), -1) > 1)
    throw ValueError("There must be at most one unknown dimension (-1) in target_shape. Received: target_shape=" + tuple_to_string(target_));
  for (int64_t d : target_)
    if (d == 0 || d < -1)
      throw ValueError("Reshape's target_shape must hold positive dimensions (and at most one -1). Received: target_shape=" +
                       tuple_to_string(target_));
}

Shape Reshape::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  const int64_t size = shape_size(inputs[0]);
  Shape out = target_;
  int64_t known = 1;
  for (int64_t d : out)
    if (d != -1) known = d > 0 && known <= size / d ? known * d : 0;  // 0: larger than the input, refused below
  for (auto& d : out)
    if (d == -1) d = known > 0 && size % known == 0 ? size / known : -1;
  if (known == 0 || std::count(out.begin(), out.end(), -1) || shape_size(out) != size)
    throw ValueError("The total size of the tensor must be unchanged. Received: input_shape=" + tuple_to_string(inputs[0]) +
                     ", target_shape=" + tuple_to_string(target_));
  mark_built();
  return out;
}

void Reshape::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  std::copy(in[0].data, in[0].data + in[0].rows * in[0].cols, out.data);  // row-major: only the shape changes
}

void Reshape::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                       const std::vector<View>& grad_in, const Context& ctx) {
  if (!grad_in[0].data) return;
  const Index n = grad_out.rows * grad_out.cols;
  for (Index i = 0; i < n; ++i) grad_in[0].data[i] += grad_out.data[i];
}

// --- config (keras/src/layers/reshaping/reshape.py) --------------------------------------------

namespace {
Json reshape_config(const Layer& layer) {
  Json c = base_config(layer);
  c["target_shape"] = layer_as<Reshape>(layer).target_shape();
  return c;
}

LayerPtr reshape_from_config(const std::string&, const std::string& name, const Json& config) {
  if (!config.contains("target_shape")) throw ValueError("The config of Reshape layer '" + name + "' has no `target_shape`.");
  return std::make_shared<Reshape>(name, int64_list(config["target_shape"], "target_shape"));
}
}  // namespace

const LayerType& reshape_type() {
  static const LayerType type{{{"Reshape", {"target_shape"}}}, reshape_config, reshape_from_config};
  return type;
}

}  // namespace densekit
