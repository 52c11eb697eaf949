// Weight penalties added to the loss: l1·Σ|w| + l2·Σw² (no ½, as in keras/src/regularizers/regularizers.py).
#pragma once

#include <cstdint>

namespace densekit {

struct Regularizer {
  double l1 = 0.0;
  double l2 = 0.0;

  bool active() const { return l1 != 0.0 || l2 != 0.0; }
  double penalty(const float* w, int64_t n) const;
  // grad += scale · d(penalty)/dw
  void add_gradient(const float* w, float* grad, int64_t n, double scale = 1.0) const;
};

}  // namespace densekit
