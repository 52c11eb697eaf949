// SGD with optional (Nesterov) momentum (keras/src/optimizers/sgd.py).
#include "optimizers/rule.hpp"

namespace densekit {
namespace {
namespace sgd {  // a name of its own: unity builds compile the optimizers together

void validate(const OptimizerConfig& c) {
  if (!(c.momentum >= 0.0 && c.momentum <= 1.0))
    throw ValueError("`momentum` must be a float between [0, 1]. Received: momentum=" + number_text(c.momentum));
}

void write_config(const OptimizerConfig& c, Json& config) {
  config["momentum"] = c.momentum;
  config["nesterov"] = c.nesterov;
}

void read_config(const Json& config, OptimizerConfig& c) {
  // Keras's SGD refuses an integer momentum (0 instead of 0.0) as out of range.
  if (config.contains("momentum") && !config["momentum"].is_number_float())
    throw ValueError("`momentum` must be a float between [0, 1]. Received: momentum=" + config["momentum"].dump());
  c.momentum = field(config, "momentum", c.momentum);
  c.nesterov = field(config, "nesterov", c.nesterov);
}

std::vector<std::string> slot_names(const OptimizerConfig& c) {
  return c.momentum != 0.0 ? std::vector<std::string>{"momentum"} : std::vector<std::string>{};
}

void update(const OptimizerConfig& c, const StepConstants& k, float* const* slots, float* w, const float* g, int64_t begin,
            int64_t end) {
  const float lr = k.lr;
  if (c.momentum == 0.0) {
    for (int64_t i = begin; i < end; ++i) w[i] -= lr * g[i];
    return;
  }
  const float mu = static_cast<float>(c.momentum);
  float* v = slots[0];
  for (int64_t i = begin; i < end; ++i) {
    const float gi = g[i], vi = v[i], wi = w[i];  // every read before a write (rule.hpp)
    const float v_new = mu * vi - lr * gi;
    v[i] = v_new;
    w[i] = wi + (c.nesterov ? mu * v_new - lr * gi : v_new);
  }
}

}  // namespace sgd
}  // namespace

const OptimizerRule& sgd_rule() {
  using namespace sgd;
  static const OptimizerRule rule{"SGD", OptimizerKind::SGD, [](OptimizerConfig& c) { c.learning_rate = 0.01; }, validate,
                                  write_config, read_config, slot_names, nullptr,
                                  [](const OptimizerConfig&, double, double, double&, StepConstants&) {}, update};
  return rule;
}

}  // namespace densekit
