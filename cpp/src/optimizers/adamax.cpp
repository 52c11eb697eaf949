// Adamax (keras/src/optimizers/adamax.py): the infinity-norm variant of Adam.
#include "optimizers/rule.hpp"

#include <algorithm>
#include <cmath>

namespace densekit {
namespace {
namespace adamax {  // a name of its own: unity builds compile the optimizers together

// Adamax uses β1 and β2 themselves, and a = 1 − β1^t.
void step_constants(const OptimizerConfig& c, double, double t, double&, StepConstants& k) {
  k.b1 = static_cast<float>(c.beta_1);
  k.b2 = static_cast<float>(c.beta_2);
  k.a = static_cast<float>(1.0 - std::pow(c.beta_1, t));
}

void update(const OptimizerConfig&, const StepConstants& k, float* const* slots, float* w, const float* g, int64_t begin,
            int64_t end) {
  const float lr = k.lr, eps = k.eps, b1 = k.b1, b2 = k.b2, corr = k.a;
  float *m = slots[0], *u = slots[1];
  for (int64_t i = begin; i < end; ++i) {
    const float gi = g[i], mi = m[i], ui = u[i], wi = w[i];  // every read before a write (rule.hpp)
    const float m_new = mi + (gi - mi) * (1.0f - b1), u_new = std::max(b2 * ui, std::abs(gi));
    m[i] = m_new;
    u[i] = u_new;
    w[i] = wi - lr * m_new / (corr * (u_new + eps));
  }
}

}  // namespace adamax
}  // namespace

const OptimizerRule& adamax_rule() {
  using namespace adamax;
  static const OptimizerRule rule{"Adamax", OptimizerKind::Adamax, [](OptimizerConfig&) {}, validate_betas_epsilon,
                                  write_betas_epsilon, read_betas_epsilon,
                                  [](const OptimizerConfig&) { return std::vector<std::string>{"momentum", "norm"}; }, nullptr,
                                  step_constants, update};
  return rule;
}

}  // namespace densekit
