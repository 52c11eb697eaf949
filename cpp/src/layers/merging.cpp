#include <densekit/errors.hpp>
#include <densekit/layers/merging.hpp>
#include "../parallel_for.hpp"

#include <algorithm>
#include "layers/broadcast.hpp"
#include "layers/registry.hpp"
#include <map>

namespace densekit {
namespace {

std::string shapes_string(const std::vector<Shape>& shapes) {
  std::string out = "[";
  for (size_t i = 0; i < shapes.size(); ++i) out += (i ? ", " : "") + shape_to_string(shapes[i]);
  return out + "]";
}

}  // namespace

std::string Merge::class_name() const {
  switch (op_) {
    case MergeOp::Add: return "Add";
    case MergeOp::Subtract: return "Subtract";
    case MergeOp::Multiply: return "Multiply";
    case MergeOp::Average: return "Average";
    case MergeOp::Maximum: return "Maximum";
    case MergeOp::Minimum: return "Minimum";
  }
  return "Merge";
}

Shape Merge::build(const std::vector<Shape>& inputs) {
  if (inputs.empty())
    throw ValueError("A merge layer should be called on a list of at least 1 input. Received 0 inputs. Full input_shape received: []");
  if (op_ == MergeOp::Subtract && inputs.size() != 2)
    throw ValueError("A `Subtract` layer should be called on exactly 2 inputs. Received: input_shape=" + shapes_string(inputs));
  expect_same_shapes(inputs);
  Shape out = inputs[0];
  for (size_t k = 1; k < inputs.size(); ++k) out = broadcast_shapes(out, inputs[k]);
  out_cols_ = shape_size(out);
  index_.clear();
  for (const Shape& s : inputs) index_.push_back(broadcast_index(s, out));
  mark_built();
  return out;
}

void Merge::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  const Index cols = out_cols_, n = static_cast<Index>(in.size());
  parallel_rows(out.rows, double(cols) * double(n), [&](int64_t r0, int64_t r1) {
    for (Index r = r0; r < r1; ++r) {
      float* y = out.data + r * cols;
      for (Index j = 0; j < cols; ++j) y[j] = at(in[0], 0, r, j);
      // Left to right, pairwise, in float: Keras's order of operations.
      for (size_t k = 1; k < in.size(); ++k) {
        for (Index j = 0; j < cols; ++j) {
          const float x = at(in[k], k, r, j);
          switch (op_) {
            case MergeOp::Add:
            case MergeOp::Average: y[j] += x; break;
            case MergeOp::Subtract: y[j] -= x; break;
            case MergeOp::Multiply: y[j] *= x; break;
            case MergeOp::Maximum: y[j] = std::max(y[j], x); break;
            case MergeOp::Minimum: y[j] = std::min(y[j], x); break;
          }
        }
      }
      if (op_ == MergeOp::Average)
        for (Index j = 0; j < cols; ++j) y[j] /= static_cast<float>(n);
    }
  });
}

void Merge::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                     const std::vector<View>& grad_in, const Context& ctx) {
  const Index cols = out_cols_, n = static_cast<Index>(in.size());
  parallel_rows(out.rows, double(cols) * double(n * n), [&](int64_t r0, int64_t r1) {
    for (Index r = r0; r < r1; ++r) {
      const float* g = grad_out.data + r * cols;
      for (size_t k = 0; k < in.size(); ++k) {
        if (!grad_in[k].data) continue;
        float* dx = grad_in[k].data + r * grad_in[k].cols;
        const auto& map = index_[k];
        for (Index j = 0; j < cols; ++j) {
          float d = 0.0f;
          switch (op_) {
            // d(Σ x_i)/dx_k = 1; Subtract: x_0 - x_1; Average: Σ x_i / n.
            case MergeOp::Add: d = g[j]; break;
            case MergeOp::Subtract: d = k == 0 ? g[j] : -g[j]; break;
            case MergeOp::Average: d = g[j] / static_cast<float>(n); break;
            // d(Π x_i)/dx_k = Π_{i≠k} x_i (no division, so zeros are exact).
            case MergeOp::Multiply: {
              float p = g[j];
              for (size_t i = 0; i < in.size(); ++i)
                if (i != k) p *= at(in[i], i, r, j);
              d = p;
              break;
            }
            // The gradient goes to the first input holding the extreme (TensorFlow's rule for ties).
            case MergeOp::Maximum:
            case MergeOp::Minimum: {
              size_t best = 0;
              float v = at(in[0], 0, r, j);
              for (size_t i = 1; i < in.size(); ++i) {
                const float x = at(in[i], i, r, j);
                if (op_ == MergeOp::Maximum ? x > v : x < v) v = x, best = i;
              }
              d = best == k ? g[j] : 0.0f;
              break;
            }
          }
          dx[map.empty() ? j : map[static_cast<size_t>(j)]] += d;  // broadcast inputs sum their uses
        }
      }
    }
  });
}

Shape Concatenate::build(const std::vector<Shape>& inputs) {
  if (inputs.empty())
    throw ValueError("A `Concatenate` layer should be called on a list of at least 1 input. Received: input_shape=[]");
  expect_same_shapes(inputs);
  const auto rank = static_cast<int>(inputs[0].size());
  auto mismatch = [&]() {
    return ValueError("A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape=" +
                      shapes_string(inputs));
  };
  for (const Shape& s : inputs)
    if (static_cast<int>(s.size()) != rank) throw mismatch();
  // Keras's axis counts the batch axis (0); per-sample axis a = axis - 1.
  const int axis = axis_ < 0 ? axis_ + rank + 1 : axis_;
  if (axis < 1 || axis > rank)
    throw ValueError("Concatenate axis " + std::to_string(axis_) + " is out of range for inputs of shape " +
                     shape_to_string(inputs[0]) + (axis == 0 ? ": densekit cannot concatenate along the batch axis." : "."));
  const int a = axis - 1;
  Shape out = inputs[0];
  out[a] = 0;
  for (const Shape& s : inputs) {
    for (int d = 0; d < rank; ++d)
      if (d != a && s[d] != inputs[0][d]) throw mismatch();
    out[a] += s[a];
  }
  outer_ = 1;
  for (int d = 0; d < a; ++d) outer_ *= inputs[0][d];
  inner_.clear();
  for (const Shape& s : inputs) inner_.push_back(shape_size(s) / outer_);
  mark_built();
  return out;
}

void Concatenate::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  parallel_rows(out.rows, double(out.cols), [&](int64_t r0, int64_t r1) {
    for (Index r = r0; r < r1; ++r) {
      float* y = out.data + r * out.cols;
      for (Index b = 0; b < outer_; ++b)
        for (size_t k = 0; k < in.size(); ++k) {
          const float* x = in[k].data + r * in[k].cols + b * inner_[k];
          y = std::copy(x, x + inner_[k], y);
        }
    }
  });
}

void Concatenate::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                           const std::vector<View>& grad_in, const Context& ctx) {
  parallel_rows(grad_out.rows, double(grad_out.cols), [&](int64_t r0, int64_t r1) {
    for (Index r = r0; r < r1; ++r) {
      const float* g = grad_out.data + r * grad_out.cols;
      for (Index b = 0; b < outer_; ++b)
        for (size_t k = 0; k < in.size(); ++k) {
          if (grad_in[k].data) {
            float* dx = grad_in[k].data + r * grad_in[k].cols + b * inner_[k];
            for (Index j = 0; j < inner_[k]; ++j) dx[j] += g[j];
          }
          g += inner_[k];
        }
    }
  });
}

// --- configs (keras/src/layers/merging/) -------------------------------------------------------

namespace {
Json merge_config(const Layer& layer) { return base_config(layer_as<Merge>(layer)); }

LayerPtr merge_from_config(const std::string& class_name, const std::string& name, const Json&) {
  static const std::map<std::string, MergeOp> ops = {{"Add", MergeOp::Add},         {"Subtract", MergeOp::Subtract},
                                                     {"Multiply", MergeOp::Multiply}, {"Average", MergeOp::Average},
                                                     {"Maximum", MergeOp::Maximum},   {"Minimum", MergeOp::Minimum}};
  return std::make_shared<Merge>(name, ops.at(class_name));
}

Json concatenate_config(const Layer& layer) {
  Json c = base_config(layer);
  c["axis"] = layer_as<Concatenate>(layer).axis();
  return c;
}

LayerPtr concatenate_from_config(const std::string&, const std::string& name, const Json& config) {
  return std::make_shared<Concatenate>(name, field(config, "axis", -1));
}
}  // namespace

const LayerType& merge_type() {
  static const LayerType type{{{"Add", {}}, {"Subtract", {}}, {"Multiply", {}}, {"Average", {}}, {"Maximum", {}}, {"Minimum", {}}}, merge_config, merge_from_config};
  return type;
}

const LayerType& concatenate_type() {
  static const LayerType type{{{"Concatenate", {"axis"}}}, concatenate_config, concatenate_from_config};
  return type;
}

}  // namespace densekit
