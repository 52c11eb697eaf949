// A traced stateful metric in the compile config: Keras's serialization of the Python Metric,
// plus, under "densekit_traced", what densekit traced from it (docs/format.md): its variables,
// update_state's graphs and the statistics they add, and result()'s graph.
#pragma once

#include <densekit/traced_metric.hpp>

#include "fields.hpp"

#include <memory>

namespace densekit {

// Whether a "densekit_traced" entry holds a stateful metric (rather than a loss function's graph).
bool is_stateful_metric(const Json& traced);
Json stateful_metric_config(const TracedMetricFunction& metric);
std::shared_ptr<TracedMetricFunction> stateful_metric_from(const Json& j, const std::string& name);

}  // namespace densekit
