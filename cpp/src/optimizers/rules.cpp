#include "optimizers/rule.hpp"

#include <cmath>

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

std::string number_text(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return Json(v).dump();
}

void require_range(const char* what, double v, double lo, double hi) {
  if (!(v >= lo && v <= hi))
    throw ValueError(std::string("Argument `") + what + "` must be in [" + number_text(lo) + ", " + number_text(hi) +
                     "]. Received: " + what + "=" + number_text(v));
}

}  // namespace densekit
