// Lion (keras/src/optimizers/lion.py): the sign of an interpolation between the momentum and the
// gradient sets the step; the momentum then moves at its own rate (β2).
#include "optimizers/rule.hpp"

namespace densekit {
namespace {
namespace lion {  // a name of its own: unity builds compile the optimizers together

void validate(const OptimizerConfig& c) {
  if (!(c.beta_1 > 0.0 && c.beta_1 <= 1.0))
    throw ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer degenerates to SignSGD. "
                     "Received: beta_1=" + number_text(c.beta_1) + ".");
}

void write_config(const OptimizerConfig& c, Json& config) {
  config["beta_1"] = c.beta_1;
  config["beta_2"] = c.beta_2;
}

void read_config(const Json& config, OptimizerConfig& c) {
  c.beta_1 = field(config, "beta_1", c.beta_1);
  c.beta_2 = field(config, "beta_2", c.beta_2);
}

void step_constants(const OptimizerConfig& c, double, double, double&, StepConstants& k) {
  k.a = static_cast<float>(c.beta_1);
  k.b = static_cast<float>(c.beta_2);
}

// ops.sign: 0 for 0, NaN for NaN (a NaN gradient reaches the weight, as in Keras).
inline float sign(float x) { return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : x); }

void update(const OptimizerConfig&, const StepConstants& k, float* const* slots, float* w, const float* g, int64_t begin,
            int64_t end) {
  const float lr = k.lr, beta_1 = k.a, beta_2 = k.b, one_minus_beta_1 = k.b1, one_minus_beta_2 = k.b2;
  float* m = slots[0];
  for (int64_t i = begin; i < end; ++i) {
    const float gi = g[i], mi = m[i], wi = w[i];  // every read before a write (rule.hpp)
    w[i] = wi - lr * sign(mi * beta_1 + gi * one_minus_beta_1);
    m[i] = mi * beta_2 + gi * one_minus_beta_2;
  }
}

}  // namespace lion
}  // namespace

const OptimizerRule& lion_rule() {
  using namespace lion;
  static const OptimizerRule rule{"Lion", OptimizerKind::Lion, [](OptimizerConfig& c) { c.beta_2 = 0.99; }, validate,
                                  write_config, read_config,
                                  [](const OptimizerConfig&) { return std::vector<std::string>{"momentum"}; }, nullptr,
                                  step_constants, update};
  return rule;
}

}  // namespace densekit
