#include <densekit/errors.hpp>
#include <densekit/layers/input_layer.hpp>
#include "layers/registry.hpp"

namespace densekit {

InputLayer::InputLayer(std::string name, Shape shape) : Layer(std::move(name)), shape_(std::move(shape)) {
  for (int64_t d : shape_)
    if (d <= 0) throw ValueError("Input '" + this->name() + "' has an invalid shape " + shape_to_string(shape_) + ": every dimension must be a positive integer.");
  check_sample_size(shape_, "Input '" + this->name() + "'");
}

Shape InputLayer::build(const std::vector<Shape>&) {
  throw ValueError("An InputLayer cannot be applied to a tensor: it is the start of a model.");
}

void InputLayer::forward(const std::vector<ConstView>&, View, View, const Context&) {}

void InputLayer::backward(const std::vector<ConstView>&, ConstView, ConstView, View, const std::vector<View>&,
                          const Context&) {}

// --- config (keras/src/layers/core/input_layer.py): no base config, unlike every other layer ---

namespace {
Json input_layer_config(const Layer& layer) {
  const InputLayer& in = layer_as<InputLayer>(layer);
  Json c = Json::object();
  c["batch_shape"] = batch_shape(in.shape());
  c["dtype"] = "float32";
  c["sparse"] = false;
  c["ragged"] = false;
  c["name"] = in.name();
  c["optional"] = false;
  return c;
}

LayerPtr input_layer_from_config(const std::string&, const std::string& name, const Json& config) {
  const Json shape = config.contains("batch_shape")         ? config["batch_shape"]
                     : config.contains("batch_input_shape") ? config["batch_input_shape"]
                                                            : Json(nullptr);
  return std::make_shared<InputLayer>(name, shape_from(shape, "InputLayer batch_shape"));
}
}  // namespace

const LayerType& input_layer_type() {
  static const LayerType type{{{"InputLayer", {}, true}}, input_layer_config, input_layer_from_config};
  return type;
}

}  // namespace densekit
