#include "focal_losses.hpp"
#include "stable_math.hpp"

#include <algorithm>
#include <cmath>

namespace densekit {
namespace {

// d/dx of (1 − x)^γ over x's range [0, 1]: 0 at x = 1 for γ > 1, and there (where it has no
// finite value for γ < 1) 0 as well rather than an infinity.
template <class T>
T focal_factor_slope(T gamma, T one_minus_x) {
  if (gamma == T(0)) return T(0);
  if (one_minus_x > T(0)) return -gamma * std::pow(one_minus_x, gamma - T(1));
  return gamma == T(1) ? T(-1) : T(0);
}

}  // namespace

// Per output: bce · (1 − p_t)^γ, p_t = t·p + (1 − t)(1 − p), weighted by α for the positives and
// 1 − α for the negatives with apply_class_balancing; the mean over the row. As with TensorFlow's
// backend, from logits the cross-entropy is the stable logits form.
template <class T>
T binary_focal_row(const Loss& loss, const T* y, const T* p, Index cols, T* g) {
  const T eps = static_cast<T>(kEpsilon), hi = T(1) - eps;
  const T ls = static_cast<T>(loss.label_smoothing), gamma = static_cast<T>(loss.gamma);
  const T alpha = static_cast<T>(loss.alpha), inv_c = T(1) / static_cast<T>(cols);
  T total = 0;
  for (Index j = 0; j < cols; ++j) {
    const T t = y[j] * (T(1) - ls) + T(0.5) * ls;
    const T prob = loss.from_logits ? sigmoid(p[j]) : p[j];
    T bce, dbce;  // the cross-entropy and its derivative (by the logit, or by the probability)
    if (loss.from_logits) {
      const T z = p[j];
      bce = std::max(z, T(0)) - z * t + std::log1p(std::exp(-std::abs(z)));
      dbce = prob - t;
    } else {
      const T pc = std::clamp(prob, eps, hi);
      bce = -(t * std::log(pc) + (T(1) - t) * std::log(T(1) - pc));
      dbce = (prob > eps && prob < hi) ? -t / pc + (T(1) - t) / (T(1) - pc) : T(0);
    }
    const T one_minus_pt = T(1) - (t * prob + (T(1) - t) * (T(1) - prob));
    const T factor = std::pow(one_minus_pt, gamma);
    const T weight = loss.apply_class_balancing ? t * alpha + (T(1) - t) * (T(1) - alpha) : T(1);
    total += weight * factor * bce;
    if (g) {
      // p_t rises by 2t − 1 per unit of p; by the logit, p moves p(1 − p) per unit.
      T dfactor = focal_factor_slope(gamma, one_minus_pt) * (T(2) * t - T(1));
      if (loss.from_logits) dfactor *= prob * (T(1) - prob);
      g[j] = weight * (dfactor * bce + factor * dbce) * inv_c;
    }
  }
  return total * inv_c;
}

// Σ_j α (1 − q_j)^γ · (−t_j log q_j) over the row, q the predictions divided by their sum
// (softmax of the logits first) and clipped to [ε, 1 − ε], as Keras computes it.
template <class T>
T categorical_focal_row(const Loss& loss, const T* y, const T* p, Index cols, T* g) {
  const T eps = static_cast<T>(kEpsilon), hi = T(1) - eps;
  const T ls = static_cast<T>(loss.label_smoothing), gamma = static_cast<T>(loss.gamma);
  const T alpha = static_cast<T>(loss.alpha);
  T m = 0, s = 0;
  if (loss.from_logits) {
    m = *std::max_element(p, p + cols);
    for (Index j = 0; j < cols; ++j) s += std::exp(p[j] - m);
  } else {
    for (Index j = 0; j < cols; ++j) s += p[j];
  }
  auto probability = [&](Index j) { return loss.from_logits ? std::exp(p[j] - m) / s : p[j] / s; };
  T total = 0, gq_dot_q = 0;
  for (Index j = 0; j < cols; ++j) {
    const T t = y[j] * (T(1) - ls) + ls / static_cast<T>(cols);
    const T q = probability(j), qc = std::clamp(q, eps, hi);
    const T factor = std::pow(T(1) - qc, gamma);
    if (t != T(0)) total += alpha * factor * -t * std::log(qc);
    if (g) {
      // d/dq, held at 0 where q is clipped
      g[j] = (q > eps && q < hi) ? alpha * t * (focal_factor_slope(gamma, T(1) - qc) * -std::log(qc) - factor / qc) : T(0);
      gq_dot_q += g[j] * q;
    }
  }
  if (g)  // through q = p / Σp, or q = softmax(p): the same form, q or 1/s as the scale
    for (Index j = 0; j < cols; ++j) g[j] = loss.from_logits ? probability(j) * (g[j] - gq_dot_q) : (g[j] - gq_dot_q) / s;
  return total;
}

template float binary_focal_row<float>(const Loss&, const float*, const float*, Index, float*);
template double binary_focal_row<double>(const Loss&, const double*, const double*, Index, double*);
template float categorical_focal_row<float>(const Loss&, const float*, const float*, Index, float*);
template double categorical_focal_row<double>(const Loss&, const double*, const double*, Index, double*);

}  // namespace densekit
