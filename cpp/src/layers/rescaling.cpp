#include <densekit/layers/rescaling.hpp>
#include "layers/registry.hpp"

namespace densekit {

Shape Rescaling::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  mark_built();
  return inputs[0];
}

void Rescaling::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  // In float32, as Keras casts scale and offset to the compute dtype.
  const float scale = static_cast<float>(scale_), offset = static_cast<float>(offset_);
  const Index n = in[0].rows * in[0].cols;
  for (Index i = 0; i < n; ++i) out.data[i] = in[0].data[i] * scale + offset;
}

void Rescaling::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                         const std::vector<View>& grad_in, const Context& ctx) {
  if (!grad_in[0].data) return;
  // dx = g·scale
  const float scale = static_cast<float>(scale_);
  const Index n = grad_out.rows * grad_out.cols;
  for (Index i = 0; i < n; ++i) grad_in[0].data[i] += grad_out.data[i] * scale;
}

// --- config (keras/src/layers/preprocessing/rescaling.py) --------------------------------------

namespace {
Json rescaling_config(const Layer& layer) {
  const Rescaling& r = layer_as<Rescaling>(layer);
  Json c = base_config(layer);
  c["scale"] = r.scale();
  c["offset"] = r.offset();
  return c;
}

LayerPtr rescaling_from_config(const std::string&, const std::string& name, const Json& config) {
  if (config.contains("scale") && !config["scale"].is_number())
    throw ValueError("Rescaling: densekit supports a number `scale` only; received " + config["scale"].dump());
  if (config.contains("offset") && !config["offset"].is_number())
    throw ValueError("Rescaling: densekit supports a number `offset` only; received " + config["offset"].dump());
  return std::make_shared<Rescaling>(name, field(config, "scale", 1.0), field(config, "offset", 0.0));
}
}  // namespace

const LayerType& rescaling_type() {
  static const LayerType type{{{"Rescaling", {"scale", "offset"}}}, rescaling_config, rescaling_from_config};
  return type;
}

}  // namespace densekit
