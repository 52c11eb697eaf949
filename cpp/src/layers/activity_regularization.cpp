#include <densekit/errors.hpp>
#include <densekit/layers/activity_regularization.hpp>

#include <algorithm>
#include <cmath>
#include "layers/registry.hpp"

namespace densekit {

ActivityRegularization::ActivityRegularization(std::string name, double l1, double l2) : Layer(std::move(name)) {
  if (!(l1 >= 0.0) || !(l2 >= 0.0) || !std::isfinite(l1) || !std::isfinite(l2))
    throw ValueError("ActivityRegularization: l1 and l2 must be finite numbers >= 0. Received: l1=" + std::to_string(l1) +
                     ", l2=" + std::to_string(l2));
  activity_regularizer.l1 = l1;
  activity_regularizer.l2 = l2;
}

Shape ActivityRegularization::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  mark_built();
  return inputs[0];
}

void ActivityRegularization::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  std::copy(in[0].data, in[0].data + in[0].rows * in[0].cols, out.data);
}

// The penalty's own gradient is added by the graph, as for every layer's activity regularizer.
void ActivityRegularization::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                                      const std::vector<View>& grad_in, const Context& ctx) {
  if (!grad_in[0].data) return;
  const Index n = grad_out.rows * grad_out.cols;
  for (Index i = 0; i < n; ++i) grad_in[0].data[i] += grad_out.data[i];
}

// --- config: l1 and l2 in place of the activity regularizer they make ---------------------------

namespace {
Json activity_regularization_config(const Layer& layer) {
  Json c = base_config(layer);
  c.erase("activity_regularizer");
  c["l1"] = layer.activity_regularizer.l1;
  c["l2"] = layer.activity_regularizer.l2;
  return c;
}

LayerPtr activity_regularization_from_config(const std::string&, const std::string& name, const Json& config) {
  return std::make_shared<ActivityRegularization>(name, field(config, "l1", 0.0), field(config, "l2", 0.0));
}
}  // namespace

const LayerType& activity_regularization_type() {
  static const LayerType type{{{"ActivityRegularization", {"l1", "l2"}}}, activity_regularization_config,
                              activity_regularization_from_config};
  return type;
}

}  // namespace densekit
