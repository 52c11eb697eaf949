// Adagrad (keras/src/optimizers/adagrad.py): the accumulator starts at initial_accumulator_value.
#include "optimizers/rule.hpp"

#include <cmath>

namespace densekit {
namespace {
namespace adagrad {  // a name of its own: unity builds compile the optimizers together

void validate(const OptimizerConfig& c) {
  if (c.initial_accumulator_value < 0.0)
    throw ValueError("Argument `initial_accumulator_value` must be >= 0. Received: " + number_text(c.initial_accumulator_value));
  if (!(c.epsilon >= 0.0)) throw ValueError("Argument `epsilon` must be >= 0. Received: epsilon=" + number_text(c.epsilon));
}

void write_config(const OptimizerConfig& c, Json& config) {
  config["initial_accumulator_value"] = c.initial_accumulator_value;
  config["epsilon"] = c.epsilon;
}

void read_config(const Json& config, OptimizerConfig& c) {
  c.initial_accumulator_value = field(config, "initial_accumulator_value", c.initial_accumulator_value);
  c.epsilon = field(config, "epsilon", c.epsilon);
}

void update(const OptimizerConfig&, const StepConstants& k, float* const* slots, float* w, const float* g, int64_t begin,
            int64_t end) {
  const float lr = k.lr, eps = k.eps;
  float* a = slots[0];
  for (int64_t i = begin; i < end; ++i) {
    const float gi = g[i], ai = a[i], wi = w[i];  // every read before a write (rule.hpp)
    const float a_new = ai + gi * gi;
    a[i] = a_new;
    w[i] = wi - lr * gi / std::sqrt(a_new + eps);
  }
}

}  // namespace adagrad
}  // namespace

const OptimizerRule& adagrad_rule() {
  using namespace adagrad;
  static const OptimizerRule rule{
      "Adagrad", OptimizerKind::Adagrad, [](OptimizerConfig&) {}, validate, write_config, read_config,
      [](const OptimizerConfig&) { return std::vector<std::string>{"accumulator"}; },
      [](const OptimizerConfig& c, size_t) { return static_cast<float>(c.initial_accumulator_value); },
      [](const OptimizerConfig&, double, double, double&, StepConstants&) {}, update};
  return rule;
}

}  // namespace densekit
