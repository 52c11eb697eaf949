#include <densekit/errors.hpp>
#include <densekit/layers/unit_normalization.hpp>

#include <cmath>
#include <numeric>
#include "layers/broadcast.hpp"
#include "layers/registry.hpp"
#include "parallel_for.hpp"

namespace densekit {
namespace {

constexpr float kSquaredEpsilon = 1e-24f;  // Keras's epsilon 1e-12, squared (ops.normalize)

}  // namespace

UnitNormalization::UnitNormalization(std::string name, std::vector<int> axes, bool axis_is_list)
    : Layer(std::move(name)), axes_(std::move(axes)), axis_is_list_(axis_is_list) {
  if (axes_.empty()) throw ValueError("UnitNormalization: `axis` must name at least one axis.");
}

Shape UnitNormalization::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  expect_same_shapes(inputs);  // the groups below are this shape's
  const Shape& in = inputs[0];
  const int rank = static_cast<int>(in.size());
  Shape kept = in;  // the shape of the groups: normalized axes as 1
  for (int axis : axes_) {
    const int a = axis < 0 ? axis + rank + 1 : axis;
    if (a == 0)
      throw ValueError("UnitNormalization layer '" + name() + "' normalizes each sample on its own: `axis` cannot be the "
                       "batch axis 0.");
    if (a < 1 || a > rank)
      throw ValueError("Axis " + std::to_string(axis) + " is out of bounds for input shape " + shape_to_string(in) +
                       " of UnitNormalization layer '" + name() + "'.");
    kept[static_cast<size_t>(a - 1)] = 1;
  }
  group_ = broadcast_index(kept, in);
  if (group_.empty()) {  // every axis of length 1: each value is its own group
    group_.resize(static_cast<size_t>(shape_size(in)));
    std::iota(group_.begin(), group_.end(), Index(0));
  }
  groups_ = shape_size(kept);
  mark_built();
  return in;
}

void UnitNormalization::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  const Index cols = in[0].cols;
  parallel_rows(in[0].rows, 3.0 * double(cols), [&](int64_t r0, int64_t r1) {
    for (Index r = r0; r < r1; ++r) {
      const float* x = in[0].data + r * cols;
      float* inv = scratch.data + r * scratch.cols;
      std::fill(inv, inv + groups_, 0.0f);
      for (Index i = 0; i < cols; ++i) inv[group_[i]] += x[i] * x[i];
      for (Index g = 0; g < groups_; ++g) inv[g] = 1.0f / std::sqrt(std::max(inv[g], kSquaredEpsilon));
      for (Index i = 0; i < cols; ++i) out.data[r * cols + i] = x[i] * inv[group_[i]];
    }
  });
}

void UnitNormalization::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                                 const std::vector<View>& grad_in, const Context& ctx) {
  if (!grad_in[0].data) return;
  const Index cols = in[0].cols;
  parallel_rows(in[0].rows, 4.0 * double(cols), [&](int64_t r0, int64_t r1) {
    for (Index r = r0; r < r1; ++r) {
      const float *y = out.data + r * cols, *g = grad_out.data + r * cols, *inv = scratch.data + r * scratch.cols;
      float* dot = scratch.data + r * scratch.cols + groups_;
      // y = x·s with s = rsqrt(max(Σx², ε²)): dx = s·(g − y·(y·g)), or s·g where the sum is floored.
      std::fill(dot, dot + groups_, 0.0f);
      for (Index i = 0; i < cols; ++i) dot[group_[i]] += y[i] * g[i];
      for (Index i = 0; i < cols; ++i) {
        const Index k = group_[i];
        const bool floored = inv[k] >= 1.0f / std::sqrt(kSquaredEpsilon);
        grad_in[0].data[r * cols + i] += inv[k] * (g[i] - (floored ? 0.0f : y[i] * dot[k]));
      }
    }
  });
}

// --- config (keras/src/layers/normalization/unit_normalization.py) -----------------------------

namespace {
Json unit_normalization_config(const Layer& layer) {
  const UnitNormalization& u = layer_as<UnitNormalization>(layer);
  Json c = base_config(layer);
  c["axis"] = u.axis_is_list() ? Json(u.axes()) : Json(u.axes()[0]);
  return c;
}

LayerPtr unit_normalization_from_config(const std::string&, const std::string& name, const Json& config) {
  const Json axis = config.value("axis", Json(-1));
  if (axis.is_array()) return std::make_shared<UnitNormalization>(name, int_list(axis, "axis"), true);
  return std::make_shared<UnitNormalization>(name, std::vector<int>{field(config, "axis", -1)});
}
}  // namespace

const LayerType& unit_normalization_type() {
  static const LayerType type{{{"UnitNormalization", {"axis"}}}, unit_normalization_config, unit_normalization_from_config};
  return type;
}

}  // namespace densekit
