// Scalar functions in the forms that never overflow, shared by the activations and the losses
// that take logits (one definition, so both round alike).
#pragma once

#include <algorithm>
#include <cmath>

namespace densekit {

// SELU's constants (keras/src/activations/activations.py); AlphaDropout drops to −λα, SELU's
// negative saturation.
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

template <class T>
T sigmoid(T x) {
  // Never exponentiates a large positive number.
  if (x >= 0) return T(1) / (T(1) + std::exp(-x));
  const T e = std::exp(x);
  return e / (T(1) + e);
}

// log(1 + eˣ) = max(x, 0) + log1p(e^−|x|).
template <class T>
T softplus(T x) {
  return std::max(x, T(0)) + std::log1p(std::exp(-std::abs(x)));
}

}  // namespace densekit
