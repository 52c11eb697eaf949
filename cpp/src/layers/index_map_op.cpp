// IndexMapOp (ops.hpp): slicing, transposes and gathers, as a map from output to input elements.
#include <densekit/errors.hpp>
#include <densekit/layers/ops.hpp>
#include "../parallel_for.hpp"

#include <algorithm>
#include <numeric>
#include "layers/broadcast.hpp"
#include "layers/registry.hpp"

namespace densekit {
namespace {

// Row-major strides of a shape.
std::vector<Index> strides_of(const Shape& s) {
  std::vector<Index> out(s.size(), 1);
  for (size_t d = s.size(); d-- > 1;) out[d - 1] = out[d] * s[d];
  return out;
}

// The elements of axis `dim` long that Python's slice(start, stop, step) selects.
std::vector<Index> slice_positions(const IndexStep& s, int64_t dim) {
  const int64_t step = s.step;
  auto clamp = [&](std::optional<int64_t> v, int64_t fallback, int64_t lo, int64_t hi) {
    if (!v) return fallback;
    const int64_t x = *v < 0 ? *v + dim : *v;
    return std::min(std::max(x, lo), hi);
  };
  std::vector<Index> out;
  if (step > 0) {
    const int64_t start = clamp(s.start, 0, 0, dim), stop = clamp(s.stop, dim, 0, dim);
    for (int64_t i = start; i < stop; i += step) out.push_back(i);
  } else {
    const int64_t start = clamp(s.start, dim - 1, -1, dim - 1), stop = clamp(s.stop, -1, -1, dim - 1);
    for (int64_t i = start; i > stop; i += step) out.push_back(i);
  }
  return out;
}

}  // namespace

IndexMapOp::IndexMapOp(std::string name, std::string op, std::vector<IndexStep> steps, std::vector<int> axes,
                       std::vector<int64_t> indices, int axis)
    : Layer(std::move(name)), op_(std::move(op)), steps_(std::move(steps)), axes_(std::move(axes)),
      indices_(std::move(indices)), axis_(axis) {
  if (op_ != "get_item" && op_ != "transpose" && op_ != "take")
    throw ValueError("Unknown index op '" + op_ + "'; densekit has get_item, transpose and take.");
  for (const IndexStep& s : steps_)
    if (!s.index && s.step == 0) throw ValueError("slice step cannot be zero");
}

// The positions each output axis takes along its input axis (get_item), and the output shape.
Shape IndexMapOp::build_get_item(const Shape& in, std::vector<std::vector<Index>>& coords) const {
  if (steps_.size() > in.size())
    throw ValueError("Too many indices for a tensor of shape " + shape_to_string(in) + ": " + std::to_string(steps_.size() + 1) +
                     " were given (the batch axis included).");
  Shape out;
  for (size_t d = 0; d < in.size(); ++d) {
    std::vector<Index> positions;
    if (d < steps_.size() && steps_[d].index) {
      const int64_t i = *steps_[d].index < 0 ? *steps_[d].index + in[d] : *steps_[d].index;
      if (i < 0 || i >= in[d])
        throw ValueError("Index " + std::to_string(*steps_[d].index) + " is out of bounds for axis " + std::to_string(d + 1) +
                         " with size " + std::to_string(in[d]) + ".");
      positions = {i};
    } else {
      positions = d < steps_.size() ? slice_positions(steps_[d], in[d]) : slice_positions(IndexStep{}, in[d]);
      if (positions.empty())
        throw ValueError("The slice of axis " + std::to_string(d + 1) + " (size " + std::to_string(in[d]) + ") selects no element: "
                         "a layer's output needs at least one value per sample.");
      out.push_back(static_cast<int64_t>(positions.size()));
    }
    coords.push_back(positions);
  }
  return out;
}

Shape IndexMapOp::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  expect_same_shapes(inputs);
  const Shape& in = inputs[0];
  const int rank = static_cast<int>(in.size());
  // Per input axis, the input positions in output order; `order`: the input axes in output order.
  std::vector<std::vector<Index>> coords;
  std::vector<int> order(in.size());
  std::iota(order.begin(), order.end(), 0);
  Shape out;
  if (op_ == "get_item") {
    out = build_get_item(in, coords);
  } else {
    for (int64_t dim : in) {
      coords.emplace_back(static_cast<size_t>(dim));
      std::iota(coords.back().begin(), coords.back().end(), Index(0));
    }
    if (op_ == "transpose") {
      std::vector<int> sorted = axes_;
      std::sort(sorted.begin(), sorted.end());
      std::vector<int> expected(static_cast<size_t>(rank + 1));
      std::iota(expected.begin(), expected.end(), 0);
      if (sorted != expected || axes_[0] != 0)
        throw ValueError("transpose: `axes` must be a permutation of 0.." + std::to_string(rank) + " that keeps the batch axis 0 "
                         "first (a layer computes each sample on its own). Received axes of length " +
                         std::to_string(axes_.size()) + " for a tensor of shape " + shape_to_string(in) + ".");
      for (int d = 0; d < rank; ++d) order[d] = axes_[d + 1] - 1;
    } else {  // take
      const int a = axis_ < 0 ? axis_ + rank + 1 : axis_;
      if (a < 1 || a > rank)
        throw ValueError("take: axis " + std::to_string(axis_) + " must be one of a sample's axes (1.." + std::to_string(rank) +
                         " or negative) for a tensor of shape " + shape_to_string(in) + ".");
      if (indices_.empty()) throw ValueError("take: `indices` is empty: a layer's output needs at least one value per sample.");
      auto& positions = coords[a - 1];
      positions.clear();
      for (int64_t i : indices_) {
        const int64_t k = i < 0 ? i + in[a - 1] : i;
        if (k < 0 || k >= in[a - 1])
          throw ValueError("take: index " + std::to_string(i) + " is out of bounds for axis " + std::to_string(a) + " with size " +
                           std::to_string(in[a - 1]) + ".");
        positions.push_back(k);
      }
    }
    for (int d : order) out.push_back(static_cast<int64_t>(coords[d].size()));
  }
  // Every axis indexed away: one value per sample (Keras's shape (None,)), out is {}.
  // Walk the output in row-major order over the kept axes (in output order).
  const std::vector<Index> stride = strides_of(in);
  std::vector<int> walk;  // the input axes that make output axes, in output order
  Index base = 0;
  for (int d : order) {
    if (op_ == "get_item" && d < static_cast<int>(steps_.size()) && steps_[d].index) base += coords[d][0] * stride[d];
    else walk.push_back(d);
  }
  in_cols_ = shape_size(in);
  source_.clear();
  std::vector<size_t> at(walk.size(), 0);
  const Index total = shape_size(out);
  for (Index j = 0; j < total; ++j) {
    Index src = base;
    for (size_t w = 0; w < walk.size(); ++w) src += coords[walk[w]][at[w]] * stride[walk[w]];
    source_.push_back(src);
    for (size_t w = walk.size(); w-- > 0;) {  // odometer increment
      if (++at[w] < coords[walk[w]].size()) break;
      at[w] = 0;
    }
  }
  mark_built();
  return out;
}

void IndexMapOp::forward(const std::vector<ConstView>& in, View out, View, const Context&) {
  const Index cols = out.cols;
  parallel_rows(out.rows, double(cols), [&](int64_t r0, int64_t r1) {
    for (Index r = r0; r < r1; ++r) {
      const float* x = in[0].data + r * in_cols_;
      float* y = out.data + r * cols;
      for (Index j = 0; j < cols; ++j) y[j] = x[source_[j]];
    }
  });
}

void IndexMapOp::backward(const std::vector<ConstView>&, ConstView out, ConstView grad_out, View,
                          const std::vector<View>& grad_in, const Context&) {
  if (!grad_in[0].data) return;
  const Index cols = out.cols;
  parallel_rows(out.rows, double(cols), [&](int64_t r0, int64_t r1) {
    for (Index r = r0; r < r1; ++r) {
      const float* g = grad_out.data + r * cols;
      float* dx = grad_in[0].data + r * in_cols_;
      for (Index j = 0; j < cols; ++j) dx[source_[j]] += g[j];  // take may read an element twice
    }
  });
}

// --- config -------------------------------------------------------------------------------------

namespace {
Json optional_json(const std::optional<int64_t>& v) { return v ? Json(*v) : Json(nullptr); }

Json index_map_config(const Layer& layer) {
  const auto& op = layer_as<IndexMapOp>(layer);
  Json c = base_config(layer);
  c["op"] = op.op();
  if (op.op() == "get_item") {
    Json key = Json::array();
    for (const IndexStep& s : op.steps())
      key.push_back(s.index ? Json(*s.index) : Json::array({optional_json(s.start), optional_json(s.stop), s.step}));
    c["key"] = key;  // per sample axis: an integer, or [start, stop, step] (null: Python's default)
  } else if (op.op() == "transpose") {
    c["axes"] = op.axes();
  } else {
    c["indices"] = op.indices();
    c["axis"] = op.axis();
  }
  return c;
}

std::optional<int64_t> optional_int(const Json& j) {
  if (j.is_null()) return std::nullopt;
  if (!j.is_number_integer()) throw ValueError("A slice bound in a get_item config must be an integer or null; received " + j.dump());
  return j.get<int64_t>();
}

LayerPtr index_map_from_config(const std::string&, const std::string& name, const Json& config) {
  const std::string op = field(config, "op", std::string());
  std::vector<IndexStep> steps;
  if (op == "get_item") {
    const Json key = config.value("key", Json::array());
    if (!key.is_array()) throw ValueError("The `key` of get_item '" + name + "' must be a list; received " + key.dump());
    for (const Json& k : key) {
      IndexStep s;
      if (k.is_array() && k.size() == 3) {
        s.start = optional_int(k[0]), s.stop = optional_int(k[1]);
        s.step = optional_int(k[2]).value_or(1);
      } else {
        s.index = optional_int(k);
        if (!s.index) throw ValueError("get_item '" + name + "': an index in `key` is null.");
      }
      steps.push_back(s);
    }
  }
  std::vector<int> axes = config.contains("axes") ? int_list(config["axes"], "axes") : std::vector<int>{};
  std::vector<int64_t> indices = config.contains("indices") ? int64_list(config["indices"], "indices") : std::vector<int64_t>{};
  return std::make_shared<IndexMapOp>(name, op, steps, axes, indices, field(config, "axis", 1));
}
}  // namespace

const LayerType& index_map_op_type() {
  static const LayerType type{{{"IndexMapOp", {"op", "key", "axes", "indices", "axis"}}}, index_map_config, index_map_from_config};
  return type;
}

}  // namespace densekit
