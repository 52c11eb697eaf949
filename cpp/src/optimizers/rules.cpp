#include "optimizers/rule.hpp"

namespace densekit {

const std::vector<const OptimizerRule*>& optimizer_rules() {
  static const std::vector<const OptimizerRule*> rules = {&sgd_rule(),     &adam_rule(),     &adamw_rule(),  &rmsprop_rule(),
                                                           &adagrad_rule(), &adadelta_rule(), &adamax_rule(), &nadam_rule(),
                                                           &ftrl_rule(),   &lion_rule()};
  return rules;
}

const OptimizerRule& rule_of(OptimizerKind kind) {
  for (const OptimizerRule* rule : optimizer_rules())
    if (rule->kind == kind) return *rule;
  throw ValueError("Unknown optimizer kind.");
}

void require_range(const char* what, double v, double lo, double hi) {
  if (!(v >= lo && v <= hi))
    throw ValueError(std::string("Argument `") + what + "` must be in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                     "]. Received: " + what + "=" + std::to_string(v));
}

}  // namespace densekit
