#include <densekit/errors.hpp>
#include <densekit/layers/permute.hpp>

#include <algorithm>
#include <numeric>
#include "layers/registry.hpp"

namespace densekit {
namespace {

// The batch-counted transpose axes of `dims`, checked as Keras checks them.
std::vector<int> transpose_axes(const std::vector<int>& dims) {
  std::vector<int> sorted = dims, expected(dims.size());
  std::sort(sorted.begin(), sorted.end());
  std::iota(expected.begin(), expected.end(), 1);
  if (dims.empty() || sorted != expected) {
    std::string shown;
    for (size_t i = 0; i < dims.size(); ++i) shown += (i ? ", " : "") + std::to_string(dims[i]);
    throw ValueError("Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be "
                     "consecutive and start from 1. Received dims=(" + shown + (dims.size() == 1 ? ",)" : ")"));
  }
  std::vector<int> axes = {0};
  axes.insert(axes.end(), dims.begin(), dims.end());
  return axes;
}

}  // namespace

Permute::Permute(std::string name, std::vector<int> dims)
    : IndexMapOp(std::move(name), "transpose", {}, transpose_axes(dims), {}, 1), dims_(std::move(dims)) {}

Shape Permute::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  if (inputs[0].size() != dims_.size())  // Keras's InputSpec(ndim=len(dims) + 1)
    throw ValueError("Input 0 of layer \"" + name() + "\" is incompatible with the layer: expected ndim=" +
                     std::to_string(dims_.size() + 1) + ", found ndim=" + std::to_string(inputs[0].size() + 1) +
                     ". Full shape received: " + shape_to_string(inputs[0]));
  return IndexMapOp::build(inputs);
}

// --- config (keras/src/layers/reshaping/permute.py) --------------------------------------------

namespace {
Json permute_config(const Layer& layer) {
  Json c = base_config(layer);
  c["dims"] = layer_as<Permute>(layer).dims();
  return c;
}

LayerPtr permute_from_config(const std::string&, const std::string& name, const Json& config) {
  if (!config.contains("dims")) throw ValueError("The config of Permute layer '" + name + "' has no `dims`.");
  return std::make_shared<Permute>(name, int_list(config["dims"], "dims"));
}
}  // namespace

const LayerType& permute_type() {
  static const LayerType type{{{"Permute", {"dims"}}}, permute_config, permute_from_config};
  return type;
}

}  // namespace densekit
