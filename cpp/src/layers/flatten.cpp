#include <densekit/layers/flatten.hpp>

#include <algorithm>
#include "layers/registry.hpp"

namespace densekit {

Shape Flatten::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  mark_built();
  return {shape_size(inputs[0])};
}

void Flatten::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  // Row-major data is already flat: only the shape changes.
  std::copy(in[0].data, in[0].data + in[0].rows * in[0].cols, out.data);
}

void Flatten::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                       const std::vector<View>& grad_in, const Context& ctx) {
  if (!grad_in[0].data) return;
  const Index n = grad_out.rows * grad_out.cols;
  for (Index i = 0; i < n; ++i) grad_in[0].data[i] += grad_out.data[i];
}

// --- config (keras/src/layers/reshaping/flatten.py) --------------------------------------------

namespace {
Json flatten_config(const Layer& layer) {
  Json c = base_config(layer_as<Flatten>(layer));
  c["data_format"] = "channels_last";
  return c;
}

LayerPtr flatten_from_config(const std::string&, const std::string& name, const Json&) { return std::make_shared<Flatten>(name); }
}  // namespace

const LayerType& flatten_type() {
  static const LayerType type{{{"Flatten", {"data_format"}}}, flatten_config, flatten_from_config};
  return type;
}

}  // namespace densekit
