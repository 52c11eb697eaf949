// Scalar functions in the forms that never overflow, shared by the activations and the losses
// that take logits (one definition, so both round alike).
#pragma once

#include <algorithm>
#include <cmath>

namespace densekit {

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
