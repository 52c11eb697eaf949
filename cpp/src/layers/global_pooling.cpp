#include <densekit/errors.hpp>
#include <densekit/layers/global_pooling.hpp>

#include <numeric>
#include "layers/registry.hpp"

namespace densekit {
namespace {

// The spatial axes, counted with the batch axis as Keras's ops.mean/ops.max take them.
std::vector<int> spatial_axes(int dimensions, bool channels_first) {
  if (dimensions < 1 || dimensions > 3)
    throw ValueError("Global pooling takes 1, 2 or 3 spatial dimensions; received " + std::to_string(dimensions) + ".");
  std::vector<int> axes(static_cast<size_t>(dimensions));
  std::iota(axes.begin(), axes.end(), channels_first ? 2 : 1);
  return axes;
}

}  // namespace

GlobalPooling::GlobalPooling(std::string name, Kind kind, int dimensions, bool channels_first, bool keepdims)
    : Reduce(std::move(name), kind == Kind::Average ? "mean" : "max", spatial_axes(dimensions, channels_first), keepdims),
      kind_(kind),
      dimensions_(dimensions),
      channels_first_(channels_first) {}

std::string GlobalPooling::class_name_for(Kind kind, int dimensions) {
  return std::string(kind == Kind::Average ? "GlobalAveragePooling" : "GlobalMaxPooling") + std::to_string(dimensions) + "D";
}

std::string GlobalPooling::class_name() const { return class_name_for(kind_, dimensions_); }

Shape GlobalPooling::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  // Keras's InputSpec(ndim=dimensions + 2): the batch axis, the spatial axes and the channels.
  const size_t expected = static_cast<size_t>(dimensions_) + 1;
  if (inputs[0].size() != expected)
    throw ValueError("Input 0 of layer \"" + name() + "\" is incompatible with the layer: expected ndim=" +
                     std::to_string(expected + 1) + ", found ndim=" + std::to_string(inputs[0].size() + 1) +
                     ". Full shape received: " + shape_to_string(inputs[0]));
  return Reduce::build(inputs);
}

// --- config (keras/src/layers/pooling/base_global_pooling.py) ---------------------------------

namespace {

Json global_pooling_config(const Layer& layer) {
  const GlobalPooling& p = layer_as<GlobalPooling>(layer);
  Json c = base_config(layer);
  c["data_format"] = p.channels_first() ? "channels_first" : "channels_last";
  c["keepdims"] = p.keepdims();
  return c;
}

LayerPtr global_pooling_from_config(const std::string& class_name, const std::string& name, const Json& config) {
  // GlobalAveragePooling1D, GlobalAvgPool2D, GlobalMaxPooling3D, GlobalMaxPool1D, ...
  const bool average = class_name.rfind("GlobalAv", 0) == 0;
  const int dimensions = class_name[class_name.size() - 2] - '0';
  return std::make_shared<GlobalPooling>(name, average ? GlobalPooling::Kind::Average : GlobalPooling::Kind::Max,
                                         dimensions, channels_first(config), field(config, "keepdims", false));
}

}  // namespace

const LayerType& global_pooling_type() {
  static const std::vector<std::string> arguments = {"data_format", "keepdims"};
  static const LayerType type{{{"GlobalAveragePooling1D", arguments},
                               {"GlobalAveragePooling2D", arguments},
                               {"GlobalAveragePooling3D", arguments},
                               {"GlobalMaxPooling1D", arguments},
                               {"GlobalMaxPooling2D", arguments},
                               {"GlobalMaxPooling3D", arguments},
                               {"GlobalAvgPool1D", arguments},
                               {"GlobalAvgPool2D", arguments},
                               {"GlobalAvgPool3D", arguments},
                               {"GlobalMaxPool1D", arguments},
                               {"GlobalMaxPool2D", arguments},
                               {"GlobalMaxPool3D", arguments}},
                              global_pooling_config, global_pooling_from_config};
  return type;
}

}  // namespace densekit
