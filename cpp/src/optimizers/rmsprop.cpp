// RMSprop, optionally centered and with momentum; ε inside the square root
// (keras/src/optimizers/rmsprop.py).
#include "optimizers/rule.hpp"

#include <cmath>

namespace densekit {
namespace {
namespace rmsprop {  // a name of its own: unity builds compile the optimizers together

void validate(const OptimizerConfig& c) {
  require_range("rho", c.rho, 0.0, 1.0);
  require_range("momentum", c.momentum, 0.0, 1.0);
  if (!(c.epsilon >= 0.0)) throw ValueError("Argument `epsilon` must be >= 0. Received: epsilon=" + std::to_string(c.epsilon));
}

void write_config(const OptimizerConfig& c, Json& config) {
  config["rho"] = c.rho;
  config["momentum"] = c.momentum;
  config["epsilon"] = c.epsilon;
  config["centered"] = c.centered;
}

void read_config(const Json& config, OptimizerConfig& c) {
  c.rho = field(config, "rho", c.rho);
  c.momentum = field(config, "momentum", c.momentum);
  c.epsilon = field(config, "epsilon", c.epsilon);
  c.centered = field(config, "centered", c.centered);
}

std::vector<std::string> slot_names(const OptimizerConfig& c) {
  std::vector<std::string> s{"velocity"};
  if (c.momentum > 0.0) s.push_back("momentum");
  if (c.centered) s.push_back("average_gradient");
  return s;
}

void update(const OptimizerConfig& c, const StepConstants& k, float* const* slots, float* w, const float* g, int64_t begin,
            int64_t end) {
  const float lr = k.lr, eps = k.eps;
  const float rho = static_cast<float>(c.rho), mu = static_cast<float>(c.momentum);
  float* s = slots[0];
  float* mom = c.momentum > 0.0 ? slots[1] : nullptr;
  float* avg = c.centered ? slots[c.momentum > 0.0 ? 2 : 1] : nullptr;
  for (int64_t i = begin; i < end; ++i) {
    s[i] = rho * s[i] + (1.0f - rho) * g[i] * g[i];
    float denom = s[i];
    if (avg) {
      avg[i] = rho * avg[i] + (1.0f - rho) * g[i];
      denom -= avg[i] * avg[i];
    }
    const float inc = lr * g[i] / std::sqrt(denom + eps);
    if (mom) {
      mom[i] = mu * mom[i] + inc;
      w[i] -= mom[i];
    } else {
      w[i] -= inc;
    }
  }
}

}  // namespace rmsprop
}  // namespace

const OptimizerRule& rmsprop_rule() {
  using namespace rmsprop;
  static const OptimizerRule rule{"RMSprop", OptimizerKind::RMSprop, [](OptimizerConfig& c) { c.rho = 0.9; }, validate,
                                  write_config, read_config, slot_names, nullptr,
                                  [](const OptimizerConfig&, double, double, double&, StepConstants&) {}, update};
  return rule;
}

}  // namespace densekit
