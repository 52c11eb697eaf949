// The compile config's form of a traced stateful metric (traced_metric_config.hpp).
#include "traced_metric_config.hpp"

#include <densekit/errors.hpp>
#include <densekit/serialization.hpp>

namespace densekit {
namespace {

const Json& member(const Json& j, const char* key, const std::string& name) {
  if (!j.is_object() || !j.contains(key))
    throw ValueError("The traced metric '" + name + "' in the compile config has no '" + key + "'.");
  return j[key];
}

Json update_config(const TracedMetricUpdate& u) {
  if (!u.graph) return nullptr;
  Json updates = Json::array();
  for (const auto& update : u.updates) {
    Json terms = Json::array();
    for (const auto& t : update.terms) terms.push_back({{"output", t.output}, {"mean", t.mean}, {"scale", t.scale}});
    updates.push_back({{"variable", update.variable}, {"accumulate", update.accumulate}, {"terms", terms},
                       {"offset", update.offset}});
  }
  return {{"graph", parse_json(model_config_json(*u.graph), "a traced metric's graph")}, {"updates", updates}};
}

TracedMetricUpdate update_from(const Json& j, const std::string& name) {
  TracedMetricUpdate u;
  if (j.is_null()) return u;
  u.graph = model_from_config_json(member(j, "graph", name).dump(), false);
  const Json& updates = member(j, "updates", name);
  if (!updates.is_array()) throw ValueError("The traced metric '" + name + "' has updates that are not a list.");
  for (const Json& e : updates) {
    TracedStateUpdate update;
    update.variable = field(e, "variable", -1);
    update.accumulate = field(e, "accumulate", true);
    update.offset = field(e, "offset", 0.0);
    const Json& terms = member(e, "terms", name);
    if (!terms.is_array()) throw ValueError("The traced metric '" + name + "' has terms that are not a list.");
    for (const Json& t : terms)
      update.terms.push_back({field(t, "output", -1), field(t, "mean", false), field(t, "scale", 1.0)});
    u.updates.push_back(std::move(update));
  }
  return u;
}

}  // namespace

bool is_stateful_metric(const Json& traced) { return traced.is_object() && traced.contains("result"); }

Json stateful_metric_config(const TracedMetricFunction& metric) {
  Json variables = Json::array();
  for (const auto& v : metric.variables())
    variables.push_back({{"name", v.name}, {"shape", v.shape}, {"reset", v.reset_values}});
  return {{"variables", variables},
          {"update", update_config(metric.unweighted())},
          {"update_weighted", update_config(metric.weighted())},
          {"result", parse_json(model_config_json(metric.result_graph()), "a traced metric's graph")}};
}

std::shared_ptr<TracedMetricFunction> stateful_metric_from(const Json& j, const std::string& name) {
  const Json& traced = member(j, "densekit_traced", name);
  std::vector<TracedMetricVariable> variables;
  const Json& vs = member(traced, "variables", name);
  if (!vs.is_array()) throw ValueError("The traced metric '" + name + "' has variables that are not a list.");
  for (const Json& v : vs) {
    TracedMetricVariable variable;
    variable.name = field(v, "name", std::string());
    for (int64_t d : int64_list(member(v, "shape", name), "shape")) {
      if (d < 0) throw ValueError("The traced metric '" + name + "' has a variable of negative dimension.");
      variable.shape.push_back(d);
    }
    const Json& reset = member(v, "reset", name);
    if (!reset.is_array()) throw ValueError("The traced metric '" + name + "' has reset values that are not a list.");
    for (const Json& x : reset) {
      if (!x.is_number()) throw ValueError("The traced metric '" + name + "' has a reset value that is not a number.");
      variable.reset_values.push_back(x.get<double>());
    }
    variables.push_back(std::move(variable));
  }
  Json keras = j;
  keras.erase("densekit_traced");
  return std::make_shared<TracedMetricFunction>(name, keras.dump(), std::move(variables),
                                                update_from(member(traced, "update", name), name),
                                                update_from(traced.value("update_weighted", Json()), name),
                                                model_from_config_json(member(traced, "result", name).dump(), false));
}

}  // namespace densekit
