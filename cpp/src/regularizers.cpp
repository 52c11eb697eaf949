#include <densekit/regularizers.hpp>

#include <densekit/traced_regularizer.hpp>

#include <cmath>

namespace densekit {

double Regularizer::penalty(const float* w, int64_t n, bool keep_gradient) const {
  if (traced) return traced->penalty(w, n, keep_gradient);
  double abs_sum = 0.0, sq_sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    abs_sum += std::abs(w[i]);
    sq_sum += double(w[i]) * w[i];
  }
  return l1 * abs_sum + l2 * sq_sum;
}

void Regularizer::add_gradient(const float* w, float* grad, int64_t n, double scale) const {
  if (traced) return traced->add_gradient(w, grad, n, scale);
  const float a = static_cast<float>(l1 * scale), b = static_cast<float>(2.0 * l2 * scale);
  for (int64_t i = 0; i < n; ++i) {
    const float sign = w[i] > 0 ? 1.0f : (w[i] < 0 ? -1.0f : 0.0f);
    grad[i] += a * sign + b * w[i];
  }
}

}  // namespace densekit
