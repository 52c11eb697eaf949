// Adadelta (keras/src/optimizers/adadelta.py).
#include "optimizers/rule.hpp"

#include <cmath>

namespace densekit {
namespace {
namespace adadelta {  // a name of its own: unity builds compile the optimizers together

void validate(const OptimizerConfig& c) {
  require_range("rho", c.rho, 0.0, 1.0);
  if (!(c.epsilon >= 0.0)) throw ValueError("Argument `epsilon` must be >= 0. Received: epsilon=" + number_text(c.epsilon));
}

void write_config(const OptimizerConfig& c, Json& config) {
  config["rho"] = c.rho;
  config["epsilon"] = c.epsilon;
}

void read_config(const Json& config, OptimizerConfig& c) {
  c.rho = field(config, "rho", c.rho);
  c.epsilon = field(config, "epsilon", c.epsilon);
}

void update(const OptimizerConfig& c, const StepConstants& k, float* const* slots, float* w, const float* g, int64_t begin,
            int64_t end) {
  const float lr = k.lr, eps = k.eps, rho = static_cast<float>(c.rho);
  float *eg = slots[0], *edx = slots[1];
  for (int64_t i = begin; i < end; ++i) {
    const float gi = g[i], egi = eg[i], edxi = edx[i], wi = w[i];  // every read before a write (rule.hpp)
    const float eg_new = rho * egi + (1.0f - rho) * gi * gi;
    const float delta = -std::sqrt(edxi + eps) * gi / std::sqrt(eg_new + eps);
    eg[i] = eg_new;
    edx[i] = rho * edxi + (1.0f - rho) * delta * delta;
    w[i] = wi + lr * delta;
  }
}

}  // namespace adadelta
}  // namespace

const OptimizerRule& adadelta_rule() {
  using namespace adadelta;
  static const OptimizerRule rule{
      "Adadelta", OptimizerKind::Adadelta, [](OptimizerConfig& c) { c.rho = 0.95; }, validate, write_config, read_config,
      [](const OptimizerConfig&) { return std::vector<std::string>{"accumulated_grad", "accumulated_delta_var"}; }, nullptr,
      [](const OptimizerConfig&, double, double, double&, StepConstants&) {}, update};
  return rule;
}

}  // namespace densekit
