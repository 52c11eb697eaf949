#include <densekit/errors.hpp>
#include <densekit/layers/prelu.hpp>
#include "layers/registry.hpp"

namespace densekit {

Shape PReLU::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  expect_same_shapes(inputs);
  const Shape& s = inputs[0];
  alpha_shape_ = s;
  for (int axis : options_.shared_axes) {
    if (axis < 1 || axis > static_cast<int>(s.size()))
      throw ValueError("Layer '" + name() + "': shared_axes value " + std::to_string(axis) + " is out of range for inputs of shape " +
                       shape_to_string(s) + " (axes count the batch axis as 0).");
    alpha_shape_[axis - 1] = 1;
  }
  alpha_of_.resize(static_cast<size_t>(shape_size(s)));
  for (size_t j = 0; j < alpha_of_.size(); ++j) {
    Index rest = static_cast<Index>(j), index = 0, stride = 1;
    for (size_t d = s.size(); d-- > 0;) {
      const Index coord = rest % s[d];
      rest /= s[d];
      index += (alpha_shape_[d] == 1 ? 0 : coord) * stride;
      stride *= alpha_shape_[d];
    }
    alpha_of_[j] = index;
  }
  mark_built();
  return s;
}

std::vector<WeightSpec> PReLU::weight_specs() const {
  return {{"alpha", alpha_shape_, true, options_.alpha_initializer, options_.alpha_regularizer, options_.alpha_constraint}};
}

void PReLU::bind(const std::vector<float*>& params, const std::vector<float*>& grads) {
  alpha_ = params.at(0);
  alpha_grad_ = grads.at(0);
}

void PReLU::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  const Index cols = in[0].cols;
  for (Index r = 0; r < in[0].rows; ++r)
    for (Index j = 0; j < cols; ++j) {
      const float x = in[0].data[r * cols + j];
      // relu(x) − alpha·relu(−x), as Keras sums it: a zero product is +0 (0 + −0), never −0
      out.data[r * cols + j] = x > 0.0f ? x : alpha_[alpha_of_[j]] * x + 0.0f;
    }
}

void PReLU::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                     const std::vector<View>& grad_in, const Context& ctx) {
  const Index cols = grad_out.cols;
  for (Index r = 0; r < grad_out.rows; ++r)
    for (Index j = 0; j < cols; ++j) {
      const Index i = r * cols + j, k = alpha_of_[j];
      const float x = in[0].data[i], g = grad_out.data[i];
      // dalpha += g·min(x, 0); dx = g (x > 0), g·alpha (x < 0), 0 at x = 0 (relu's gradient there)
      if (x < 0.0f) alpha_grad_[k] += g * x;
      if (grad_in[0].data) grad_in[0].data[i] += x > 0.0f ? g : (x < 0.0f ? g * alpha_[k] : 0.0f);
    }
}

// --- config (keras/src/layers/activations/prelu.py) --------------------------------------------

namespace {
Json prelu_config(const Layer& layer) {
  const PReLUOptions& o = layer_as<PReLU>(layer).options();
  Json c = base_config(layer);
  c["alpha_initializer"] = initializer_config(o.alpha_initializer);
  c["alpha_regularizer"] = regularizer_config(o.alpha_regularizer);
  c["alpha_constraint"] = constraint_config(o.alpha_constraint);
  c["shared_axes"] = o.has_shared_axes ? Json(o.shared_axes) : Json(nullptr);
  return c;
}

LayerPtr prelu_from_config(const std::string&, const std::string& name, const Json& config) {
  PReLUOptions o;
  o.alpha_constraint = constraint_from(config.value("alpha_constraint", Json(nullptr)));
  o.alpha_initializer = initializer_field(config, "alpha_initializer", "zeros");
  o.alpha_regularizer = regularizer_from(config.value("alpha_regularizer", Json(nullptr)));
  if (config.contains("shared_axes") && !config["shared_axes"].is_null())
    o.shared_axes = int_list(config["shared_axes"], "shared_axes"), o.has_shared_axes = true;
  return std::make_shared<PReLU>(name, o);
}
}  // namespace

const LayerType& prelu_type() {
  static const LayerType type{{{"PReLU", {"alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes"}}}, prelu_config, prelu_from_config};
  return type;
}

}  // namespace densekit
