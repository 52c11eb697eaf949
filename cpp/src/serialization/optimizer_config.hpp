// Optimizer and learning-rate schedule configs in Keras's schema (keras/src/optimizers/
// base_optimizer.py get_config, keras/src/optimizers/schedules/learning_rate_schedule.py).
#pragma once

#include <densekit/optimizers.hpp>

#include "fields.hpp"

namespace densekit {

Json optimizer_config(const OptimizerConfig& optimizer);
// Missing fields take Keras's defaults; a string is an optimizer's name ("adam").
OptimizerConfig optimizer_from(const Json& config);

}  // namespace densekit
