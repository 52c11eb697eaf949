// Adam (keras/src/optimizers/adam.py), and AdamW (adamw.py): Adam with decoupled weight decay,
// which the common machinery applies before the update.
#include "optimizers/rule.hpp"

#include <algorithm>
#include <cmath>

namespace densekit {
namespace {
namespace adam {  // a name of its own: unity builds compile the optimizers together

void validate_adamw(const OptimizerConfig& c) {
  if (!c.weight_decay) throw ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None");
  validate_betas_epsilon(c);
}

void write_config(const OptimizerConfig& c, Json& config) {
  write_betas_epsilon(c, config);
  config["amsgrad"] = c.amsgrad;
}

void read_config(const Json& config, OptimizerConfig& c) {
  read_betas_epsilon(config, c);
  c.amsgrad = field(config, "amsgrad", c.amsgrad);
}

std::vector<std::string> slot_names(const OptimizerConfig& c) {
  if (c.amsgrad) return {"momentum", "velocity", "velocity_hat"};
  return {"momentum", "velocity"};
}

void step_constants(const OptimizerConfig& c, double lr, double t, double&, StepConstants& k) {
  k.a = static_cast<float>(lr * std::sqrt(1.0 - std::pow(c.beta_2, t)) / (1.0 - std::pow(c.beta_1, t)));
}

// ε is added to the uncorrected √v (Keras's "epsilon hat" form).
void update(const OptimizerConfig& c, const StepConstants& k, float* const* slots, float* w, const float* g, int64_t begin,
            int64_t end) {
  const float alpha = k.a, b1 = k.b1, b2 = k.b2, eps = k.eps;
  float *m = slots[0], *v = slots[1];
  if (!c.amsgrad) {
    for (int64_t i = begin; i < end; ++i) {
      const float gi = g[i], mi = m[i], vi = v[i], wi = w[i];  // every read before a write (rule.hpp)
      const float m_new = mi + (gi - mi) * b1, v_new = vi + (gi * gi - vi) * b2;
      m[i] = m_new;
      v[i] = v_new;
      w[i] = wi - alpha * m_new / (std::sqrt(v_new) + eps);
    }
    return;
  }
  float* vhat = slots[2];
  for (int64_t i = begin; i < end; ++i) {
    const float gi = g[i], mi = m[i], vi = v[i], vhi = vhat[i], wi = w[i];
    const float m_new = mi + (gi - mi) * b1, v_new = vi + (gi * gi - vi) * b2, vhat_new = std::max(vhi, v_new);
    m[i] = m_new;
    v[i] = v_new;
    vhat[i] = vhat_new;
    w[i] = wi - alpha * m_new / (std::sqrt(vhat_new) + eps);
  }
}

}  // namespace adam
}  // namespace

const OptimizerRule& adam_rule() {
  using namespace adam;
  static const OptimizerRule rule{"Adam", OptimizerKind::Adam, [](OptimizerConfig&) {}, validate_betas_epsilon, write_config,
                                  read_config, slot_names, nullptr, step_constants, update};
  return rule;
}

const OptimizerRule& adamw_rule() {
  using namespace adam;
  static const OptimizerRule rule{"AdamW", OptimizerKind::AdamW, [](OptimizerConfig& c) { c.weight_decay = 0.004; },
                                  validate_adamw, write_config, read_config, slot_names, nullptr, step_constants, update};
  return rule;
}

}  // namespace densekit
