#include <densekit/layers/identity.hpp>

#include <algorithm>
#include "layers/registry.hpp"

namespace densekit {

Shape Identity::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  mark_built();
  return inputs[0];
}

void Identity::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  std::copy(in[0].data, in[0].data + in[0].rows * in[0].cols, out.data);
}

void Identity::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                        const std::vector<View>& grad_in, const Context& ctx) {
  if (!grad_in[0].data) return;
  const Index n = grad_out.rows * grad_out.cols;
  for (Index i = 0; i < n; ++i) grad_in[0].data[i] += grad_out.data[i];
}

// --- config (keras/src/layers/core/identity.py) ------------------------------------------------

namespace {
Json identity_config(const Layer& layer) { return base_config(layer); }

LayerPtr identity_from_config(const std::string&, const std::string& name, const Json&) {
  return std::make_shared<Identity>(name);
}
}  // namespace

const LayerType& identity_type() {
  static const LayerType type{{{"Identity", {}}}, identity_config, identity_from_config};
  return type;
}

}  // namespace densekit
