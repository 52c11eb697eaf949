// Reduce (ops.hpp): sum, mean, max, min, prod, var, std and logsumexp over a sample's axes;
// argmax and argmin along one.
#include <densekit/errors.hpp>
#include <densekit/layers/ops.hpp>
#include "../parallel_for.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include "layers/broadcast.hpp"
#include "layers/registry.hpp"

namespace densekit {
namespace {

enum ReduceOp { Sum, Mean, Max, Min, Prod, Var, Std, LogSumExp, ArgMax, ArgMin };

const std::vector<std::string>& reduce_op_names() {
  static const std::vector<std::string> names = {"sum", "mean", "max", "min", "prod", "var", "std", "logsumexp",
                                                 "argmax", "argmin"};
  return names;
}

}  // namespace

Reduce::Reduce(std::string name, std::string op, std::vector<int> axes, bool keepdims)
    : Layer(std::move(name)), op_(std::move(op)), axes_(std::move(axes)), keepdims_(keepdims) {
  const auto& names = reduce_op_names();
  const auto it = std::find(names.begin(), names.end(), op_);
  if (it == names.end())
    throw ValueError("Unknown reduction '" + op_ + "'; densekit reduces with sum, mean, max, min, prod, var, std, logsumexp, "
                     "argmax and argmin.");
  kind_ = static_cast<int>(it - names.begin());
  if ((kind_ == ArgMax || kind_ == ArgMin) && axes_.size() != 1)
    throw ValueError(op_ + " takes one axis; received " + std::to_string(axes_.size()) + ".");
}

Shape Reduce::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  expect_same_shapes(inputs);
  const Shape& in = inputs[0];
  const int rank = static_cast<int>(in.size());
  std::vector<bool> reduced(in.size(), axes_.empty());
  for (int axis : axes_) {
    const int a = axis < 0 ? axis + rank + 1 : axis;  // Keras's axis counts the batch axis (0)
    if (a == 0)
      throw ValueError(op_ + " over the batch axis (axis=" + std::to_string(axis) + ") in a model: a layer computes each "
                       "sample on its own. Reduce over the sample's axes (axis=-1, ...) and let the loss average over the "
                       "batch.");
    if (a < 0 || a > rank)
      throw ValueError("axis " + std::to_string(axis) + " is out of bounds for a tensor of rank " + std::to_string(rank + 1) +
                       " (shape " + shape_to_string(in) + ").");
    if (reduced[a - 1]) throw ValueError("Duplicate axis " + std::to_string(axis) + " in the axes of " + op_ + ".");
    reduced[a - 1] = true;
  }
  Shape out, kept;  // kept: the output's shape with reduced axes as 1
  count_ = 1;
  for (int d = 0; d < rank; ++d) {
    if (reduced[d]) count_ *= in[d];
    kept.push_back(reduced[d] ? 1 : in[d]);
    if (!reduced[d] || keepdims_) out.push_back(reduced[d] ? 1 : in[d]);
  }
  if (count_ == 0) throw ValueError(op_ + " over an empty axis of a tensor of shape " + shape_to_string(in) + ".");
  // Each input element's output element: the broadcast map from the kept shape, inverted.
  in_cols_ = shape_size(in);
  out_cols_ = shape_size(kept);
  target_.assign(static_cast<size_t>(in_cols_), 0);
  position_.assign(static_cast<size_t>(in_cols_), 0.0f);
  for (Index i = 0; i < in_cols_; ++i) {
    Index rest = i, o = 0, stride = 1;
    for (int d = rank; d-- > 0;) {
      const Index coord = rest % in[d];
      rest /= in[d];
      if (!reduced[d]) o += coord * stride, stride *= in[d];
      else position_[static_cast<size_t>(i)] = static_cast<float>(coord);  // one reduced axis for arg*
    }
    target_[static_cast<size_t>(i)] = o;
  }
  mark_built();
  return out;
}

// Per output: the mean (var, std) or the maximum (logsumexp), which backward needs again; then
// backward's count of tied extremes (max, min) or of zeros (prod).
Index Reduce::scratch_cols(const std::vector<Shape>&, const Shape&) const { return 2 * out_cols_; }

void Reduce::forward(const std::vector<ConstView>& in, View out, View scratch, const Context&) {
  const int op = kind_;
  const float n = static_cast<float>(count_);
  parallel_rows(out.rows, double(in_cols_) * 2.0, [&](int64_t r0, int64_t r1) {
    for (Index r = r0; r < r1; ++r) {
      const float* x = in[0].data + r * in_cols_;
      float* y = out.data + r * out_cols_;
      float* aux = scratch.data + r * scratch.cols;
      if (op == ArgMax || op == ArgMin) {  // the first extreme, as NumPy (a NaN counts as the extreme)
        const float worst = op == ArgMax ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
        std::fill(aux, aux + out_cols_, worst);
        std::fill(y, y + out_cols_, -1.0f);
        for (Index i = 0; i < in_cols_; ++i) {
          const Index o = target_[i];
          if (std::isnan(aux[o])) continue;
          const bool better = std::isnan(x[i]) || y[o] < 0.0f || (op == ArgMax ? x[i] > aux[o] : x[i] < aux[o]);
          if (better) aux[o] = x[i], y[o] = position_[i];
        }
        continue;
      }
      const float init = op == Max || op == LogSumExp ? -std::numeric_limits<float>::infinity()
                         : op == Min                  ? std::numeric_limits<float>::infinity()
                         : op == Prod                 ? 1.0f
                                                      : 0.0f;
      std::fill(y, y + out_cols_, init);
      for (Index i = 0; i < in_cols_; ++i) {
        float& acc = y[target_[i]];
        switch (op) {
          case Max:
          case LogSumExp: acc = std::isnan(x[i]) || x[i] > acc ? x[i] : acc; break;
          case Min: acc = std::isnan(x[i]) || x[i] < acc ? x[i] : acc; break;
          case Prod: acc *= x[i]; break;
          default: acc += x[i];
        }
      }
      if (op == Mean || op == Var || op == Std)
        for (Index o = 0; o < out_cols_; ++o) y[o] /= n;
      if (op == Var || op == Std || op == LogSumExp) {
        std::copy(y, y + out_cols_, aux);  // the mean, or the maximum
        std::fill(y, y + out_cols_, 0.0f);
        for (Index i = 0; i < in_cols_; ++i) {
          const float m = aux[target_[i]];
          if (op == LogSumExp) y[target_[i]] += std::isinf(m) ? 0.0f : std::exp(x[i] - m);
          else y[target_[i]] += (x[i] - m) * (x[i] - m);
        }
        for (Index o = 0; o < out_cols_; ++o) {
          if (op == LogSumExp) y[o] = std::isinf(aux[o]) ? aux[o] : aux[o] + std::log(y[o]);
          else y[o] = op == Std ? std::sqrt(y[o] / n) : y[o] / n;
        }
      }
    }
  });
}

void Reduce::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                      const std::vector<View>& grad_in, const Context&) {
  if (!grad_in[0].data || kind_ == ArgMax || kind_ == ArgMin) return;  // positions: no gradient
  const int op = kind_;
  const float n = static_cast<float>(count_);
  parallel_rows(out.rows, double(in_cols_) * 3.0, [&](int64_t r0, int64_t r1) {
    for (Index r = r0; r < r1; ++r) {
      const float *x = in[0].data + r * in_cols_, *y = out.data + r * out_cols_;
      const float *g = grad_out.data + r * out_cols_, *aux = scratch.data + r * scratch.cols;
      float* counts = scratch.data + r * scratch.cols + out_cols_;  // tied extremes, or zeros
      float* dx = grad_in[0].data + r * in_cols_;
      // TensorFlow's rule for max/min: the gradient is shared equally by the tied extremes.
      if (op == Max || op == Min || op == Prod) {
        std::fill(counts, counts + out_cols_, 0.0f);
        for (Index i = 0; i < in_cols_; ++i)
          counts[target_[i]] += (op == Prod ? x[i] == 0.0f : x[i] == y[target_[i]]) ? 1.0f : 0.0f;
      }
      for (Index i = 0; i < in_cols_; ++i) {
        const Index o = target_[i];
        float d = 0.0f;
        switch (op) {
          case Sum: d = g[o]; break;
          case Mean: d = g[o] / n; break;
          case Max:
          case Min: d = x[i] == y[o] ? g[o] / counts[o] : 0.0f; break;
          case Var: d = g[o] * 2.0f * (x[i] - aux[o]) / n; break;
          case Std: d = g[o] * (x[i] - aux[o]) / (n * y[o]); break;
          case LogSumExp: d = g[o] * std::exp(x[i] - y[o]); break;
          case Prod: {
            // The product of the others: y / x unless a zero is among them.
            if (counts[o] == 0.0f) {
              d = g[o] * y[o] / x[i];
            } else if (counts[o] == 1.0f && x[i] == 0.0f) {
              float p = 1.0f;
              for (Index j = 0; j < in_cols_; ++j)
                if (j != i && target_[j] == o) p *= x[j];
              d = g[o] * p;
            }
            break;
          }
        }
        dx[i] += d;
      }
    }
  });
}

// --- config -------------------------------------------------------------------------------------

namespace {
Json reduce_config(const Layer& layer) {
  const auto& r = layer_as<Reduce>(layer);
  Json c = base_config(layer);
  c["op"] = r.op();
  c["axis"] = r.axes().empty() ? Json(nullptr) : Json(r.axes());
  c["keepdims"] = r.keepdims();
  return c;
}

LayerPtr reduce_from_config(const std::string&, const std::string& name, const Json& config) {
  std::vector<int> axes;
  if (config.contains("axis") && !config["axis"].is_null())
    axes = config["axis"].is_array() ? int_list(config["axis"], "axis") : std::vector<int>{field(config, "axis", -1)};
  return std::make_shared<Reduce>(name, field(config, "op", std::string()), axes, field(config, "keepdims", false));
}
}  // namespace

const LayerType& reduce_type() {
  static const LayerType type{{{"Reduce", {"op", "axis", "keepdims"}}}, reduce_config, reduce_from_config};
  return type;
}

}  // namespace densekit
