#include <densekit/activations.hpp>
#include <densekit/errors.hpp>
#include "activations_row_wise.hpp"
#include "parallel_for.hpp"
#include "stable_math.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace densekit {
namespace {

constexpr double kSqrt2OverPi = 0.7978845608028654;
constexpr double kInvSqrt2 = 0.7071067811865476;
constexpr double kInvSqrt2Pi = 0.3989422804014327;

const std::map<std::string, ActivationKind>& activation_names() {
  static const std::map<std::string, ActivationKind> names = {
      {"linear", ActivationKind::Linear},         {"relu", ActivationKind::Relu},
      {"leaky_relu", ActivationKind::LeakyRelu},  {"relu6", ActivationKind::Relu6},
      {"elu", ActivationKind::Elu},               {"selu", ActivationKind::Selu},
      {"gelu", ActivationKind::Gelu},             {"silu", ActivationKind::Silu},
      {"swish", ActivationKind::Silu},            {"softplus", ActivationKind::Softplus},
      {"softsign", ActivationKind::Softsign},     {"sigmoid", ActivationKind::Sigmoid},
      {"hard_sigmoid", ActivationKind::HardSigmoid}, {"hard_silu", ActivationKind::HardSilu},
      {"hard_swish", ActivationKind::HardSilu},   {"tanh", ActivationKind::Tanh},
      {"softmax", ActivationKind::Softmax},       {"log_softmax", ActivationKind::LogSoftmax},
      {"exponential", ActivationKind::Exponential}, {"mish", ActivationKind::Mish},
      {"celu", ActivationKind::Celu},             {"hard_tanh", ActivationKind::HardTanh},
      {"hard_shrink", ActivationKind::HardShrink}, {"soft_shrink", ActivationKind::SoftShrink},
      {"tanh_shrink", ActivationKind::TanhShrink}, {"log_sigmoid", ActivationKind::LogSigmoid},
      {"sparse_plus", ActivationKind::SparsePlus}, {"sparse_sigmoid", ActivationKind::SparseSigmoid},
      {"squareplus", ActivationKind::Squareplus}, {"threshold", ActivationKind::Threshold},
      {"sparsemax", ActivationKind::Sparsemax},   {"glu", ActivationKind::Glu},
  };
  return names;
}

template <class T>
T hard_sigmoid(T x) {
  return std::clamp(x / T(6) + T(0.5), T(0), T(1));
}

// Runs fn(i) for every element, threads sharing the rows of big tensors. The functions capture
// their pointers by value, so the loops keep them in registers and vectorize.
template <class Fn>
void each_element(Index rows, Index cols, double cost, Fn fn) {
  // Even the cheapest pass is bound by memory traffic, which a second core adds to: count it as
  // 4 multiply-adds an element (measured: relu's backward over 256 x 300 took 19 µs on one core).
  parallel_rows(rows, static_cast<double>(cols) * std::max(cost, 4.0), [fn, cols](int64_t r0, int64_t r1) {
    const Index end = r1 * cols;
    for (Index i = r0 * cols; i < end; ++i) fn(i);
  });
}

// The general relu of keras.activations.relu, as a value and a slope.
// The slopes at the kinks are TensorFlow's, as Keras computes each case (keras/src/activations/
// activations.py, ReLU.static_call): tf.nn.leaky_relu has the negative slope at 0; a cap of 6
// without threshold is tf.nn.relu6, with no slope at 6; any other cap is a clip, whose slope
// passes at the cap itself.
template <class T>
T general_relu(const Activation& act, T x, T* slope) {
  const T thr = static_cast<T>(act.threshold);
  const T max_value = static_cast<T>(act.max_value);
  if (act.negative_slope != 0.0 && act.threshold == 0.0 && !std::isfinite(act.max_value)) {
    const T s = static_cast<T>(act.negative_slope);
    if (slope) *slope = x > 0 ? T(1) : s;
    return x > 0 ? x : s * x;
  }
  T y, d;
  if (act.threshold != 0.0) {
    y = x > thr ? x : T(0);
    d = x > thr ? T(1) : T(0);
  } else {
    y = x > 0 ? x : T(0);
    d = x > 0 ? T(1) : T(0);
  }
  if (std::isfinite(act.max_value)) {
    const bool relu6 = act.threshold == 0.0 && act.max_value == 6.0;
    if (y <= T(0) || (relu6 ? y >= max_value : y > max_value)) d = T(0);
    y = std::clamp(y, T(0), max_value);
  }
  if (act.negative_slope != 0.0) {
    const T neg = thr - x;
    if (neg > 0) {
      y -= static_cast<T>(act.negative_slope) * neg;
      d += static_cast<T>(act.negative_slope);
    }
  }
  if (slope) *slope = d;
  return y;
}

}  // namespace

Activation Activation::from_name(const std::string& name) {
  auto it = activation_names().find(name);
  if (it == activation_names().end()) {
    std::string known;
    for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
    throw ValueError("Unknown activation function: '" + name + "'. Valid names are: " + known + ".");
  }
  Activation a;
  a.kind = it->second;
  if (a.kind == ActivationKind::LeakyRelu) a.negative_slope = 0.2;
  if (a.kind == ActivationKind::HardShrink || a.kind == ActivationKind::SoftShrink) a.threshold = 0.5;
  return a;
}

Index Activation::glu_output_cols(Index cols) {
  if (cols % 2 != 0)
    throw ValueError("glu: axis size must be divisible by 2. Received a last axis of size " + std::to_string(cols) + ".");
  return cols / 2;
}

std::vector<std::string> Activation::names() {
  std::vector<std::string> out;
  for (const auto& [n, k] : activation_names()) out.push_back(n);
  return out;
}

std::string Activation::name() const {
  for (const auto& [n, k] : activation_names())
    if (k == kind && n != "swish" && n != "hard_swish") return n;
  return "linear";
}

bool Activation::backward_needs_input() const {
  switch (kind) {
    case ActivationKind::Linear:
    case ActivationKind::Sigmoid:
    case ActivationKind::Tanh:
    case ActivationKind::Softmax:
    case ActivationKind::LogSoftmax:
    case ActivationKind::Exponential:
    case ActivationKind::Relu6:
    case ActivationKind::Sparsemax:
      return false;
    case ActivationKind::Relu:
      return negative_slope != 0.0 || threshold != 0.0 || std::isfinite(max_value);
    default:
      return true;
  }
}

template <class T>
void Activation::forward(const T* z, T* a, Index rows, Index cols) const {
  const Index n = rows * cols;
  switch (kind) {
    case ActivationKind::Linear:
      if (a != z) std::copy(z, z + n, a);
      return;
    case ActivationKind::Relu:
      if (is_plain_relu())
        each_element(rows, cols, 1, [=](Index i) { a[i] = std::max(z[i], T(0)); });
      else
        each_element(rows, cols, 2, [=](Index i) { a[i] = general_relu<T>(*this, z[i], nullptr); });
      return;
    case ActivationKind::LeakyRelu: {
      const T s = static_cast<T>(negative_slope);
      each_element(rows, cols, 1, [=](Index i) { a[i] = z[i] >= 0 ? z[i] : s * z[i]; });
      return;
    }
    case ActivationKind::Relu6:
      each_element(rows, cols, 1, [=](Index i) { a[i] = std::clamp(z[i], T(0), T(6)); });
      return;
    case ActivationKind::Elu:
    case ActivationKind::Selu: {
      const bool selu = kind == ActivationKind::Selu;
      const T al = static_cast<T>(selu ? kSeluAlpha : alpha), sc = static_cast<T>(selu ? kSeluScale : 1.0);
      each_element(rows, cols, 10, [=](Index i) { a[i] = sc * (z[i] > 0 ? z[i] : al * std::expm1(z[i])); });
      return;
    }
    case ActivationKind::Gelu:
      if (approximate)
        each_element(rows, cols, 20, [=](Index i) {
          const T x = z[i];
          a[i] = T(0.5) * x * (T(1) + std::tanh(T(kSqrt2OverPi) * (x + T(0.044715) * x * x * x)));
        });
      else
        each_element(rows, cols, 20, [=](Index i) { a[i] = T(0.5) * z[i] * (T(1) + std::erf(z[i] * T(kInvSqrt2))); });
      return;
    case ActivationKind::Silu:
      each_element(rows, cols, 10, [=](Index i) { a[i] = z[i] * sigmoid(z[i]); });
      return;
    case ActivationKind::Softplus:
      each_element(rows, cols, 20, [=](Index i) { a[i] = softplus(z[i]); });
      return;
    case ActivationKind::Softsign:
      each_element(rows, cols, 2, [=](Index i) { a[i] = z[i] / (T(1) + std::abs(z[i])); });
      return;
    case ActivationKind::Sigmoid:
      each_element(rows, cols, 10, [=](Index i) { a[i] = sigmoid(z[i]); });
      return;
    case ActivationKind::HardSigmoid:
      each_element(rows, cols, 2, [=](Index i) { a[i] = hard_sigmoid(z[i]); });
      return;
    case ActivationKind::HardSilu:
      each_element(rows, cols, 2, [=](Index i) { a[i] = z[i] * hard_sigmoid(z[i]); });
      return;
    case ActivationKind::Tanh:
      each_element(rows, cols, 10, [=](Index i) { a[i] = std::tanh(z[i]); });
      return;
    case ActivationKind::Exponential:
      each_element(rows, cols, 10, [=](Index i) { a[i] = std::exp(z[i]); });
      return;
    case ActivationKind::Mish:
      each_element(rows, cols, 30, [=](Index i) { a[i] = z[i] * std::tanh(softplus(z[i])); });
      return;
    case ActivationKind::Celu: {
      const T al = static_cast<T>(alpha);
      each_element(rows, cols, 10, [=](Index i) { a[i] = std::max(z[i], T(0)) + al * std::expm1(std::min(z[i], T(0)) / al); });
      return;
    }
    case ActivationKind::HardTanh:
      each_element(rows, cols, 1, [=](Index i) { a[i] = std::clamp(z[i], T(-1), T(1)); });
      return;
    case ActivationKind::HardShrink: {
      const T t = static_cast<T>(threshold);
      each_element(rows, cols, 1, [=](Index i) { a[i] = std::abs(z[i]) > t ? z[i] : T(0); });
      return;
    }
    case ActivationKind::SoftShrink: {
      const T t = static_cast<T>(threshold);
      each_element(rows, cols, 1, [=](Index i) { a[i] = z[i] > t ? z[i] - t : (z[i] < -t ? z[i] + t : T(0)); });
      return;
    }
    case ActivationKind::TanhShrink:
      each_element(rows, cols, 10, [=](Index i) { a[i] = z[i] - std::tanh(z[i]); });
      return;
    case ActivationKind::LogSigmoid:
      each_element(rows, cols, 20, [=](Index i) { a[i] = -softplus(-z[i]); });
      return;
    case ActivationKind::SparsePlus:
      each_element(rows, cols, 2, [=](Index i) {
        const T x = z[i];
        a[i] = x <= T(-1) ? T(0) : (x < T(1) ? T(0.25) * (x + T(1)) * (x + T(1)) : x);
      });
      return;
    case ActivationKind::SparseSigmoid:
      each_element(rows, cols, 2, [=](Index i) {
        const T x = z[i];
        a[i] = x <= T(-1) ? T(0) : (x >= T(1) ? T(1) : T(0.5) * (x + T(1)));
      });
      return;
    case ActivationKind::Squareplus: {
      const T bb = static_cast<T>(b);
      each_element(rows, cols, 4, [=](Index i) { a[i] = (z[i] + std::sqrt(z[i] * z[i] + bb)) / T(2); });
      return;
    }
    case ActivationKind::Threshold: {
      const T t = static_cast<T>(threshold), value = static_cast<T>(default_value);
      each_element(rows, cols, 1, [=](Index i) { a[i] = z[i] > t ? z[i] : value; });
      return;
    }
    case ActivationKind::Softmax:
    case ActivationKind::LogSoftmax:
    case ActivationKind::Sparsemax:
    case ActivationKind::Glu:
      row_wise_forward(*this, z, a, rows, cols);
      return;
  }
}

template <class T>
void Activation::backward(const T* z, const T* a, const T* da, T* dz, Index rows, Index cols) const {
  const Index n = rows * cols;
  switch (kind) {
    case ActivationKind::Linear:
      if (dz != da) std::copy(da, da + n, dz);
      return;
    case ActivationKind::Relu:
      if (!backward_needs_input())
        // Both values read before choosing: a select GCC vectorizes, where a read on one branch
        // only stayed a scalar loop that mispredicted half its branches (relu zeroes about half).
        each_element(rows, cols, 1, [=](Index i) {
          const T g = da[i];
          dz[i] = a[i] > 0 ? g : T(0);
        });
      else
        each_element(rows, cols, 2, [=](Index i) {
          T slope;
          general_relu<T>(*this, z[i], &slope);
          dz[i] = da[i] * slope;
        });
      return;
    case ActivationKind::LeakyRelu: {
      const T s = static_cast<T>(negative_slope);
      each_element(rows, cols, 1, [=](Index i) { dz[i] = z[i] > 0 ? da[i] : s * da[i]; });  // (TensorFlow's slope at 0)
      return;
    }
    case ActivationKind::Relu6:
      each_element(rows, cols, 1, [=](Index i) {
        const T g = da[i], x = a[i];  // both read first, as relu's: a select, vectorized
        dz[i] = (x > 0 && x < 6) ? g : T(0);
      });
      return;
    case ActivationKind::Elu:
    case ActivationKind::Selu: {
      const bool selu = kind == ActivationKind::Selu;
      const T al = static_cast<T>(selu ? kSeluAlpha : alpha), sc = static_cast<T>(selu ? kSeluScale : 1.0);
      each_element(rows, cols, 10, [=](Index i) { dz[i] = da[i] * sc * (z[i] > 0 ? T(1) : al * std::exp(z[i])); });
      return;
    }
    case ActivationKind::Gelu:
      if (approximate)
        each_element(rows, cols, 25, [=](Index i) {
          const T x = z[i];
          const T t = std::tanh(T(kSqrt2OverPi) * (x + T(0.044715) * x * x * x));
          const T du = T(kSqrt2OverPi) * (T(1) + T(3 * 0.044715) * x * x);
          dz[i] = da[i] * (T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * du);
        });
      else
        each_element(rows, cols, 25, [=](Index i) {
          const T x = z[i];
          const T cdf = T(0.5) * (T(1) + std::erf(x * T(kInvSqrt2)));
          const T pdf = T(kInvSqrt2Pi) * std::exp(T(-0.5) * x * x);
          dz[i] = da[i] * (cdf + x * pdf);
        });
      return;
    case ActivationKind::Silu:
      each_element(rows, cols, 10, [=](Index i) {
        const T s = sigmoid(z[i]);
        dz[i] = da[i] * (s + z[i] * s * (T(1) - s));
      });
      return;
    case ActivationKind::Softplus:
      each_element(rows, cols, 10, [=](Index i) { dz[i] = da[i] * sigmoid(z[i]); });
      return;
    case ActivationKind::Softsign:
      each_element(rows, cols, 2, [=](Index i) {
        const T d = T(1) + std::abs(z[i]);
        dz[i] = da[i] / (d * d);
      });
      return;
    case ActivationKind::Sigmoid:
      each_element(rows, cols, 2, [=](Index i) { dz[i] = da[i] * a[i] * (T(1) - a[i]); });
      return;
    case ActivationKind::HardSigmoid:
      each_element(rows, cols, 2, [=](Index i) {
        const T g = da[i] / T(6), x = z[i];  // both read first, as relu's: a select, vectorized
        dz[i] = (x > -3 && x < 3) ? g : T(0);
      });
      return;
    case ActivationKind::HardSilu:
      each_element(rows, cols, 2, [=](Index i) {
        const T x = z[i];
        const T slope = (x > -3 && x < 3) ? T(1) / T(6) : T(0);
        dz[i] = da[i] * (hard_sigmoid(x) + x * slope);
      });
      return;
    case ActivationKind::Tanh:
      each_element(rows, cols, 2, [=](Index i) { dz[i] = da[i] * (T(1) - a[i] * a[i]); });
      return;
    case ActivationKind::Exponential:
      each_element(rows, cols, 1, [=](Index i) { dz[i] = da[i] * a[i]; });
      return;
    case ActivationKind::Mish:
      each_element(rows, cols, 30, [=](Index i) {
        const T x = z[i];
        const T t = std::tanh(softplus(x));
        dz[i] = da[i] * (t + x * (T(1) - t * t) * sigmoid(x));
      });
      return;
    case ActivationKind::Celu: {
      const T al = static_cast<T>(alpha);
      each_element(rows, cols, 10, [=](Index i) { dz[i] = z[i] > 0 ? da[i] : da[i] * std::exp(z[i] / al); });
      return;
    }
    case ActivationKind::HardTanh:
      each_element(rows, cols, 1, [=](Index i) { dz[i] = (z[i] > T(-1) && z[i] < T(1)) ? da[i] : T(0); });
      return;
    case ActivationKind::HardShrink:
    case ActivationKind::SoftShrink: {
      const T t = static_cast<T>(threshold);
      each_element(rows, cols, 1, [=](Index i) { dz[i] = std::abs(z[i]) > t ? da[i] : T(0); });
      return;
    }
    case ActivationKind::TanhShrink:
      each_element(rows, cols, 10, [=](Index i) {
        const T t = std::tanh(z[i]);
        dz[i] = da[i] * t * t;
      });
      return;
    case ActivationKind::LogSigmoid:
      each_element(rows, cols, 10, [=](Index i) { dz[i] = da[i] * sigmoid(-z[i]); });
      return;
    case ActivationKind::SparsePlus:
      each_element(rows, cols, 2, [=](Index i) {
        const T x = z[i];
        dz[i] = x <= T(-1) ? T(0) : (x < T(1) ? da[i] * T(0.5) * (x + T(1)) : da[i]);
      });
      return;
    case ActivationKind::SparseSigmoid:
      each_element(rows, cols, 1, [=](Index i) { dz[i] = (z[i] > T(-1) && z[i] < T(1)) ? da[i] * T(0.5) : T(0); });
      return;
    case ActivationKind::Squareplus: {
      const T bb = static_cast<T>(b);
      each_element(rows, cols, 4, [=](Index i) { dz[i] = da[i] * (T(1) + z[i] / std::sqrt(z[i] * z[i] + bb)) / T(2); });
      return;
    }
    case ActivationKind::Threshold: {
      const T t = static_cast<T>(threshold);
      each_element(rows, cols, 1, [=](Index i) { dz[i] = z[i] > t ? da[i] : T(0); });
      return;
    }
    case ActivationKind::Softmax:
    case ActivationKind::LogSoftmax:
    case ActivationKind::Sparsemax:
    case ActivationKind::Glu:
      row_wise_backward(*this, z, a, da, dz, rows, cols);
      return;
  }
}

template void Activation::forward<float>(const float*, float*, Index, Index) const;
template void Activation::forward<double>(const double*, double*, Index, Index) const;
template void Activation::backward<float>(const float*, const float*, const float*, float*, Index, Index) const;
template void Activation::backward<double>(const double*, const double*, const double*, double*, Index, Index) const;

}  // namespace densekit
