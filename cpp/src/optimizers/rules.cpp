#include "optimizers/rule.hpp"

#include <cmath>

namespace densekit {

const std::vector<const OptimizerRule*>& optimizer_rules() {
  static const std::vector<const OptimizerRule*> rules = {&sgd_rule(),     &adam_rule(),     &adamw_rule(),  &rmsprop_rule(),
                                                           &adagrad_rule(), &adadelta_rule(), &adamax_rule(), &nadam_rule(),
                                                           &ftrl_rule(),   &lion_rule(),    &lamb_rule()};
  return rules;
}

const OptimizerRule& rule_of(OptimizerKind kind) {
  for (const OptimizerRule* rule : optimizer_rules())
    if (rule->kind == kind) return *rule;
  throw ValueError("Unknown optimizer kind.");
}

std::string number_text(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return Json(v).dump();
}

void validate_betas_epsilon(const OptimizerConfig& c) {
  require_range("beta_1", c.beta_1, 0.0, 1.0);
  require_range("beta_2", c.beta_2, 0.0, 1.0);
  if (!(c.epsilon >= 0.0)) throw ValueError("Argument `epsilon` must be >= 0. Received: epsilon=" + number_text(c.epsilon));
}

void write_betas_epsilon(const OptimizerConfig& c, Json& config) {
  config["beta_1"] = c.beta_1;
  config["beta_2"] = c.beta_2;
  config["epsilon"] = c.epsilon;
}

void read_betas_epsilon(const Json& config, OptimizerConfig& c) {
  c.beta_1 = field(config, "beta_1", c.beta_1);
  c.beta_2 = field(config, "beta_2", c.beta_2);
  c.epsilon = field(config, "epsilon", c.epsilon);
}

void require_range(const char* what, double v, double lo, double hi) {
  if (!(v >= lo && v <= hi))
    throw ValueError(std::string("Argument `") + what + "` must be in [" + number_text(lo) + ", " + number_text(hi) +
                     "]. Received: " + what + "=" + number_text(v));
}

}  // namespace densekit
