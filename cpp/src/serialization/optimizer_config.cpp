// Optimizer and learning-rate schedule configs: the fields every optimizer shares here, each
// family's own through its rule (optimizers/rule.hpp).
#include "optimizer_config.hpp"

#include "../optimizers/rule.hpp"

#include <densekit/errors.hpp>
#include <densekit/naming.hpp>
#include <densekit/serialization.hpp>

#include <map>

namespace densekit {
namespace {

Json optional_number(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

Json schedule_config(const LearningRateSchedule& s) {
  Json c = Json::object();
  switch (s.kind) {
    case ScheduleKind::ExponentialDecay:
    case ScheduleKind::InverseTimeDecay:
      c["initial_learning_rate"] = s.initial_learning_rate, c["decay_steps"] = number_config(s.decay_steps);
      c["decay_rate"] = s.decay_rate, c["staircase"] = s.staircase;
      break;
    case ScheduleKind::PiecewiseConstantDecay: {
      Json b = Json::array();
      for (double v : s.boundaries) b.push_back(number_config(v));
      c["boundaries"] = b, c["values"] = s.values;
      break;
    }
    case ScheduleKind::PolynomialDecay:
      c["initial_learning_rate"] = s.initial_learning_rate, c["decay_steps"] = number_config(s.decay_steps);
      c["end_learning_rate"] = s.end_learning_rate, c["power"] = s.power, c["cycle"] = s.cycle;
      break;
    case ScheduleKind::CosineDecay:
      c["initial_learning_rate"] = s.initial_learning_rate, c["decay_steps"] = number_config(s.decay_steps);
      c["alpha"] = s.alpha;
      break;
    case ScheduleKind::CosineDecayRestarts:
      c["initial_learning_rate"] = s.initial_learning_rate, c["first_decay_steps"] = number_config(s.decay_steps);
      c["t_mul"] = s.t_mul, c["m_mul"] = s.m_mul, c["alpha"] = s.alpha;
      break;
  }
  c["name"] = s.name;
  if (s.kind == ScheduleKind::CosineDecay) {
    c["warmup_target"] = optional_number(s.warmup_target);
    c["warmup_steps"] = number_config(s.warmup_steps);
  }
  return wrap("keras.optimizers.schedules", s.class_name(), c);
}

LearningRateSchedule schedule_from(const Json& j) {
  static const std::map<std::string, ScheduleKind> kinds = {
      {"ExponentialDecay", ScheduleKind::ExponentialDecay}, {"PiecewiseConstantDecay", ScheduleKind::PiecewiseConstantDecay},
      {"PolynomialDecay", ScheduleKind::PolynomialDecay}, {"InverseTimeDecay", ScheduleKind::InverseTimeDecay},
      {"CosineDecay", ScheduleKind::CosineDecay}, {"CosineDecayRestarts", ScheduleKind::CosineDecayRestarts},
  };
  const std::string cls = j.value("class_name", std::string());
  if (!kinds.count(cls)) throw ValueError("optimizer: unknown learning-rate schedule in the config: " + j.dump());
  const Json& c = j.value("config", Json::object());
  LearningRateSchedule s;
  s.kind = kinds.at(cls);
  s.initial_learning_rate = field(c, "initial_learning_rate", 0.0);
  s.decay_steps = field(c, s.kind == ScheduleKind::CosineDecayRestarts ? "first_decay_steps" : "decay_steps", 1.0);
  s.decay_rate = field(c, "decay_rate", 0.0);
  s.staircase = field(c, "staircase", false);
  s.boundaries = field(c, "boundaries", std::vector<double>{});
  s.values = field(c, "values", std::vector<double>{});
  s.end_learning_rate = field(c, "end_learning_rate", s.end_learning_rate);
  s.power = field(c, "power", s.power);
  s.cycle = field(c, "cycle", s.cycle);
  s.alpha = field(c, "alpha", s.alpha);
  if (c.contains("warmup_target") && !c["warmup_target"].is_null()) s.warmup_target = c["warmup_target"].get<double>();
  s.warmup_steps = field(c, "warmup_steps", s.warmup_steps);
  s.t_mul = field(c, "t_mul", s.t_mul);
  s.m_mul = field(c, "m_mul", s.m_mul);
  s.name = field(c, "name", cls == "PiecewiseConstantDecay" ? std::string("PiecewiseConstant")
                                : cls == "CosineDecayRestarts" ? std::string("SGDRDecay") : cls);
  s.validate();
  return s;
}

}  // namespace

Json optimizer_config(const OptimizerConfig& o) {
  Json c = Json::object();
  c["name"] = o.name.empty() ? to_snake_case(o.class_name()) : o.name;
  c["learning_rate"] = o.schedule ? schedule_config(*o.schedule) : Json(o.learning_rate);
  c["weight_decay"] = optional_number(o.weight_decay);
  c["clipnorm"] = optional_number(o.clipnorm);
  c["global_clipnorm"] = optional_number(o.global_clipnorm);
  c["clipvalue"] = optional_number(o.clipvalue);
  c["use_ema"] = o.use_ema;
  c["ema_momentum"] = o.ema_momentum;
  c["ema_overwrite_frequency"] = o.ema_overwrite_frequency > 0 ? Json(o.ema_overwrite_frequency) : Json(nullptr);
  c["loss_scale_factor"] = optional_number(o.loss_scale_factor);
  c["gradient_accumulation_steps"] =
      o.gradient_accumulation_steps > 0 ? Json(o.gradient_accumulation_steps) : Json(nullptr);
  rule_of(o.kind).write_config(o, c);
  return wrap("keras.optimizers", o.class_name(), c);
}

OptimizerConfig optimizer_from(const Json& j) {
  if (j.is_string()) return OptimizerConfig::from_name(j.get<std::string>());
  if (!j.is_object() || !j.contains("class_name")) throw ValueError("Could not interpret the optimizer in the compile config: " + j.dump());
  OptimizerConfig o = OptimizerConfig::from_name(j["class_name"].get<std::string>());
  const Json& c = j.value("config", Json::object());
  if (c.contains("learning_rate") && c["learning_rate"].is_object()) {
    o.schedule = schedule_from(c["learning_rate"]);
  } else if (c.contains("learning_rate") && !c["learning_rate"].is_number()) {
    throw ValueError("optimizer: the learning_rate must be a float or a learning-rate schedule; received " +
                     c["learning_rate"].dump());
  } else {
    o.learning_rate = field(c, "learning_rate", o.learning_rate);
  }
  o.name = field(c, "name", o.name);
  o.use_ema = field(c, "use_ema", false);
  o.ema_momentum = field(c, "ema_momentum", o.ema_momentum);
  o.ema_overwrite_frequency = field<int64_t>(c, "ema_overwrite_frequency", 0);
  if (c.contains("loss_scale_factor") && !c["loss_scale_factor"].is_null()) o.loss_scale_factor = c["loss_scale_factor"].get<double>();
  o.gradient_accumulation_steps = field<int64_t>(c, "gradient_accumulation_steps", 0);
  rule_of(o.kind).read_config(c, o);
  for (auto [key, slot] : {std::pair{"weight_decay", &o.weight_decay}, {"clipnorm", &o.clipnorm},
                           {"clipvalue", &o.clipvalue}, {"global_clipnorm", &o.global_clipnorm}})
    if (c.contains(key)) *slot = c[key].is_null() ? std::nullopt : std::optional<double>(c[key].get<double>());
  o.validate();
  return o;
}

// A per-output setting given as one value, a list (output order) or a dict (output names).

std::string optimizer_config_json(const OptimizerConfig& optimizer) { return optimizer_config(optimizer).dump(); }

OptimizerConfig optimizer_config_from_json(const std::string& json) {
  try {
    return optimizer_from(parse_json(json, "optimizer config"));
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(std::string("The optimizer config does not follow the Keras schema: ") + e.what());
  }
}

}  // namespace densekit
