// ElementwiseOp and BinaryOp (ops.hpp): the element-wise functions of densekit.ops.
#include <densekit/errors.hpp>
#include <densekit/layers/ops.hpp>
#include "../parallel_for.hpp"

#include <algorithm>
#include <cmath>
#include "layers/broadcast.hpp"
#include "layers/registry.hpp"

namespace densekit {
namespace {

enum Op {
  Abs, Sign, Sqrt, Square, Exp, Expm1, Log, Log1p, Sin, Cos, Tanh, Reciprocal, Floor, Round, StopGradient,
  LogicalNot, Trunc, NotZero,
  Power, RPower, RDivide, Maximum, Minimum, Clip, Equal, NotEqual, Greater, GreaterEqual, Less, LessEqual,
};

// In the Op enum's order; the ops from `power` on take numbers.
const std::vector<std::string>& op_names() {
  static const std::vector<std::string> names = {
      "abs", "sign", "sqrt", "square", "exp", "expm1", "log", "log1p", "sin", "cos", "tanh", "reciprocal", "floor",
      "round", "stop_gradient", "logical_not", "trunc", "not_zero", "power", "rpower", "rdivide", "maximum", "minimum",
      "clip", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal"};
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out;
}

// y = f(x); a, b: the op's numbers.
inline float apply(int op, float x, float a, float b) {
  switch (op) {
    case Abs: return std::fabs(x);
    case Sign: return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : x;  // sign(nan) = nan, sign(-0) = -0
    case Sqrt: return std::sqrt(x);
    case Square: return x * x;
    case Exp: return std::exp(x);
    case Expm1: return std::expm1(x);
    case Log: return std::log(x);
    case Log1p: return std::log1p(x);
    case Sin: return std::sin(x);
    case Cos: return std::cos(x);
    case Tanh: return std::tanh(x);
    case Reciprocal: return 1.0f / x;
    case Floor: return std::floor(x);
    case Round: return std::nearbyint(x);  // half to even, as numpy and TensorFlow
    case StopGradient: return x;
    case Power: return std::pow(x, a);
    case RPower: return std::pow(a, x);
    case RDivide: return a / x;
    case Maximum: return std::max(x, a);
    case Minimum: return std::min(x, a);
    case Clip: return std::min(std::max(x, a), b);
    // Booleans and integers as the float graph carries them: 1/0, and the value cast toward zero.
    case LogicalNot: return x == 0.0f ? 1.0f : 0.0f;
    case Trunc: return std::trunc(x);
    case NotZero: return x != 0.0f ? 1.0f : 0.0f;
    case Equal: return x == a ? 1.0f : 0.0f;
    case NotEqual: return x != a ? 1.0f : 0.0f;
    case Greater: return x > a ? 1.0f : 0.0f;
    case GreaterEqual: return x >= a ? 1.0f : 0.0f;
    case Less: return x < a ? 1.0f : 0.0f;
    case LessEqual: return x <= a ? 1.0f : 0.0f;
  }
  return x;
}

// dy/dx at x, where y = f(x).
inline float derivative(int op, float x, float y, float a, float b) {
  switch (op) {
    case Abs: return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : 0.0f;
    case Sign:
    case Floor:
    case Round:
    case StopGradient: return 0.0f;
    case Sqrt: return 0.5f / y;
    case Square: return 2.0f * x;
    case Exp: return y;
    case Expm1: return y + 1.0f;
    case Log: return 1.0f / x;
    case Log1p: return 1.0f / (1.0f + x);
    case Sin: return std::cos(x);
    case Cos: return -std::sin(x);
    case Tanh: return 1.0f - y * y;
    case Reciprocal: return -y * y;
    case Power: return a == 0.0f ? 0.0f : a * std::pow(x, a - 1.0f);
    case RPower: return y * std::log(a);
    case RDivide: return -y / x;
    // TensorFlow's rule: the gradient passes where x is the maximum/minimum, ties included.
    case Maximum: return x >= a ? 1.0f : 0.0f;
    case Minimum: return x <= a ? 1.0f : 0.0f;
    case Clip: return x >= a && x <= b ? 1.0f : 0.0f;
    default: return 0.0f;  // comparisons, casts to integers and booleans: piecewise constant
  }
}

}  // namespace

ElementwiseOp::ElementwiseOp(std::string name, std::string op, double value, double value2)
    : Layer(std::move(name)), op_(std::move(op)), value_(value), value2_(value2) {
  const auto& names = op_names();
  const auto it = std::find(names.begin(), names.end(), op_);
  if (it == names.end()) throw ValueError("Unknown element-wise op '" + op_ + "'; densekit has " + joined(names) + ".");
  kind_ = static_cast<int>(it - names.begin());
  if (!std::isfinite(value_) || !std::isfinite(value2_))
    throw ValueError("The number of op '" + op_ + "' must be finite; received " + std::to_string(value_) + ".");
  if (kind_ == Clip && value_ > value2_)
    throw ValueError("clip: x_min (" + std::to_string(value_) + ") must not be greater than x_max (" + std::to_string(value2_) + ").");
}

const std::vector<std::string>& ElementwiseOp::names() { return op_names(); }

Shape ElementwiseOp::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  mark_built();
  return inputs[0];
}

void ElementwiseOp::forward(const std::vector<ConstView>& in, View out, View, const Context&) {
  const int op = kind_;
  const float a = static_cast<float>(value_), b = static_cast<float>(value2_);
  const float* x = in[0].data;
  float* y = out.data;
  parallel_rows(out.rows, double(out.cols) * 8.0, [=](int64_t r0, int64_t r1) {
    for (Index i = r0 * out.cols; i < r1 * out.cols; ++i) y[i] = apply(op, x[i], a, b);
  });
}

void ElementwiseOp::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View,
                             const std::vector<View>& grad_in, const Context&) {
  if (!grad_in[0].data) return;
  const int op = kind_;
  const float a = static_cast<float>(value_), b = static_cast<float>(value2_);
  const float *x = in[0].data, *y = out.data, *g = grad_out.data;
  float* dx = grad_in[0].data;
  parallel_rows(out.rows, double(out.cols) * 8.0, [=](int64_t r0, int64_t r1) {
    for (Index i = r0 * out.cols; i < r1 * out.cols; ++i) {
      const float d = derivative(op, x[i], y[i], a, b);
      if (d != 0.0f) dx[i] += g[i] * d;  // a zero derivative sends nothing, even against an infinite g
    }
  });
}

// --- BinaryOp -----------------------------------------------------------------------------------

namespace {
enum BinaryKind { Divide, Pow, Eq, Ne, Gt, Ge, Lt, Le, And, Or };

const std::vector<std::string>& binary_names() {
  static const std::vector<std::string> names = {"divide", "power", "equal", "not_equal", "greater", "greater_equal",
                                                 "less", "less_equal", "logical_and", "logical_or"};
  return names;
}

inline float binary(int op, float u, float v) {
  switch (op) {
    case Divide: return u / v;
    case Pow: return std::pow(u, v);
    case Eq: return u == v ? 1.0f : 0.0f;
    case Ne: return u != v ? 1.0f : 0.0f;
    case Gt: return u > v ? 1.0f : 0.0f;
    case Ge: return u >= v ? 1.0f : 0.0f;
    case Lt: return u < v ? 1.0f : 0.0f;
    case Le: return u <= v ? 1.0f : 0.0f;
    case And: return u != 0.0f && v != 0.0f ? 1.0f : 0.0f;
    default: return u != 0.0f || v != 0.0f ? 1.0f : 0.0f;
  }
}
}  // namespace

BinaryOp::BinaryOp(std::string name, std::string op) : Layer(std::move(name)), op_(std::move(op)) {
  const auto& names = binary_names();
  const auto it = std::find(names.begin(), names.end(), op_);
  if (it == names.end())
    throw ValueError("Unknown binary op '" + op_ + "'; densekit has " + joined(names) + " (add, subtract, multiply, "
                     "maximum and minimum are the merge layers).");
  kind_ = static_cast<int>(it - names.begin());
}

Shape BinaryOp::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 2);
  expect_same_shapes(inputs);
  const Shape out = broadcast_shapes(inputs[0], inputs[1]);
  index_ = {broadcast_index(inputs[0], out), broadcast_index(inputs[1], out)};
  cols_ = shape_size(out);
  mark_built();
  return out;
}

void BinaryOp::forward(const std::vector<ConstView>& in, View out, View, const Context&) {
  parallel_rows(out.rows, double(cols_) * 8.0, [&](int64_t r0, int64_t r1) {
    for (Index r = r0; r < r1; ++r) {
      const float *x = in[0].data + r * in[0].cols, *z = in[1].data + r * in[1].cols;
      float* y = out.data + r * cols_;
      for (Index j = 0; j < cols_; ++j) {
        const float u = x[index_[0].empty() ? j : index_[0][j]], v = z[index_[1].empty() ? j : index_[1][j]];
        y[j] = binary(kind_, u, v);
      }
    }
  });
}

void BinaryOp::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View,
                        const std::vector<View>& grad_in, const Context&) {
  if (kind_ != Divide && kind_ != Pow) return;  // comparisons and logic: no gradient (piecewise constant)
  // Serial over rows' elements is not needed: each row's gradient rows are its own.
  parallel_rows(out.rows, double(cols_) * 16.0, [&](int64_t r0, int64_t r1) {
    for (Index r = r0; r < r1; ++r) {
      const float *x = in[0].data + r * in[0].cols, *z = in[1].data + r * in[1].cols;
      const float *y = out.data + r * cols_, *g = grad_out.data + r * cols_;
      float* dx = grad_in[0].data ? grad_in[0].data + r * grad_in[0].cols : nullptr;
      float* dz = grad_in[1].data ? grad_in[1].data + r * grad_in[1].cols : nullptr;
      for (Index j = 0; j < cols_; ++j) {
        const Index ix = index_[0].empty() ? j : index_[0][j], iz = index_[1].empty() ? j : index_[1][j];
        const float u = x[ix], v = z[iz];
        if (kind_ == Divide) {  // d(u/v) = du/v - u dv/v²
          if (dx) dx[ix] += g[j] / v;
          if (dz) dz[iz] -= g[j] * y[j] / v;
        } else {  // d(u^v) = v u^(v-1) du + u^v ln(u) dv (TensorFlow: ln term 0 where u <= 0)
          if (dx && v != 0.0f) dx[ix] += g[j] * v * std::pow(u, v - 1.0f);
          if (dz && u > 0.0f) dz[iz] += g[j] * y[j] * std::log(u);
        }
      }
    }
  });
}

// --- configs ------------------------------------------------------------------------------------

namespace {
Json elementwise_config(const Layer& layer) {
  const auto& op = layer_as<ElementwiseOp>(layer);
  Json c = base_config(layer);
  c["op"] = op.op();
  if (op.op() == "clip") c["x_min"] = op.value(), c["x_max"] = op.value2();
  else if (std::find(op_names().begin() + Power, op_names().end(), op.op()) != op_names().end()) c["value"] = op.value();
  return c;
}

LayerPtr elementwise_from_config(const std::string&, const std::string& name, const Json& config) {
  const std::string op = field(config, "op", std::string());
  if (op == "clip") return std::make_shared<ElementwiseOp>(name, op, field(config, "x_min", 0.0), field(config, "x_max", 0.0));
  return std::make_shared<ElementwiseOp>(name, op, field(config, "value", 0.0));
}

Json binary_config(const Layer& layer) {
  Json c = base_config(layer);
  c["op"] = layer_as<BinaryOp>(layer).op();
  return c;
}

LayerPtr binary_from_config(const std::string&, const std::string& name, const Json& config) {
  return std::make_shared<BinaryOp>(name, field(config, "op", std::string()));
}
}  // namespace

const LayerType& elementwise_op_type() {
  static const LayerType type{{{"ElementwiseOp", {"op", "x_min", "x_max", "value"}}}, elementwise_config, elementwise_from_config};
  return type;
}

const LayerType& binary_op_type() {
  static const LayerType type{{{"BinaryOp", {"op"}}}, binary_config, binary_from_config};
  return type;
}

}  // namespace densekit
