// Weight penalties added to the loss: l1·Σ|w| + l2·Σw² (no ½, as in keras/src/regularizers/regularizers.py),
// or a penalty the user wrote in Python, traced (traced_regularizer.hpp).
#pragma once

#include <cstdint>
#include <memory>

namespace densekit {

class TracedRegularizer;

struct Regularizer {
  Regularizer() = default;
  // Regularizer{l1, l2} (a constructor rather than aggregate initialization leaving `traced`
  // out, which -Wextra warns of in the application's code).
  explicit Regularizer(double l1_strength, double l2_strength = 0.0) : l1(l1_strength), l2(l2_strength) {}

  double l1 = 0.0;
  double l2 = 0.0;
  // Shared by every copy (the layer's options and the graphs holding the layer), so that tracing
  // it once the weight's shape is known reaches them all.
  std::shared_ptr<TracedRegularizer> traced;

  bool active() const { return l1 != 0.0 || l2 != 0.0 || traced != nullptr; }
  // keep_gradient: a training step's, whose add_gradient follows on the same weights (a traced
  // penalty then computes both in one pass).
  double penalty(const float* w, int64_t n, bool keep_gradient = false) const;
  // grad += scale · d(penalty)/dw
  void add_gradient(const float* w, float* grad, int64_t n, double scale = 1.0) const;
};

}  // namespace densekit
