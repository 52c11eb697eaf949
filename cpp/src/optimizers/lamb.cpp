// Lamb (keras/src/optimizers/lamb.py): Adam's bias-corrected step, scaled for each weight by the
// trust ratio ‖w‖ / ‖step‖ (1 when either norm is 0), so every layer moves by a step in
// proportion to its own size. The ratio needs the whole weight: `measure` updates the moments
// and sums the squares, `update` then applies the ratio (rule.hpp).
#include "optimizers/rule.hpp"

#include <cmath>

namespace densekit {
namespace {
namespace lamb {  // a name of its own: unity builds compile the optimizers together

// Keras's float32 bias corrections: 1 − β^t with β^t from float32 operands.
void step_constants(const OptimizerConfig& c, double, double t, double&, StepConstants& k) {
  const float step = static_cast<float>(t);
  k.a = 1.0f - std::pow(static_cast<float>(c.beta_1), step);
  k.b = 1.0f - std::pow(static_cast<float>(c.beta_2), step);
}

// The step before the trust ratio: m̂ / (√v̂ + ε).
inline float step_of(const StepConstants& k, float m, float v) { return (m / k.a) / (std::sqrt(v / k.b) + k.eps); }

void measure(const OptimizerConfig&, const StepConstants& k, float* const* slots, const float* w, const float* g,
             int64_t begin, int64_t end, double* sums) {
  float *m = slots[0], *v = slots[1];
  double weights = 0.0, steps = 0.0;
  for (int64_t i = begin; i < end; ++i) {
    const float gi = g[i], mi = m[i], vi = v[i], wi = w[i];  // every read before a write (rule.hpp)
    const float m_new = mi + (gi - mi) * k.b1, v_new = vi + (gi * gi - vi) * k.b2;
    m[i] = m_new;
    v[i] = v_new;
    const float s = step_of(k, m_new, v_new);
    weights += double(wi) * wi;
    steps += double(s) * s;
  }
  sums[0] += weights;
  sums[1] += steps;
}

// k.c: the weight's trust ratio times the learning rate.
void update(const OptimizerConfig&, const StepConstants& k, float* const* slots, float* w, const float*, int64_t begin,
            int64_t end) {
  const float *m = slots[0], *v = slots[1];
  for (int64_t i = begin; i < end; ++i) w[i] -= k.c * step_of(k, m[i], v[i]);
}

float scale(const StepConstants& k, const double* sums) {
  const float weight_norm = static_cast<float>(std::sqrt(sums[0])), step_norm = static_cast<float>(std::sqrt(sums[1]));
  const float ratio = weight_norm > 0.0f && step_norm > 0.0f ? weight_norm / step_norm : 1.0f;
  return ratio * k.lr;
}

}  // namespace lamb
}  // namespace

const OptimizerRule& lamb_rule() {
  using namespace lamb;
  static const OptimizerRule rule{"Lamb", OptimizerKind::Lamb, [](OptimizerConfig&) {}, [](const OptimizerConfig&) {},
                                  write_betas_epsilon, read_betas_epsilon,
                                  [](const OptimizerConfig&) { return std::vector<std::string>{"momentum", "velocity"}; },
                                  nullptr, step_constants, update, nullptr, measure, scale};
  return rule;
}

}  // namespace densekit
