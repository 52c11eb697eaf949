// Nadam (keras/src/optimizers/nadam.py): Adam with Nesterov momentum; the running product of
// the momentum coefficients is the family's state, saved with the optimizer as "u_product".
#include "optimizers/rule.hpp"

#include <cmath>

namespace densekit {
namespace {
namespace nadam {  // a name of its own: unity builds compile the optimizers together

void step_constants(const OptimizerConfig& c, double, double t, double& u_product, StepConstants& k) {
  u_product *= c.beta_1 * (1.0 - 0.5 * std::pow(0.96, t));
  const double mu_t = c.beta_1 * (1.0 - 0.5 * std::pow(0.96, t));
  const double mu_next = c.beta_1 * (1.0 - 0.5 * std::pow(0.96, t + 1.0));
  k.a = static_cast<float>(mu_next / (1.0 - u_product * mu_next));
  k.b = static_cast<float>((1.0 - mu_t) / (1.0 - u_product));
  k.c = static_cast<float>(1.0 / (1.0 - std::pow(c.beta_2, t)));
}

void update(const OptimizerConfig&, const StepConstants& k, float* const* slots, float* w, const float* g, int64_t begin,
            int64_t end) {
  const float lr = k.lr, eps = k.eps, a = k.a, b = k.b, v_corr = k.c, b1 = k.b1, b2 = k.b2;
  float *m = slots[0], *v = slots[1];
  for (int64_t i = begin; i < end; ++i) {
    const float gi = g[i], mi = m[i], vi = v[i], wi = w[i];  // every read before a write (rule.hpp)
    const float m_new = mi + (gi - mi) * b1, v_new = vi + (gi * gi - vi) * b2;
    m[i] = m_new;
    v[i] = v_new;
    const float m_hat = a * m_new + b * gi;
    const float v_hat = v_new * v_corr;
    w[i] = wi - lr * m_hat / (std::sqrt(v_hat) + eps);
  }
}

}  // namespace nadam
}  // namespace

const OptimizerRule& nadam_rule() {
  using namespace nadam;
  static const OptimizerRule rule{"Nadam", OptimizerKind::Nadam, [](OptimizerConfig&) {}, validate_betas_epsilon,
                                  write_betas_epsilon, read_betas_epsilon,
                                  [](const OptimizerConfig&) { return std::vector<std::string>{"momentum", "velocity"}; }, nullptr,
                                  step_constants, update, "u_product"};
  return rule;
}

}  // namespace densekit
