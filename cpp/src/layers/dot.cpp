#include <densekit/errors.hpp>
#include <densekit/layers/dot.hpp>
#include <densekit/losses.hpp>

#include <cmath>
#include "layers/registry.hpp"
#include "parallel_for.hpp"

namespace densekit {
namespace {

// 1/‖x‖ as Keras's normalize computes it: rsqrt of the squared norm, floored at ε² so that a
// zero vector stays finite (keras/src/ops/nn.py, _normalize).
float inverse_norm(const float* x, Index n) {
  float sum = 0.0f;
  for (Index j = 0; j < n; ++j) sum += x[j] * x[j];
  constexpr float kFloor = static_cast<float>(kEpsilon * kEpsilon);
  return 1.0f / std::sqrt(std::max(sum, kFloor));
}

bool floored(float inv_norm) { return inv_norm >= 1.0f / std::sqrt(static_cast<float>(kEpsilon * kEpsilon)); }

}  // namespace

Dot::Dot(std::string name, std::vector<int> axes, bool normalize)
    : Layer(std::move(name)), axes_(std::move(axes)), normalize_(normalize), one_axis_(axes_.size() == 1) {
  if (one_axis_) axes_.push_back(axes_[0]);
  if (axes_.size() != 2)
    throw ValueError("Invalid format for argument `axes`: it should contain two elements. Received: " +
                     std::to_string(axes_.size()) + " elements");
}

Shape Dot::build(const std::vector<Shape>& inputs) {
  if (inputs.size() != 2) throw ValueError("A `Dot` layer should be called on a list of 2 inputs.");
  for (size_t k = 0; k < 2; ++k) {
    const int axis = axes_[k];
    if (inputs[k].size() != 1 || (axis != 1 && axis != -1))
      throw ValueError("Layer '" + name() + "': densekit's Dot takes inputs of one vector per sample, with axes 1 or "
                       "-1; received input shape " + shape_to_string(inputs[k]) + " and axes=" + std::to_string(axis) +
                       ".");
  }
  if (inputs[0][0] != inputs[1][0])
    throw ValueError("Incompatible input shapes: axis values " + std::to_string(inputs[0][0]) + " (at axis 1) != " +
                     std::to_string(inputs[1][0]) + " (at axis 1). Full input shapes: " + shape_to_string(inputs[0]) +
                     ", " + shape_to_string(inputs[1]));
  mark_built();
  return {1};
}

void Dot::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  const Index n = in[0].cols;
  parallel_rows(out.rows, 3.0 * double(n), [&](int64_t r0, int64_t r1) {
    for (Index r = r0; r < r1; ++r) {
      const float* x1 = in[0].data + r * n;
      const float* x2 = in[1].data + r * n;
      const float s1 = normalize_ ? inverse_norm(x1, n) : 1.0f, s2 = normalize_ ? inverse_norm(x2, n) : 1.0f;
      float dot = 0.0f;
      for (Index j = 0; j < n; ++j) dot += normalize_ ? (x1[j] * s1) * (x2[j] * s2) : x1[j] * x2[j];
      out.data[r] = dot;
    }
  });
}

void Dot::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                   const std::vector<View>& grad_in, const Context& ctx) {
  const Index n = in[0].cols;
  parallel_rows(grad_out.rows, 4.0 * double(n), [&](int64_t r0, int64_t r1) {
    for (Index r = r0; r < r1; ++r) {
      const float g = grad_out.data[r];
      const float* x[2] = {in[0].data + r * n, in[1].data + r * n};
      if (!normalize_) {
        for (int k = 0; k < 2; ++k)
          if (grad_in[k].data)
            for (Index j = 0; j < n; ++j) grad_in[k].data[r * n + j] += g * x[1 - k][j];
        continue;
      }
      // u = x/‖x‖: d(u₁·u₂)/dx₁ = (u₂ − u₁ (u₁·u₂)) / ‖x₁‖, or u₂ / ‖x₁‖ where the norm is floored.
      const float s[2] = {inverse_norm(x[0], n), inverse_norm(x[1], n)};
      const float dot = out.data[r];
      for (int k = 0; k < 2; ++k) {
        if (!grad_in[k].data) continue;
        const float keep = floored(s[k]) ? 0.0f : 1.0f;
        for (Index j = 0; j < n; ++j)
          grad_in[k].data[r * n + j] += g * s[k] * (x[1 - k][j] * s[1 - k] - keep * x[k][j] * s[k] * dot);
      }
    }
  });
}

// --- config (keras/src/layers/merging/dot.py) --------------------------------------------------

namespace {
Json dot_config(const Layer& layer) {
  const Dot& d = layer_as<Dot>(layer);
  Json c = base_config(layer);
  c["axes"] = d.one_axis() ? Json(d.axes()[0]) : Json(d.axes());  // as given: Dot(axes=(1, 1)) keeps its pair
  c["normalize"] = d.normalize();
  return c;
}

LayerPtr dot_from_config(const std::string&, const std::string& name, const Json& config) {
  if (!config.contains("axes")) throw ValueError("Dot: the config has no `axes`.");
  const Json& axes = config["axes"];
  std::vector<int> list;
  if (axes.is_number_integer()) list = {axes.get<int>()};
  else if (axes.is_array() && axes.size() == 2 && axes[0].is_number_integer() && axes[1].is_number_integer())
    list = {axes[0].get<int>(), axes[1].get<int>()};
  else throw ValueError("Dot: `axes` must be an integer or two integers. Received: " + axes.dump());
  return std::make_shared<Dot>(name, list, field(config, "normalize", false));
}
}  // namespace

const LayerType& dot_type() {
  static const LayerType type{{{"Dot", {"axes", "normalize"}}}, dot_config, dot_from_config};
  return type;
}

}  // namespace densekit
