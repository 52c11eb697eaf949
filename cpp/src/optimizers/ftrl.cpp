// FTRL-Proximal (keras/src/optimizers/ftrl.py): per-coordinate rates from the accumulated squared
// gradients; the weight is solved in closed form from the "linear" accumulator, so an L1
// strength makes weights exactly zero.
#include "optimizers/rule.hpp"

#include <algorithm>
#include <cmath>

namespace densekit {
namespace {
namespace ftrl {  // a name of its own: unity builds compile the optimizers together

void require_non_negative(const char* what, double v) {
  if (!(v >= 0.0))
    throw ValueError(std::string("`") + what + "` needs to be positive or zero. Received: " + what + "=" + number_text(v) + ".");
}

void validate(const OptimizerConfig& c) {
  require_non_negative("initial_accumulator_value", c.initial_accumulator_value);
  if (!(c.learning_rate_power <= 0.0))
    throw ValueError("`learning_rate_power` needs to be negative or zero. Received: learning_rate_power=" +
                     number_text(c.learning_rate_power) + ".");
  require_non_negative("l1_regularization_strength", c.l1_regularization_strength);
  require_non_negative("l2_regularization_strength", c.l2_regularization_strength);
  require_non_negative("l2_shrinkage_regularization_strength", c.l2_shrinkage_regularization_strength);
  if (!std::isfinite(c.beta)) throw ValueError("Argument `beta` must be a finite float. Received: beta=" + number_text(c.beta));
}

void write_config(const OptimizerConfig& c, Json& config) {
  config["learning_rate_power"] = c.learning_rate_power;
  config["initial_accumulator_value"] = c.initial_accumulator_value;
  config["l1_regularization_strength"] = c.l1_regularization_strength;
  config["l2_regularization_strength"] = c.l2_regularization_strength;
  config["l2_shrinkage_regularization_strength"] = c.l2_shrinkage_regularization_strength;
  config["beta"] = c.beta;
}

void read_config(const Json& config, OptimizerConfig& c) {
  c.learning_rate_power = field(config, "learning_rate_power", c.learning_rate_power);
  c.initial_accumulator_value = field(config, "initial_accumulator_value", c.initial_accumulator_value);
  c.l1_regularization_strength = field(config, "l1_regularization_strength", c.l1_regularization_strength);
  c.l2_regularization_strength = field(config, "l2_regularization_strength", c.l2_regularization_strength);
  c.l2_shrinkage_regularization_strength =
      field(config, "l2_shrinkage_regularization_strength", c.l2_shrinkage_regularization_strength);
  c.beta = field(config, "beta", c.beta);
}

// float32 as Keras computes them: a = 2·(l2 + β / (2·lr)), b = 2·l2_shrinkage, c = −learning_rate_power.
void step_constants(const OptimizerConfig& c, double, double, double&, StepConstants& k) {
  const float l2 = static_cast<float>(c.l2_regularization_strength) + static_cast<float>(c.beta) / (2.0f * k.lr);
  k.a = 2.0f * l2;
  k.b = static_cast<float>(2.0 * c.l2_shrinkage_regularization_strength);
  k.c = static_cast<float>(-c.learning_rate_power);
}

void update(const OptimizerConfig& c, const StepConstants& k, float* const* slots, float* w, const float* g, int64_t begin,
            int64_t end) {
  const float lr = k.lr, two_l2 = k.a, two_shrinkage = k.b, power = k.c;
  const float l1 = static_cast<float>(c.l1_regularization_strength);
  // The default power ½ is a square root: exact, and much faster than pow.
  auto raise = [power](float x) { return power == 0.5f ? std::sqrt(x) : std::pow(x, power); };
  float *accumulator = slots[0], *linear = slots[1];
  for (int64_t i = begin; i < end; ++i) {
    const float gi = g[i], ai = accumulator[i], li = linear[i], wi = w[i];  // every read before a write (rule.hpp)
    const float a_new = ai + gi * gi, a_new_pow = raise(a_new);
    const float l_new = li + ((gi + two_shrinkage * wi) - ((a_new_pow - raise(ai)) / lr) * wi);
    const float quadratic = a_new_pow / lr + two_l2;
    accumulator[i] = a_new;
    linear[i] = l_new;
    w[i] = (std::clamp(l_new, -l1, l1) - l_new) / quadratic;
  }
}

}  // namespace ftrl
}  // namespace

const OptimizerRule& ftrl_rule() {
  using namespace ftrl;
  static const OptimizerRule rule{
      "Ftrl", OptimizerKind::Ftrl, [](OptimizerConfig&) {}, validate, write_config, read_config,
      [](const OptimizerConfig&) { return std::vector<std::string>{"accumulator", "linear"}; },
      [](const OptimizerConfig& c, size_t slot) { return slot == 0 ? static_cast<float>(c.initial_accumulator_value) : 0.0f; },
      step_constants, update};
  return rule;
}

}  // namespace densekit
