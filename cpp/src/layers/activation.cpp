#include <densekit/errors.hpp>
#include <densekit/layers/activation.hpp>

#include <vector>
#include "layers/registry.hpp"
#include <cmath>

namespace densekit {

ActivationLayer::ActivationLayer(std::string name, Activation activation, std::string class_name, int axis)
    : Layer(std::move(name)), activation_(activation), class_name_(std::move(class_name)), axis_(axis) {}

Shape ActivationLayer::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  const int rank = static_cast<int>(inputs[0].size()) + 1;
  if (axis_ != -1 && axis_ != rank - 1)
    throw ValueError("Layer '" + name() + "': densekit's " + class_name_ + " works along the last axis only (axis=-1); received axis=" +
                     std::to_string(axis_) + " for inputs of shape " + shape_to_string(inputs[0]) + ".");
  last_axis_ = inputs[0].empty() ? 1 : inputs[0].back();
  Shape out = inputs[0];
  const Index cols = activation_.output_cols(last_axis_);  // glu halves it (and refuses a lone value)
  if (!out.empty()) out.back() = cols;
  mark_built();
  return out;
}

Index ActivationLayer::scratch_cols(const std::vector<Shape>& inputs, const Shape& output) const {
  return shape_size(inputs[0]);  // room for d(loss)/d(input)
}

void ActivationLayer::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  const Index last = activation_.is_row_wise() ? last_axis_ : in[0].cols;
  activation_.forward(in[0].data, out.data, in[0].rows * in[0].cols / last, last);
}

void ActivationLayer::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                               const std::vector<View>& grad_in, const Context& ctx) {
  if (!grad_in[0].data) return;
  const Index n = in[0].rows * in[0].cols;
  if (ctx.grad_is_preactivation) {  // already d(loss)/d(logits): the loss read them
    for (Index i = 0; i < n; ++i) grad_in[0].data[i] += grad_out.data[i];
    return;
  }
  const Index last = activation_.is_row_wise() ? last_axis_ : in[0].cols;
  // dz into scratch, then accumulated (the input may have other consumers).
  activation_.backward(in[0].data, out.data, grad_out.data, scratch.data, n / last, last);
  for (Index i = 0; i < n; ++i) grad_in[0].data[i] += scratch.data[i];
}

// --- config (keras/src/layers/activations/) ----------------------------------------------------

namespace {
// Activation writes its function; ReLU, LeakyReLU, ELU and Softmax write their own arguments.
Json activation_layer_config(const Layer& layer) {
  const ActivationLayer& a = layer_as<ActivationLayer>(layer);
  const Activation& act = a.activation();
  const std::string cls = a.class_name();
  Json c = base_config(layer);
  if (cls == "ReLU") {
    c["max_value"] = std::isfinite(act.max_value) ? Json(act.max_value) : Json(nullptr);
    c["negative_slope"] = act.negative_slope;
    c["threshold"] = act.threshold;
  } else if (cls == "LeakyReLU") {
    c["negative_slope"] = act.negative_slope;
  } else if (cls == "ELU") {
    c["alpha"] = act.alpha;
  } else if (cls == "Softmax") {
    c["axis"] = a.axis();
  } else {
    c["activation"] = activation_config(act);
  }
  return c;
}

LayerPtr activation_layer_from_config(const std::string& class_name, const std::string& name, const Json& config) {
  if (class_name == "ReLU") {
    Activation a = Activation::from_name("relu");
    a.max_value = field(config, "max_value", a.max_value);
    a.negative_slope = field(config, "negative_slope", 0.0);
    a.threshold = field(config, "threshold", 0.0);
    if (a.max_value < 0.0 || a.negative_slope < 0.0 || a.threshold < 0.0)
      throw ValueError("ReLU: max_value, negative_slope and threshold cannot be negative; received " + config.dump());
    return std::make_shared<ActivationLayer>(name, a, "ReLU");
  }
  if (class_name == "LeakyReLU") {
    Activation a = Activation::from_name("leaky_relu");
    a.negative_slope = field(config, "negative_slope", field(config, "alpha", 0.3));
    return std::make_shared<ActivationLayer>(name, a, "LeakyReLU");
  }
  if (class_name == "ELU") {
    Activation a = Activation::from_name("elu");
    a.alpha = field(config, "alpha", 1.0);
    return std::make_shared<ActivationLayer>(name, a, "ELU");
  }
  if (class_name == "Softmax") {
    const std::vector<int> axis = int_list(config.value("axis", Json(-1)), "axis");
    if (axis.size() != 1) throw ValueError("Softmax: densekit normalizes along one axis; received axis=" + config["axis"].dump());
    return std::make_shared<ActivationLayer>(name, Activation::from_name("softmax"), "Softmax", axis[0]);
  }
  return std::make_shared<ActivationLayer>(name, activation_from(config.value("activation", Json(nullptr))));
}
}  // namespace

const LayerType& activation_layer_type() {
  static const LayerType type{{{"Activation", {"activation"}},
                               {"ReLU", {"max_value", "negative_slope", "threshold"}},
                               {"LeakyReLU", {"negative_slope", "alpha"}},  // alpha: Keras 2's name, still read
                               {"ELU", {"alpha"}},
                               {"Softmax", {"axis"}}}, activation_layer_config,
                              activation_layer_from_config};
  return type;
}

}  // namespace densekit
