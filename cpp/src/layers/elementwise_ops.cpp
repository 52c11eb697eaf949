// ElementwiseOp and BinaryOp (ops.hpp): the element-wise functions of densekit.ops.
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

enum Op {
  Abs, Sign, Sqrt, Square, Exp, Expm1, Log, Log1p, Sin, Cos, Tanh, Reciprocal, Floor, Round, StopGradient,
  LogicalNot, Trunc, NotZero, Ceil, Tan, Sinh, Cosh, Arcsin, Arccos, Arctan, Arcsinh, Arccosh, Arctanh, Log2, Log10,
  Exp2, Cbrt, Rsqrt, Erf, IsNan, IsInf, IsFinite, SignBit,
  Power, RPower, RDivide, Maximum, Minimum, Clip, Equal, NotEqual, Greater, GreaterEqual, Less, LessEqual,
  NanToNum, Mod, RMod, FloorDivide, RFloorDivide, Arctan2, RArctan2, Hypot, LogAddExp, LogicalXor,
};

// In the Op enum's order; the ops from `power` on take numbers.
const std::vector<std::string>& op_names() {
  static const std::vector<std::string> names = {
      "abs", "sign", "sqrt", "square", "exp", "expm1", "log", "log1p", "sin", "cos", "tanh", "reciprocal", "floor",
      "round", "stop_gradient", "logical_not", "trunc", "not_zero", "ceil", "tan", "sinh", "cosh", "arcsin", "arccos",
      "arctan", "arcsinh", "arccosh", "arctanh", "log2", "log10", "exp2", "cbrt", "rsqrt", "erf", "isnan", "isinf",
      "isfinite", "signbit", "power", "rpower", "rdivide", "maximum", "minimum", "clip", "equal", "not_equal",
      "greater", "greater_equal", "less", "less_equal", "nan_to_num", "mod", "rmod", "floor_divide",
      "rfloor_divide", "arctan2", "rarctan2", "hypot", "logaddexp", "logical_xor"};
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out;
}

// u mod v with the sign of v, as NumPy's and TensorFlow's floor mod (Python's %).
inline float floor_mod(float u, float v) {
  float r = std::fmod(u, v);
  if (r != 0.0f && ((r < 0.0f) != (v < 0.0f))) r += v;
  return r == 0.0f ? std::copysign(0.0f, v) : r;
}

// log(exp(u) + exp(v)) without overflow (NumPy's logaddexp).
inline float log_add_exp(float u, float v) {
  if (u == v) return u + 0.69314718f;  // also both infinite of one sign
  const float m = std::max(u, v);
  return m + std::log1p(std::exp(-std::fabs(u - v)));
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
    case Ceil: return std::ceil(x);
    case Tan: return std::tan(x);
    case Sinh: return std::sinh(x);
    case Cosh: return std::cosh(x);
    case Arcsin: return std::asin(x);
    case Arccos: return std::acos(x);
    case Arctan: return std::atan(x);
    case Arcsinh: return std::asinh(x);
    case Arccosh: return std::acosh(x);
    case Arctanh: return std::atanh(x);
    case Log2: return std::log2(x);
    case Log10: return std::log10(x);
    case Exp2: return std::exp2(x);
    case Cbrt: return std::cbrt(x);
    case Rsqrt: return 1.0f / std::sqrt(x);
    case Erf: return std::erf(x);
    case IsNan: return std::isnan(x) ? 1.0f : 0.0f;
    case IsInf: return std::isinf(x) ? 1.0f : 0.0f;
    case IsFinite: return std::isfinite(x) ? 1.0f : 0.0f;
    case SignBit: return std::signbit(x) ? 1.0f : 0.0f;
    // NaN to a, infinities to the largest finite floats (Keras's posinf=None, neginf=None).
    case NanToNum: return std::isnan(x) ? a : std::isinf(x) ? std::copysign(std::numeric_limits<float>::max(), x) : x;
    case Mod: return floor_mod(x, a);
    case RMod: return floor_mod(a, x);
    case FloorDivide: return std::floor(x / a);  // TensorFlow's floordiv for floats
    case RFloorDivide: return std::floor(a / x);
    case Arctan2: return std::atan2(x, a);
    case RArctan2: return std::atan2(a, x);
    case Hypot: return std::hypot(x, a);
    case LogAddExp: return log_add_exp(x, a);
    case LogicalXor: return (x != 0.0f) != (a != 0.0f) ? 1.0f : 0.0f;
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
    case Tan: return 1.0f + y * y;
    case Sinh: return std::cosh(x);
    case Cosh: return std::sinh(x);
    case Arcsin: return 1.0f / std::sqrt(1.0f - x * x);
    case Arccos: return -1.0f / std::sqrt(1.0f - x * x);
    case Arctan: return 1.0f / (1.0f + x * x);
    case Arcsinh: return 1.0f / std::sqrt(x * x + 1.0f);
    case Arccosh: return 1.0f / std::sqrt(x * x - 1.0f);
    case Arctanh: return 1.0f / (1.0f - x * x);
    case Log2: return 1.0f / (x * 0.69314718f);
    case Log10: return 1.0f / (x * 2.30258509f);
    case Exp2: return y * 0.69314718f;
    case Cbrt: return 1.0f / (3.0f * y * y);
    case Rsqrt: return -0.5f * y * y * y;
    case Erf: return 1.12837917f * std::exp(-x * x);  // 2/√π e^(−x²)
    case NanToNum: return std::isfinite(x) ? 1.0f : 0.0f;
    case Mod: return 1.0f;
    case RMod: return -std::floor(a / x);  // TensorFlow's FloorMod gradient for the divisor
    case Arctan2: return a / (x * x + a * a);
    case RArctan2: return -a / (a * a + x * x);
    case Hypot: return y == 0.0f ? 0.0f : x / y;
    case LogAddExp: return std::exp(x - y);
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
enum BinaryKind { Divide, Pow, Eq, Ne, Gt, Ge, Lt, Le, And, Or, BMod, BFloorDivide, Xor, BArctan2, BHypot, BLogAddExp };

const std::vector<std::string>& binary_names() {
  static const std::vector<std::string> names = {"divide", "power", "equal", "not_equal", "greater", "greater_equal",
                                                 "less", "less_equal", "logical_and", "logical_or", "mod",
                                                 "floor_divide", "logical_xor", "arctan2", "hypot", "logaddexp"};
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
    case Or: return u != 0.0f || v != 0.0f ? 1.0f : 0.0f;
    case BMod: return floor_mod(u, v);
    case BFloorDivide: return std::floor(u / v);
    case Xor: return (u != 0.0f) != (v != 0.0f) ? 1.0f : 0.0f;
    case BArctan2: return std::atan2(u, v);
    case BHypot: return std::hypot(u, v);
    default: return log_add_exp(u, v);
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
  // Comparisons, logic and floor division: no gradient (piecewise constant).
  if (kind_ != Divide && kind_ != Pow && kind_ != BMod && kind_ != BArctan2 && kind_ != BHypot && kind_ != BLogAddExp) return;
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
        } else if (kind_ == BMod) {  // TensorFlow's FloorMod: du, −floor(u/v) dv
          if (dx) dx[ix] += g[j];
          if (dz) dz[iz] -= g[j] * std::floor(u / v);
        } else if (kind_ == BArctan2) {  // d atan2(u, v) = (v du − u dv) / (u² + v²)
          const float r = u * u + v * v;
          if (dx) dx[ix] += g[j] * v / r;
          if (dz) dz[iz] -= g[j] * u / r;
        } else if (kind_ == BHypot) {  // d hypot = (u du + v dv) / hypot; 0 at the origin
          if (y[j] != 0.0f) {
            if (dx) dx[ix] += g[j] * u / y[j];
            if (dz) dz[iz] += g[j] * v / y[j];
          }
        } else if (kind_ == BLogAddExp) {  // softmax weights of the two
          if (dx) dx[ix] += g[j] * std::exp(u - y[j]);
          if (dz) dz[iz] += g[j] * std::exp(v - y[j]);
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
