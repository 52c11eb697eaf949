#include <densekit/layers/flatten.hpp>

#include <algorithm>
#include "layers/registry.hpp"

namespace densekit {

Shape Flatten::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  const Shape& in = inputs[0];
  // keras/src/layers/reshaping/flatten.py moves the channel axis last only for rank > 2.
  const bool reorders = channels_first_ && in.size() >= 2;
  if (reorders) expect_same_shapes(inputs);  // the reordering below is this shape's
  channels_ = reorders ? in[0] : 0;
  positions_ = reorders ? shape_size(in) / in[0] : 0;
  mark_built();
  return {shape_size(in)};
}

void Flatten::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  const Index n = in[0].rows * in[0].cols;
  if (!channels_) {  // row-major data is already flat: only the shape changes
    std::copy(in[0].data, in[0].data + n, out.data);
    return;
  }
  for (Index r = 0; r < in[0].rows; ++r) {
    const float* x = in[0].data + r * in[0].cols;
    float* y = out.data + r * out.cols;
    for (Index c = 0; c < channels_; ++c)
      for (Index p = 0; p < positions_; ++p) y[p * channels_ + c] = x[c * positions_ + p];
  }
}

void Flatten::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                       const std::vector<View>& grad_in, const Context& ctx) {
  if (!grad_in[0].data) return;
  const Index n = grad_out.rows * grad_out.cols;
  if (!channels_) {
    for (Index i = 0; i < n; ++i) grad_in[0].data[i] += grad_out.data[i];
    return;
  }
  for (Index r = 0; r < grad_out.rows; ++r) {
    const float* g = grad_out.data + r * grad_out.cols;
    float* dx = grad_in[0].data + r * grad_out.cols;
    for (Index c = 0; c < channels_; ++c)
      for (Index p = 0; p < positions_; ++p) dx[c * positions_ + p] += g[p * channels_ + c];
  }
}

// --- config (keras/src/layers/reshaping/flatten.py) --------------------------------------------

namespace {
Json flatten_config(const Layer& layer) {
  Json c = base_config(layer);
  c["data_format"] = layer_as<Flatten>(layer).channels_first() ? "channels_first" : "channels_last";
  return c;
}

LayerPtr flatten_from_config(const std::string&, const std::string& name, const Json& config) {
  return std::make_shared<Flatten>(name, channels_first(config));
}
}  // namespace

const LayerType& flatten_type() {
  static const LayerType type{{{"Flatten", {"data_format"}}}, flatten_config, flatten_from_config};
  return type;
}

}  // namespace densekit
