// Keras's config schema (as keras/src/saving/serialization_lib.py writes it): layers, models and compile settings to and from
// JSON. The only place that knows the schema; Python's get_config and the file format use it.
#include "serialization.hpp"

#include <densekit/errors.hpp>
#include <densekit/layers/activation.hpp>
#include <densekit/layers/batch_normalization.hpp>
#include <densekit/layers/dense.hpp>
#include <densekit/layers/dropout.hpp>
#include <densekit/layers/flatten.hpp>
#include <densekit/layers/gaussian_dropout.hpp>
#include <densekit/layers/gaussian_noise.hpp>
#include <densekit/layers/input_layer.hpp>
#include <densekit/layers/layer_normalization.hpp>
#include <densekit/layers/merging.hpp>
#include <densekit/layers/normalization.hpp>
#include <densekit/layers/prelu.hpp>
#include <densekit/layers/rescaling.hpp>
#include <densekit/layers/reshape.hpp>
#include <densekit/naming.hpp>
#include <densekit/serialization.hpp>

#include <algorithm>
#include <cmath>
#include <map>

namespace densekit {
namespace {

Json wrap(const char* module, const std::string& class_name, Json config) {
  Json out = Json::object();
  out["module"] = module;
  out["class_name"] = class_name;
  out["config"] = std::move(config);
  out["registered_name"] = nullptr;
  return out;
}

Json dtype_policy() {
  Json c = Json::object();
  c["name"] = "float32";
  return wrap("keras", "DTypePolicy", c);
}

Json batch_shape(const Shape& shape) {
  Json s = Json::array({nullptr});
  for (int64_t d : shape) s.push_back(d);
  return s;
}

Shape shape_from(const Json& batch, const std::string& what) {
  if (!batch.is_array() || batch.empty()) throw ValueError(what + " must be a list [null, d1, ...]; received " + batch.dump());
  Shape shape;
  for (size_t i = 1; i < batch.size(); ++i) {
    if (!batch[i].is_number_integer() || batch[i].get<int64_t>() <= 0)
      throw ValueError(what + " must have positive integer dimensions after the batch one; received " + batch.dump());
    shape.push_back(batch[i].get<int64_t>());
  }
  return shape;
}

template <class T>
T field(const Json& config, const char* key, T fallback) {
  if (!config.contains(key) || config[key].is_null()) return fallback;
  try {
    return config[key].get<T>();
  } catch (const nlohmann::json::exception&) {
    throw ValueError(std::string("Config field '") + key + "' has the wrong type: " + config[key].dump());
  }
}

// Fields a config may carry only at their default: densekit does not implement them (yet).
void require_null(const Json& config, std::initializer_list<const char*> keys, const std::string& who) {
  for (const char* k : keys)
    if (config.contains(k) && !config[k].is_null())
      throw ValueError(who + ": densekit does not support `" + k + "` (received " + config[k].dump() + ").");
}

// --- activations, initializers, regularizers ---------------------------------------------

Json activation_config(const Activation& a) {
  const Activation plain = Activation::from_name(a.name());
  const bool defaults = a.negative_slope == plain.negative_slope && a.max_value == plain.max_value &&
                        a.threshold == plain.threshold && a.alpha == plain.alpha && a.approximate == plain.approximate;
  if (defaults) return a.name();
  Json c = Json::object();
  c["negative_slope"] = a.negative_slope;
  if (std::isfinite(a.max_value)) c["max_value"] = a.max_value;
  c["threshold"] = a.threshold;
  c["alpha"] = a.alpha;
  c["approximate"] = a.approximate;
  return wrap("densekit.activations", a.name(), c);
}

Activation activation_from(const Json& j) {
  if (j.is_null()) return Activation::from_name("linear");
  if (j.is_string()) return Activation::from_name(j.get<std::string>());
  if (j.is_object() && j.contains("config") && j["config"].is_string()) return Activation::from_name(j["config"].get<std::string>());
  if (j.is_object() && j.contains("class_name")) {
    Activation a = Activation::from_name(j["class_name"].get<std::string>());
    const Json& c = j.value("config", Json::object());
    a.negative_slope = field(c, "negative_slope", a.negative_slope);
    a.max_value = field(c, "max_value", a.max_value);
    a.threshold = field(c, "threshold", a.threshold);
    a.alpha = field(c, "alpha", a.alpha);
    a.approximate = field(c, "approximate", a.approximate);
    return a;
  }
  throw ValueError("Could not interpret the activation in the config: " + j.dump());
}

Json initializer_config(const Initializer& init) {
  Json c = Json::object();
  switch (init.kind) {
    case InitializerKind::Zeros:
    case InitializerKind::Ones: break;
    case InitializerKind::Constant: c["value"] = init.value; break;
    case InitializerKind::RandomNormal:
    case InitializerKind::TruncatedNormal: c["mean"] = init.mean, c["stddev"] = init.stddev, c["seed"] = init.seed; break;
    case InitializerKind::RandomUniform: c["minval"] = init.minval, c["maxval"] = init.maxval, c["seed"] = init.seed; break;
    case InitializerKind::VarianceScaling:
      c["scale"] = init.scale, c["mode"] = init.mode, c["distribution"] = init.distribution, c["seed"] = init.seed;
      break;
    case InitializerKind::Orthogonal: c["gain"] = init.gain, c["seed"] = init.seed; break;
    case InitializerKind::Identity: c["gain"] = init.gain; break;
    default: c["seed"] = init.seed; break;
  }
  return wrap("keras.initializers", init.class_name(), c);
}

Initializer initializer_from(const Json& j) {
  if (j.is_string()) return Initializer::from_name(j.get<std::string>());
  if (!j.is_object() || !j.contains("class_name")) throw ValueError("Could not interpret the initializer in the config: " + j.dump());
  const Json& c = j.value("config", Json::object());
  std::optional<uint64_t> seed;
  if (c.contains("seed") && c["seed"].is_number_integer()) seed = static_cast<uint64_t>(c["seed"].get<int64_t>());
  if (c.contains("seed") && c["seed"].is_number_unsigned()) seed = c["seed"].get<uint64_t>();
  Initializer init = Initializer::from_name(j["class_name"].get<std::string>(), seed);
  init.value = field(c, "value", init.value);
  init.mean = field(c, "mean", init.mean);
  init.stddev = field(c, "stddev", init.stddev);
  init.minval = field(c, "minval", init.minval);
  init.maxval = field(c, "maxval", init.maxval);
  init.scale = field(c, "scale", init.scale);
  init.mode = field(c, "mode", init.mode);
  init.distribution = field(c, "distribution", init.distribution);
  init.gain = field(c, "gain", init.gain);
  return init;
}

Json regularizer_config(const Regularizer& r) {
  if (!r.active()) return nullptr;
  Json c = Json::object();
  if (r.l1 != 0.0 && r.l2 != 0.0) {
    c["l1"] = r.l1, c["l2"] = r.l2;
    return wrap("keras.regularizers", "L1L2", c);
  }
  if (r.l1 != 0.0) {
    c["l1"] = r.l1;
    return wrap("keras.regularizers", "L1", c);
  }
  c["l2"] = r.l2;
  return wrap("keras.regularizers", "L2", c);
}

Regularizer regularizer_from(const Json& j) {
  if (j.is_null()) return {};
  const std::string name = j.is_string() ? j.get<std::string>() : j.value("class_name", std::string());
  const Json c = j.is_object() ? j.value("config", Json::object()) : Json::object();
  if (name == "l1" || name == "L1") return {field(c, "l1", 0.01), 0.0};
  if (name == "l2" || name == "L2") return {0.0, field(c, "l2", 0.01)};
  if (name == "l1_l2" || name == "L1L2") return {field(c, "l1", 0.0), field(c, "l2", 0.0)};
  throw ValueError("Could not interpret the regularizer in the config: " + j.dump());
}

Json number_config(double v) {
  // Integral values (steps, boundaries, axes) are written as integers, as Keras writes them.
  if (std::isfinite(v) && v == std::floor(v) && std::abs(v) < 9e15) return Json(static_cast<int64_t>(v));
  return Json(v);
}

Json constraint_config(const Constraint& k) {
  if (!k.active()) return nullptr;
  Json c = Json::object();
  const Json axis = k.axis.size() == 1 ? Json(k.axis[0]) : Json(k.axis);
  switch (k.kind) {
    case ConstraintKind::MaxNorm: c["max_value"] = number_config(k.max_value), c["axis"] = axis; break;
    case ConstraintKind::UnitNorm: c["axis"] = axis; break;
    case ConstraintKind::MinMaxNorm:
      c["min_value"] = k.min_value, c["max_value"] = k.max_value, c["rate"] = k.rate, c["axis"] = axis;
      break;
    default: break;
  }
  return wrap("keras.constraints", k.class_name(), c);
}

Constraint constraint_from(const Json& j) {
  Constraint k;
  if (j.is_null()) return k;
  const std::string name = j.is_string() ? j.get<std::string>() : j.value("class_name", std::string());
  const Json c = j.is_object() ? j.value("config", Json::object()) : Json::object();
  if (name == "MaxNorm" || name == "max_norm") k.kind = ConstraintKind::MaxNorm, k.max_value = 2.0;
  else if (name == "NonNeg" || name == "non_neg") k.kind = ConstraintKind::NonNeg;
  else if (name == "UnitNorm" || name == "unit_norm") k.kind = ConstraintKind::UnitNorm;
  else if (name == "MinMaxNorm" || name == "min_max_norm") k.kind = ConstraintKind::MinMaxNorm, k.max_value = 1.0;
  else throw ValueError("Could not interpret the constraint in the config: " + j.dump());
  k.max_value = field(c, "max_value", k.max_value);
  k.min_value = field(c, "min_value", k.min_value);
  k.rate = field(c, "rate", k.rate);
  if (c.contains("axis") && !c["axis"].is_null())
    k.axis = c["axis"].is_array() ? c["axis"].get<std::vector<int64_t>>() : std::vector<int64_t>{c["axis"].get<int64_t>()};
  return k;
}

Json base_config(const Layer& layer) {
  Json c = Json::object();
  c["name"] = layer.name();
  c["trainable"] = layer.trainable;
  c["dtype"] = dtype_policy();
  if (layer.activity_regularizer.active()) c["activity_regularizer"] = regularizer_config(layer.activity_regularizer);
  return c;
}

// An int or a list of ints (Keras's axis arguments) as a vector.
std::vector<int> int_list(const Json& j, const char* what) {
  std::vector<int> out;
  if (j.is_number_integer()) return {j.get<int>()};
  if (!j.is_array()) throw ValueError(std::string("Config field '") + what + "' must be an int or a list of ints; received " + j.dump());
  for (const auto& e : j) {
    if (!e.is_number_integer()) throw ValueError(std::string("Config field '") + what + "' must hold ints; received " + j.dump());
    out.push_back(e.get<int>());
  }
  return out;
}

// Row-major values of `shape` as a nested list ({} : a scalar), and back.
Json nested(const std::vector<double>& values, const Shape& shape, size_t dim = 0, size_t offset = 0) {
  if (dim == shape.size()) return values[offset];
  Json out = Json::array();
  const int64_t stride = shape_size(Shape(shape.begin() + static_cast<std::ptrdiff_t>(dim) + 1, shape.end()));
  for (int64_t i = 0; i < shape[dim]; ++i) out.push_back(nested(values, shape, dim + 1, offset + static_cast<size_t>(i * stride)));
  return out;
}

void flatten_nested(const Json& j, std::vector<double>& values, Shape& shape, size_t dim, const char* what) {
  if (j.is_number()) {
    if (dim != shape.size()) throw ValueError(std::string("Config field '") + what + "' is a ragged list.");
    values.push_back(j.get<double>());
    return;
  }
  if (!j.is_array() || j.empty()) throw ValueError(std::string("Config field '") + what + "' must be a number or a nested list of numbers; received " + j.dump());
  if (dim == shape.size()) shape.push_back(static_cast<int64_t>(j.size()));
  else if (shape[dim] != static_cast<int64_t>(j.size())) throw ValueError(std::string("Config field '") + what + "' is a ragged list.");
  for (const auto& e : j) flatten_nested(e, values, shape, dim + 1, what);
}

std::optional<int64_t> optional_seed(const Json& config) {
  if (config.contains("seed") && config["seed"].is_number_integer()) return config["seed"].get<int64_t>();
  return std::nullopt;
}

Initializer initializer_field(const Json& config, const char* key, const char* fallback) {
  return config.contains(key) && !config[key].is_null() ? initializer_from(config[key]) : Initializer::from_name(fallback, 0);
}

// The settings BatchNormalization and LayerNormalization share: epsilon, center, scale and
// their beta/gamma weights' initializers, regularizers and constraints.
template <class Options>
void read_beta_gamma(const Json& config, Options& o) {
  o.epsilon = field(config, "epsilon", 1e-3);
  o.center = field(config, "center", true);
  o.scale = field(config, "scale", true);
  o.beta_initializer = initializer_field(config, "beta_initializer", "zeros");
  o.gamma_initializer = initializer_field(config, "gamma_initializer", "ones");
  o.beta_regularizer = regularizer_from(config.value("beta_regularizer", Json(nullptr)));
  o.gamma_regularizer = regularizer_from(config.value("gamma_regularizer", Json(nullptr)));
  o.beta_constraint = constraint_from(config.value("beta_constraint", Json(nullptr)));
  o.gamma_constraint = constraint_from(config.value("gamma_constraint", Json(nullptr)));
}

// Their regularizers and constraints, in Keras's key order (both write them last).
template <class Options>
void write_beta_gamma_penalties(Json& c, const Options& o) {
  c["beta_regularizer"] = regularizer_config(o.beta_regularizer);
  c["gamma_regularizer"] = regularizer_config(o.gamma_regularizer);
  c["beta_constraint"] = constraint_config(o.beta_constraint);
  c["gamma_constraint"] = constraint_config(o.gamma_constraint);
}

// --- compile settings ----------------------------------------------------------------------

const std::map<LossKind, const char*>& loss_classes() {
  static const std::map<LossKind, const char*> m = {
      {LossKind::MeanSquaredError, "MeanSquaredError"}, {LossKind::MeanAbsoluteError, "MeanAbsoluteError"},
      {LossKind::MeanAbsolutePercentageError, "MeanAbsolutePercentageError"},
      {LossKind::MeanSquaredLogarithmicError, "MeanSquaredLogarithmicError"}, {LossKind::Huber, "Huber"},
      {LossKind::LogCosh, "LogCosh"}, {LossKind::Hinge, "Hinge"}, {LossKind::SquaredHinge, "SquaredHinge"},
      {LossKind::CategoricalHinge, "CategoricalHinge"}, {LossKind::KLDivergence, "KLDivergence"},
      {LossKind::Poisson, "Poisson"}, {LossKind::CosineSimilarity, "CosineSimilarity"},
      {LossKind::BinaryCrossentropy, "BinaryCrossentropy"}, {LossKind::CategoricalCrossentropy, "CategoricalCrossentropy"},
      {LossKind::SparseCategoricalCrossentropy, "SparseCategoricalCrossentropy"},
  };
  return m;
}

const char* reduction_name(Reduction r) {
  switch (r) {
    case Reduction::SumOverBatchSize: return "sum_over_batch_size";
    case Reduction::Sum: return "sum";
    case Reduction::MeanWithSampleWeight: return "mean_with_sample_weight";
    case Reduction::None: return "none";
  }
  return "sum_over_batch_size";
}

Json loss_config(const Loss& l) {
  if (!l.identifier.empty()) return l.identifier;
  if (!loss_classes().count(l.kind)) return l.name();
  Json c = Json::object();
  c["name"] = l.display_name.empty() ? l.name() : l.display_name;
  c["reduction"] = reduction_name(l.reduction);
  if (l.kind == LossKind::Huber) c["delta"] = l.delta;
  if (l.kind == LossKind::BinaryCrossentropy || l.kind == LossKind::CategoricalCrossentropy ||
      l.kind == LossKind::SparseCategoricalCrossentropy)
    c["from_logits"] = l.from_logits;
  if (l.kind == LossKind::BinaryCrossentropy || l.kind == LossKind::CategoricalCrossentropy)
    c["label_smoothing"] = l.label_smoothing;
  return wrap("keras.losses", loss_classes().at(l.kind), c);
}

Loss loss_from(const Json& j) {
  if (j.is_string()) return Loss::from_name(j.get<std::string>());
  if (!j.is_object() || !j.contains("class_name")) throw ValueError("Could not interpret the loss in the compile config: " + j.dump());
  Loss l = Loss::from_name(j["class_name"].get<std::string>());
  const Json& c = j.value("config", Json::object());
  l.identifier.clear();
  l.display_name = field(c, "name", l.display_name);
  l.from_logits = field(c, "from_logits", l.from_logits);
  l.label_smoothing = field(c, "label_smoothing", l.label_smoothing);
  l.delta = field(c, "delta", l.delta);
  if (c.contains("reduction")) l.reduction = Loss::reduction_from_name(c["reduction"].is_null() ? "none" : c["reduction"].get<std::string>());
  return l;
}

const std::map<MetricKind, const char*>& metric_classes() {
  static const std::map<MetricKind, const char*> m = {
      {MetricKind::BinaryAccuracy, "BinaryAccuracy"}, {MetricKind::CategoricalAccuracy, "CategoricalAccuracy"},
      {MetricKind::SparseCategoricalAccuracy, "SparseCategoricalAccuracy"},
      {MetricKind::TopKCategoricalAccuracy, "TopKCategoricalAccuracy"},
      {MetricKind::SparseTopKCategoricalAccuracy, "SparseTopKCategoricalAccuracy"},
      {MetricKind::MeanAbsoluteError, "MeanAbsoluteError"}, {MetricKind::MeanSquaredError, "MeanSquaredError"},
      {MetricKind::MeanAbsolutePercentageError, "MeanAbsolutePercentageError"},
      {MetricKind::MeanSquaredLogarithmicError, "MeanSquaredLogarithmicError"},
      {MetricKind::RootMeanSquaredError, "RootMeanSquaredError"}, {MetricKind::Precision, "Precision"},
      {MetricKind::Recall, "Recall"}, {MetricKind::AUC, "AUC"},
  };
  return m;
}

Json metric_config(const Metric& m) {
  if (!m.identifier.empty()) return m.identifier;
  Json c = Json::object();
  c["name"] = m.name();
  c["dtype"] = "float32";
  switch (m.kind()) {
    case MetricKind::BinaryAccuracy: c["threshold"] = m.threshold; break;
    case MetricKind::TopKCategoricalAccuracy:
    case MetricKind::SparseTopKCategoricalAccuracy: c["k"] = m.k; break;
    case MetricKind::Precision:
    case MetricKind::Recall: c["thresholds"] = m.threshold; break;
    case MetricKind::AUC: c["num_thresholds"] = m.num_thresholds, c["from_logits"] = m.from_logits; break;
    default: break;
  }
  if (m.kind() == MetricKind::LossFunction) return wrap("keras.metrics", loss_classes().at(m.loss.kind), c);
  if (!metric_classes().count(m.kind())) return m.name();
  return wrap("keras.metrics", metric_classes().at(m.kind()), c);
}

MetricPtr metric_from(const Json& j) {
  if (j.is_string()) return Metric::from_name(j.get<std::string>());
  if (!j.is_object() || !j.contains("class_name")) throw ValueError("Could not interpret the metric in the compile config: " + j.dump());
  MetricPtr m = Metric::from_name(j["class_name"].get<std::string>());
  const Json& c = j.value("config", Json::object());
  m->identifier.clear();
  m->set_name(field(c, "name", m->name()));
  m->threshold = field(c, "threshold", m->threshold);
  m->threshold = field(c, "thresholds", m->threshold);
  m->k = field(c, "k", m->k);
  m->num_thresholds = field(c, "num_thresholds", m->num_thresholds);
  m->from_logits = field(c, "from_logits", m->from_logits);
  return m;
}

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
  switch (o.kind) {
    case OptimizerKind::SGD: c["momentum"] = o.momentum, c["nesterov"] = o.nesterov; break;
    case OptimizerKind::Adam:
    case OptimizerKind::AdamW:
      c["beta_1"] = o.beta_1, c["beta_2"] = o.beta_2, c["epsilon"] = o.epsilon, c["amsgrad"] = o.amsgrad;
      break;
    case OptimizerKind::RMSprop:
      c["rho"] = o.rho, c["momentum"] = o.momentum, c["epsilon"] = o.epsilon, c["centered"] = o.centered;
      break;
    case OptimizerKind::Adagrad: c["initial_accumulator_value"] = o.initial_accumulator_value, c["epsilon"] = o.epsilon; break;
    case OptimizerKind::Adadelta: c["rho"] = o.rho, c["epsilon"] = o.epsilon; break;
    case OptimizerKind::Adamax:
    case OptimizerKind::Nadam: c["beta_1"] = o.beta_1, c["beta_2"] = o.beta_2, c["epsilon"] = o.epsilon; break;
  }
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
  o.beta_1 = field(c, "beta_1", o.beta_1);
  o.beta_2 = field(c, "beta_2", o.beta_2);
  o.epsilon = field(c, "epsilon", o.epsilon);
  o.amsgrad = field(c, "amsgrad", o.amsgrad);
  o.momentum = field(c, "momentum", o.momentum);
  o.nesterov = field(c, "nesterov", o.nesterov);
  o.rho = field(c, "rho", o.rho);
  o.centered = field(c, "centered", o.centered);
  o.initial_accumulator_value = field(c, "initial_accumulator_value", o.initial_accumulator_value);
  for (auto [key, slot] : {std::pair{"weight_decay", &o.weight_decay}, {"clipnorm", &o.clipnorm},
                           {"clipvalue", &o.clipvalue}, {"global_clipnorm", &o.global_clipnorm}})
    if (c.contains(key)) *slot = c[key].is_null() ? std::nullopt : std::optional<double>(c[key].get<double>());
  o.validate();
  return o;
}

// A per-output setting given as one value, a list (output order) or a dict (output names).
template <class T, class Parse>
std::vector<T> per_output(const Json& j, const Model& model, Parse parse, const char* what) {
  const auto& names = model.output_names;
  std::vector<T> out;
  if (j.is_array() && names.size() > 1) {
    if (j.size() != names.size()) throw ValueError(std::string("compile config: `") + what + "` has " + std::to_string(j.size()) + " entries for " + std::to_string(names.size()) + " outputs.");
    for (const auto& e : j) out.push_back(parse(e));
  } else if (j.is_object() && !j.contains("class_name")) {
    for (const auto& n : names) {
      if (!j.contains(n)) throw ValueError(std::string("compile config: `") + what + "` has no entry for output '" + n + "'.");
      out.push_back(parse(j[n]));
    }
  } else {
    out.assign(names.size(), parse(j));
  }
  return out;
}

// --- functional graphs ---------------------------------------------------------------------

Json tensor_ref(const std::string& layer, int node_index, const Shape& shape) {
  Json history = Json::array({layer, node_index, 0});
  Json c = Json::object();
  c["shape"] = batch_shape(shape);
  c["dtype"] = "float32";
  c["keras_history"] = history;
  Json t = Json::object();
  t["class_name"] = "__keras_tensor__";
  t["config"] = c;
  return t;
}

void collect_tensors(const Json& j, std::vector<Json>& out) {
  if (j.is_array()) {
    for (const auto& e : j) collect_tensors(e, out);
  } else if (j.is_object() && j.value("class_name", std::string()) == "__keras_tensor__") {
    const auto config = j.find("config");
    if (config == j.end() || !config->is_object() || !config->contains("keras_history"))
      throw ValueError("The model config has a tensor without a config.keras_history: " + j.dump());
    const Json& history = (*config)["keras_history"];
    if (!history.is_array() || history.size() < 2 || !history[0].is_string() || !history[1].is_number_unsigned())
      throw ValueError("The model config has a tensor whose keras_history is not [layer name, node index, tensor index]: " +
                       history.dump());
    out.push_back(history);
  }
}

// input_layers / output_layers: one [name, node, 0] triple for a bare tensor, a list of them,
// or a dict of them (Keras maps the structure the model was built with).
Json structured_triples(const std::vector<std::pair<std::string, int>>& refs, Model::Structure structure,
                        const std::vector<std::string>& keys) {
  auto triple = [](const std::pair<std::string, int>& r) { return Json::array({r.first, r.second, 0}); };
  if (structure == Model::Structure::Tensor && refs.size() == 1) return triple(refs[0]);
  if (structure == Model::Structure::Dict && keys.size() == refs.size()) {
    Json out = Json::object();
    for (size_t i = 0; i < refs.size(); ++i) out[keys[i]] = triple(refs[i]);
    return out;
  }
  Json out = Json::array();
  for (const auto& r : refs) out.push_back(triple(r));
  return out;
}

bool is_triple(const Json& j) { return j.is_array() && j.size() == 3 && j[0].is_string(); }

// The triples of input_layers / output_layers, with the structure and dict keys they had.
std::vector<Json> triples_from(const Json& j, Model::Structure& structure, std::vector<std::string>& keys) {
  keys.clear();
  if (is_triple(j)) {
    structure = Model::Structure::Tensor;
    return {j};
  }
  std::vector<Json> out;
  if (j.is_object()) {
    // Keras flattens a dict in sorted key order.
    structure = Model::Structure::Dict;
    for (const auto& [key, value] : j.items()) keys.push_back(key);
    std::sort(keys.begin(), keys.end());
    for (const auto& key : keys) {
      if (!is_triple(j[key])) throw ValueError("The model config has a malformed input/output entry: " + j[key].dump());
      out.push_back(j[key]);
    }
    return out;
  }
  if (!j.is_array()) throw ValueError("The model config's input_layers / output_layers must be lists; received " + j.dump());
  structure = Model::Structure::List;
  for (const auto& e : j) {
    if (!is_triple(e)) throw ValueError("The model config has a malformed input/output entry: " + e.dump());
    out.push_back(e);
  }
  return out;
}

}  // namespace

Json layer_config(const Layer& layer) {
  Json c = base_config(layer);
  if (auto* d = dynamic_cast<const Dense*>(&layer)) {
    c["units"] = d->units();
    c["activation"] = activation_config(d->options().activation);
    c["use_bias"] = d->options().use_bias;
    c["kernel_initializer"] = initializer_config(d->options().kernel_initializer);
    c["bias_initializer"] = initializer_config(d->options().bias_initializer);
    c["kernel_regularizer"] = regularizer_config(d->options().kernel_regularizer);
    c["bias_regularizer"] = regularizer_config(d->options().bias_regularizer);
    c["kernel_constraint"] = constraint_config(d->options().kernel_constraint);
    c["bias_constraint"] = constraint_config(d->options().bias_constraint);
    c["quantization_config"] = nullptr;
  } else if (auto* dr = dynamic_cast<const Dropout*>(&layer)) {
    c["rate"] = dr->rate();
    c["seed"] = dr->seed ? Json(*dr->seed) : Json(nullptr);
    c["noise_shape"] = nullptr;
  } else if (dynamic_cast<const Flatten*>(&layer)) {
    c["data_format"] = "channels_last";
  } else if (auto* a = dynamic_cast<const ActivationLayer*>(&layer)) {
    const Activation& act = a->activation();
    const std::string cls = a->class_name();
    if (cls == "ReLU") {
      c["max_value"] = std::isfinite(act.max_value) ? Json(act.max_value) : Json(nullptr);
      c["negative_slope"] = act.negative_slope;
      c["threshold"] = act.threshold;
    } else if (cls == "LeakyReLU") {
      c["negative_slope"] = act.negative_slope;
    } else if (cls == "ELU") {
      c["alpha"] = act.alpha;
    } else if (cls == "Softmax") {
      c["axis"] = a->axis();
    } else {
      c["activation"] = activation_config(act);
    }
  } else if (auto* m = dynamic_cast<const Merge*>(&layer)) {
    (void)m;  // the base config only
  } else if (auto* cat = dynamic_cast<const Concatenate*>(&layer)) {
    c["axis"] = cat->axis();
  } else if (auto* nz = dynamic_cast<const Normalization*>(&layer)) {
    const auto& o = nz->options();
    c["axis"] = o.axis;
    c["invert"] = o.invert;
    c["mean"] = o.mean ? nested(*o.mean, o.value_shape) : Json(nullptr);
    c["variance"] = o.variance ? nested(*o.variance, o.value_shape) : Json(nullptr);
  } else if (auto* bn = dynamic_cast<const BatchNormalization*>(&layer)) {
    const auto& o = bn->options();
    c["axis"] = o.axis;
    c["momentum"] = o.momentum;
    c["epsilon"] = o.epsilon;
    c["center"] = o.center;
    c["scale"] = o.scale;
    c["beta_initializer"] = initializer_config(o.beta_initializer);
    c["gamma_initializer"] = initializer_config(o.gamma_initializer);
    c["moving_mean_initializer"] = initializer_config(o.moving_mean_initializer);
    c["moving_variance_initializer"] = initializer_config(o.moving_variance_initializer);
    write_beta_gamma_penalties(c, o);
    c["synchronized"] = false;
  } else if (auto* ln = dynamic_cast<const LayerNormalization*>(&layer)) {
    const auto& o = ln->options();
    // Keras turns `axis=-1` into [-1] when the layer is built.
    c["axis"] = o.axis_is_list || ln->built() ? Json(o.axis) : Json(o.axis[0]);
    c["epsilon"] = o.epsilon;
    c["center"] = o.center;
    c["scale"] = o.scale;
    c["rms_scaling"] = false;
    c["beta_initializer"] = initializer_config(o.beta_initializer);
    c["gamma_initializer"] = initializer_config(o.gamma_initializer);
    write_beta_gamma_penalties(c, o);
  } else if (auto* gn = dynamic_cast<const GaussianNoise*>(&layer)) {
    c["stddev"] = gn->stddev();
    c["seed"] = gn->seed ? Json(*gn->seed) : Json(nullptr);
  } else if (auto* gd = dynamic_cast<const GaussianDropout*>(&layer)) {
    c["rate"] = gd->rate();
    c["seed"] = gd->seed ? Json(*gd->seed) : Json(nullptr);
  } else if (auto* rs = dynamic_cast<const Rescaling*>(&layer)) {
    c["scale"] = rs->scale();
    c["offset"] = rs->offset();
  } else if (auto* rh = dynamic_cast<const Reshape*>(&layer)) {
    c["target_shape"] = rh->target_shape();
  } else if (auto* pr = dynamic_cast<const PReLU*>(&layer)) {
    const auto& o = pr->options();
    c["alpha_initializer"] = initializer_config(o.alpha_initializer);
    c["alpha_regularizer"] = regularizer_config(o.alpha_regularizer);
    c["alpha_constraint"] = constraint_config(o.alpha_constraint);
    c["shared_axes"] = o.has_shared_axes ? Json(o.shared_axes) : Json(nullptr);
  } else if (auto* in = dynamic_cast<const InputLayer*>(&layer)) {
    Json ic = Json::object();
    ic["batch_shape"] = batch_shape(in->shape());
    ic["dtype"] = "float32";
    ic["sparse"] = false;
    ic["ragged"] = false;
    ic["name"] = in->name();
    ic["optional"] = false;
    return ic;
  } else {
    throw ValueError("densekit cannot serialize a layer of class " + layer.class_name() + ".");
  }
  return c;
}

LayerPtr layer_from_config(const std::string& class_name, const Json& config) {
  if (!config.is_object()) throw ValueError("The config of a " + class_name + " layer must be an object; received " + config.dump());
  const std::string name = field(config, "name", std::string());
  auto named = [&](const char* cls) { return name.empty() ? auto_name(cls) : name; };
  LayerPtr layer;
  if (class_name == "Dense") {
    require_null(config, {"lora_rank", "quantization_config"}, "Dense");
    if (!config.contains("units")) throw ValueError("The config of Dense layer '" + name + "' has no `units`.");
    DenseOptions options{activation_from(config.value("activation", Json(nullptr))), field(config, "use_bias", true),
                         config.contains("kernel_initializer") ? initializer_from(config["kernel_initializer"]) : Initializer::from_name("glorot_uniform"),
                         config.contains("bias_initializer") ? initializer_from(config["bias_initializer"]) : Initializer::from_name("zeros"),
                         regularizer_from(config.value("kernel_regularizer", Json(nullptr))),
                         regularizer_from(config.value("bias_regularizer", Json(nullptr))),
                         constraint_from(config.value("kernel_constraint", Json(nullptr))),
                         constraint_from(config.value("bias_constraint", Json(nullptr)))};
    layer = std::make_shared<Dense>(named("Dense"), field<int64_t>(config, "units", 0), options);
  } else if (class_name == "Dropout") {
    require_null(config, {"noise_shape"}, "Dropout");
    auto d = std::make_shared<Dropout>(named("Dropout"), field(config, "rate", -1.0));
    if (config.contains("seed") && config["seed"].is_number_integer()) d->seed = config["seed"].get<int64_t>();
    layer = d;
  } else if (class_name == "Flatten") {
    layer = std::make_shared<Flatten>(named("Flatten"));
  } else if (class_name == "Activation") {
    layer = std::make_shared<ActivationLayer>(named("Activation"), activation_from(config.value("activation", Json(nullptr))));
  } else if (class_name == "ReLU") {
    Activation a = Activation::from_name("relu");
    a.max_value = field(config, "max_value", a.max_value);
    a.negative_slope = field(config, "negative_slope", 0.0);
    a.threshold = field(config, "threshold", 0.0);
    if (a.max_value < 0.0 || a.negative_slope < 0.0 || a.threshold < 0.0)
      throw ValueError("ReLU: max_value, negative_slope and threshold cannot be negative; received " + config.dump());
    layer = std::make_shared<ActivationLayer>(named("ReLU"), a, "ReLU");
  } else if (class_name == "LeakyReLU") {
    Activation a = Activation::from_name("leaky_relu");
    a.negative_slope = field(config, "negative_slope", field(config, "alpha", 0.3));
    layer = std::make_shared<ActivationLayer>(named("LeakyReLU"), a, "LeakyReLU");
  } else if (class_name == "ELU") {
    Activation a = Activation::from_name("elu");
    a.alpha = field(config, "alpha", 1.0);
    layer = std::make_shared<ActivationLayer>(named("ELU"), a, "ELU");
  } else if (class_name == "Softmax") {
    const std::vector<int> axis = int_list(config.value("axis", Json(-1)), "axis");
    if (axis.size() != 1) throw ValueError("Softmax: densekit normalizes along one axis; received axis=" + config["axis"].dump());
    layer = std::make_shared<ActivationLayer>(named("Softmax"), Activation::from_name("softmax"), "Softmax", axis[0]);
  } else if (class_name == "PReLU") {
    PReLUOptions o;
    o.alpha_constraint = constraint_from(config.value("alpha_constraint", Json(nullptr)));
    o.alpha_initializer = initializer_field(config, "alpha_initializer", "zeros");
    o.alpha_regularizer = regularizer_from(config.value("alpha_regularizer", Json(nullptr)));
    if (config.contains("shared_axes") && !config["shared_axes"].is_null())
      o.shared_axes = int_list(config["shared_axes"], "shared_axes"), o.has_shared_axes = true;
    layer = std::make_shared<PReLU>(named("PReLU"), o);
  } else if (class_name == "Add" || class_name == "Subtract" || class_name == "Multiply" || class_name == "Average" ||
             class_name == "Maximum" || class_name == "Minimum") {
    static const std::map<std::string, MergeOp> ops = {{"Add", MergeOp::Add}, {"Subtract", MergeOp::Subtract},
                                                       {"Multiply", MergeOp::Multiply}, {"Average", MergeOp::Average},
                                                       {"Maximum", MergeOp::Maximum}, {"Minimum", MergeOp::Minimum}};
    layer = std::make_shared<Merge>(named(class_name.c_str()), ops.at(class_name));
  } else if (class_name == "Concatenate") {
    layer = std::make_shared<Concatenate>(named("Concatenate"), field(config, "axis", -1));
  } else if (class_name == "Normalization") {
    NormalizationOptions o;
    o.axis = config.contains("axis") && !config["axis"].is_null() ? int_list(config["axis"], "axis") : std::vector<int>{};
    o.invert = field(config, "invert", false);
    const Json mean = config.value("mean", Json(nullptr)), variance = config.value("variance", Json(nullptr));
    if (!mean.is_null() || !variance.is_null()) {
      std::vector<double> m, v;
      Shape ms, vs;
      if (!mean.is_null()) flatten_nested(mean, m, ms, 0, "mean");
      if (!variance.is_null()) flatten_nested(variance, v, vs, 0, "variance");
      if (mean.is_null() || variance.is_null() || ms != vs)
        throw ValueError("Normalization: `mean` and `variance` must both be given, with the same shape; received " + config.dump());
      o.mean = m, o.variance = v, o.value_shape = ms;
    }
    layer = std::make_shared<Normalization>(named("Normalization"), o);
  } else if (class_name == "BatchNormalization") {
    if (field(config, "synchronized", false)) throw ValueError("BatchNormalization: densekit does not support `synchronized=True`.");
    if (field(config, "renorm", false)) throw ValueError("BatchNormalization: densekit does not support `renorm=True`.");
    BatchNormalizationOptions o;
    o.axis = field(config, "axis", -1);
    o.momentum = field(config, "momentum", 0.99);
    read_beta_gamma(config, o);
    o.moving_mean_initializer = initializer_field(config, "moving_mean_initializer", "zeros");
    o.moving_variance_initializer = initializer_field(config, "moving_variance_initializer", "ones");
    layer = std::make_shared<BatchNormalization>(named("BatchNormalization"), o);
  } else if (class_name == "LayerNormalization") {
    if (field(config, "rms_scaling", false)) throw ValueError("LayerNormalization: densekit does not support `rms_scaling=True`.");
    LayerNormalizationOptions o;
    const Json axis = config.value("axis", Json(-1));
    o.axis = int_list(axis, "axis");
    o.axis_is_list = axis.is_array();
    read_beta_gamma(config, o);
    layer = std::make_shared<LayerNormalization>(named("LayerNormalization"), o);
  } else if (class_name == "GaussianNoise") {
    auto g = std::make_shared<GaussianNoise>(named("GaussianNoise"), field(config, "stddev", -1.0));
    g->seed = optional_seed(config);
    layer = g;
  } else if (class_name == "GaussianDropout") {
    auto g = std::make_shared<GaussianDropout>(named("GaussianDropout"), field(config, "rate", -1.0));
    g->seed = optional_seed(config);
    layer = g;
  } else if (class_name == "Rescaling") {
    if (config.contains("scale") && !config["scale"].is_number())
      throw ValueError("Rescaling: densekit supports a number `scale` only; received " + config["scale"].dump());
    if (config.contains("offset") && !config["offset"].is_number())
      throw ValueError("Rescaling: densekit supports a number `offset` only; received " + config["offset"].dump());
    layer = std::make_shared<Rescaling>(named("Rescaling"), field(config, "scale", 1.0), field(config, "offset", 0.0));
  } else if (class_name == "Reshape") {
    if (!config.contains("target_shape")) throw ValueError("The config of Reshape layer '" + name + "' has no `target_shape`.");
    Shape target;
    for (int d : int_list(config["target_shape"], "target_shape")) target.push_back(d);
    layer = std::make_shared<Reshape>(named("Reshape"), target);
  } else if (class_name == "InputLayer") {
    const Json shape = config.contains("batch_shape") ? config["batch_shape"]
                       : config.contains("batch_input_shape") ? config["batch_input_shape"] : Json(nullptr);
    layer = std::make_shared<InputLayer>(named("InputLayer"), shape_from(shape, "InputLayer batch_shape"));
  } else {
    throw ValueError("Unknown layer type '" + class_name +
                     "' in the config: densekit supports Dense, Dropout, Flatten, Activation, ReLU, LeakyReLU, ELU, Softmax, PReLU, "
                     "Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Normalization, BatchNormalization, "
                     "LayerNormalization, GaussianNoise, GaussianDropout, Rescaling, Reshape and InputLayer.");
  }
  layer->trainable = field(config, "trainable", true);
  if (class_name != "InputLayer") layer->activity_regularizer = regularizer_from(config.value("activity_regularizer", Json(nullptr)));
  return layer;
}

Json compile_config(const Model& model) {
  const CompileOptions& options = model.compile_options();
  const bool multi = model.output_names.size() > 1;
  Json c = Json::object();
  c["optimizer"] = optimizer_config(model.optimizer_ptr()->config());
  Json losses = Json::array();
  for (const auto& l : options.losses) losses.push_back(loss_config(l));
  c["loss"] = multi ? losses : losses[0];
  const bool unit_weights = std::all_of(options.loss_weights.begin(), options.loss_weights.end(), [](double w) { return w == 1.0; });
  c["loss_weights"] = unit_weights ? Json(nullptr) : (multi ? Json(options.loss_weights) : Json(options.loss_weights[0]));
  Json metrics = Json::array();
  bool any = false;
  for (const auto& per_output : options.metrics) {
    Json list = Json::array();
    for (const auto& m : per_output) list.push_back(metric_config(*m)), any = true;
    metrics.push_back(list);
  }
  c["metrics"] = !any ? Json(nullptr) : (multi ? metrics : metrics[0]);
  Json weighted = Json::array();
  bool any_weighted = false;
  for (const auto& per_output : options.weighted_metrics) {
    Json list = Json::array();
    for (const auto& m : per_output) list.push_back(metric_config(*m)), any_weighted = true;
    weighted.push_back(list);
  }
  c["weighted_metrics"] = !any_weighted ? Json(nullptr) : (multi ? weighted : weighted[0]);
  c["run_eagerly"] = false;
  c["steps_per_execution"] = 1;
  c["jit_compile"] = false;
  return c;
}

void compile_from_config(Model& model, const Json& config) {
  if (!config.is_object()) throw ValueError("The compile config must be an object; received " + config.dump());
  auto optimizer = std::make_shared<Optimizer>(optimizer_from(config.at("optimizer")));
  CompileOptions options;
  options.losses = per_output<Loss>(config.at("loss"), model, loss_from, "loss");
  const Json& weights = config.value("loss_weights", Json(nullptr));
  if (!weights.is_null())
    options.loss_weights = per_output<double>(weights, model, [](const Json& w) { return w.get<double>(); }, "loss_weights");
  auto parse_metrics = [&](const char* key) {
    std::vector<std::vector<MetricPtr>> out;
    const Json& metrics = config.value(key, Json(nullptr));
    if (metrics.is_null()) return out;
    const bool nested = model.output_names.size() > 1 && ((metrics.is_array() && !metrics.empty() && metrics[0].is_array()) || metrics.is_object());
    auto parse_list = [](const Json& list) {
      std::vector<MetricPtr> metrics_list;
      for (const auto& m : (list.is_array() ? list : Json::array({list}))) metrics_list.push_back(metric_from(m));
      return metrics_list;
    };
    if (nested) return per_output<std::vector<MetricPtr>>(metrics, model, parse_list, key);
    out.assign(model.output_names.size(), parse_list(metrics));
    return out;
  };
  options.metrics = parse_metrics("metrics");
  options.weighted_metrics = parse_metrics("weighted_metrics");
  model.compile(optimizer, std::move(options));
}

Json model_config(const Model& model) {
  const Graph& g = model.graph();
  Json layers = Json::array();
  Json config = Json::object();
  config["name"] = model.name;
  config["trainable"] = true;
  Json build = Json::object();
  if (model.class_name == "Sequential") {
    config["dtype"] = dtype_policy();
    const Node& input = g.nodes()[g.input_nodes()[0]];
    layers.push_back(wrap("keras.layers", "InputLayer", layer_config(InputLayer(input.name, input.shape))));
    for (const Node& n : g.nodes()) {
      if (!n.layer) continue;
      Json entry = wrap("keras.layers", n.layer->class_name(), layer_config(*n.layer));
      Json bc = Json::object();
      bc["input_shape"] = batch_shape(g.nodes()[n.inputs[0]].shape);
      entry["build_config"] = bc;
      layers.push_back(entry);
    }
    config["layers"] = layers;
    config["build_input_shape"] = batch_shape(input.shape);
    build["input_shape"] = batch_shape(input.shape);
  } else {
    // Each distinct layer once, in order of first use, with one inbound node per call.
    std::map<const Layer*, size_t> entry_of;
    std::vector<int> call_index(g.nodes().size(), 0);
    std::map<const Layer*, int> calls;
    for (size_t i = 0; i < g.nodes().size(); ++i) {
      const Node& n = g.nodes()[i];
      if (!n.layer) {
        Json entry = wrap("keras.layers", "InputLayer", layer_config(InputLayer(n.name, n.shape)));
        entry["name"] = n.name;
        entry["inbound_nodes"] = Json::array();
        layers.push_back(entry);
        continue;
      }
      call_index[i] = calls[n.layer.get()]++;
      Json tensors = Json::array();
      for (int j : n.inputs) tensors.push_back(tensor_ref(g.nodes()[j].name, call_index[j], g.nodes()[j].shape));
      Json node = Json::object();
      node["args"] = Json::array({n.inputs.size() == 1 ? tensors[0] : tensors});
      node["kwargs"] = Json::object();
      if (n.training) node["kwargs"]["training"] = *n.training;
      if (!entry_of.count(n.layer.get())) {
        Json entry = wrap("keras.layers", n.layer->class_name(), layer_config(*n.layer));
        Json bc = Json::object();
        if (n.inputs.size() == 1) {
          bc["input_shape"] = batch_shape(g.nodes()[n.inputs[0]].shape);
        } else {
          bc["input_shape"] = Json::array();
          for (int j : n.inputs) bc["input_shape"].push_back(batch_shape(g.nodes()[j].shape));
        }
        entry["build_config"] = bc;
        entry["name"] = n.layer->name();
        entry["inbound_nodes"] = Json::array();
        entry_of[n.layer.get()] = layers.size();
        layers.push_back(entry);
      }
      layers[entry_of[n.layer.get()]]["inbound_nodes"].push_back(node);
    }
    std::vector<std::pair<std::string, int>> ins, outs;
    for (int i : g.input_nodes()) ins.emplace_back(g.nodes()[i].name, 0);
    for (int o : g.output_nodes()) outs.emplace_back(g.nodes()[o].name, call_index[o]);
    config["layers"] = layers;
    config["input_layers"] = structured_triples(ins, model.input_structure, model.input_keys);
    config["output_layers"] = structured_triples(outs, model.output_structure, model.output_keys);
  }
  Json out = wrap("keras", model.class_name, config);
  if (!build.empty()) out["build_config"] = build;
  if (model.compiled()) out["compile_config"] = compile_config(model);
  return out;
}

std::shared_ptr<Model> model_from_config(const Json& json, bool compile,
                                         const std::function<void(const Graph&)>& before_allocation) {
  if (!json.is_object() || !json.contains("class_name") || !json.contains("config"))
    throw ValueError("A model config needs `class_name` and `config`; received keys " + json.dump().substr(0, 200));
  const std::string class_name = json["class_name"].get<std::string>();
  const Json& config = json["config"];
  const Json& layers = config.value("layers", Json::array());
  auto graph = std::make_shared<Graph>();
  std::string name = field(config, "name", std::string());
  Model::Structure input_structure = Model::Structure::Tensor, output_structure = Model::Structure::Tensor;
  std::vector<std::string> input_keys, output_keys;
  if (class_name == "Sequential") {
    size_t first = 0;
    int node = -1;
    if (!layers.empty() && layers[0].value("class_name", std::string()) == "InputLayer") {
      auto in = std::dynamic_pointer_cast<InputLayer>(layer_from_config("InputLayer", layers[0]["config"]));
      node = graph->add_input(in->shape(), in->name());
      first = 1;
    } else {
      Json shape = config.value("build_input_shape", Json(nullptr));
      if (shape.is_null() && json.contains("build_config")) shape = json["build_config"].value("input_shape", Json(nullptr));
      if (shape.is_null())
        throw ValueError("The config describes a Sequential model that was never built (no input shape): it cannot be rebuilt with weights.");
      node = graph->add_input(shape_from(shape, "build_input_shape"), auto_name("InputLayer"));
    }
    for (size_t i = first; i < layers.size(); ++i)
      node = graph->add_layer(layer_from_config(layers[i].at("class_name").get<std::string>(), layers[i].at("config")), {node});
    graph->set_outputs({node});
    if (name.empty()) name = auto_name("Sequential");
  } else if (class_name == "Functional" || class_name == "Model") {
    std::map<std::string, std::vector<int>> nodes_of;  // layer name → node ids, in call order
    // Entries in config order; an InputLayer is one "call" that adds the input. Nodes are added in
    // that order as far as their inputs exist (a shared layer may be called on tensors listed
    // later: further passes resolve it), so the graph keeps Keras's layer order.
    struct Pending {
      LayerPtr layer;
      std::shared_ptr<InputLayer> input;
      std::vector<Json> calls;
      size_t next = 0;
    };
    std::vector<Pending> pending;
    std::map<std::string, int> names;
    for (const auto& entry : layers) {
      const std::string cls = entry.at("class_name").get<std::string>();
      const std::string layer_name = entry.value("name", entry.at("config").value("name", std::string()));
      if (++names[layer_name] > 1)
        throw ValueError("The model config names two layers '" + layer_name + "': layer names must be unique in a model.");
      Pending p;
      if (cls == "InputLayer") {
        p.input = std::dynamic_pointer_cast<InputLayer>(layer_from_config(cls, entry.at("config")));
        p.layer = p.input;
        p.calls.push_back(Json::object());
      } else {
        p.layer = layer_from_config(cls, entry.at("config"));
        for (const auto& n : entry.value("inbound_nodes", Json::array())) p.calls.push_back(n);
      }
      pending.push_back(std::move(p));
    }
    for (bool progress = true; progress;) {
      progress = false;
      for (auto& p : pending) {
        while (p.next < p.calls.size()) {
          if (p.input) {
            nodes_of[p.input->name()].push_back(graph->add_input(p.input->shape(), p.input->name()));
            ++p.next;
            progress = true;
            continue;
          }
          std::vector<Json> refs;
          collect_tensors(p.calls[p.next].value("args", Json::array()), refs);
          std::vector<int> inputs;
          for (const auto& r : refs) {
            const std::string src = r.at(0).get<std::string>();
            const size_t index = r.at(1).get<size_t>();
            if (nodes_of.count(src) && nodes_of[src].size() > index) inputs.push_back(nodes_of[src][index]);
          }
          if (refs.empty() || inputs.size() != refs.size()) break;
          const Json kwargs = p.calls[p.next].value("kwargs", Json::object());
          std::optional<bool> training;
          if (kwargs.is_object() && kwargs.contains("training") && kwargs["training"].is_boolean()) training = kwargs["training"].get<bool>();
          nodes_of[p.layer->name()].push_back(graph->add_layer(p.layer, inputs, training));
          ++p.next;
          progress = true;
        }
      }
    }
    for (const auto& p : pending)
      if (p.next < p.calls.size())
        throw ValueError("The model config calls layer '" + p.layer->name() + "' on a tensor that no layer produces.");
    auto resolve = [&](const Json& triple) {
      const std::string src = triple.at(0).get<std::string>();
      const size_t index = triple.at(1).get<size_t>();
      if (!nodes_of.count(src) || nodes_of[src].size() <= index)
        throw ValueError("The model config names an input or output '" + src + "' that no layer produces.");
      return nodes_of[src][index];
    };
    std::vector<int> outputs, inputs;
    for (const auto& t : triples_from(config.at("output_layers"), output_structure, output_keys)) outputs.push_back(resolve(t));
    for (const auto& t : triples_from(config.at("input_layers"), input_structure, input_keys)) inputs.push_back(resolve(t));
    for (int i : inputs)
      if (graph->nodes()[i].layer)
        throw ValueError("The model config lists '" + graph->nodes()[i].name + "' as an input, but only InputLayers can be model inputs.");
    graph->set_input_order(inputs);
    graph->set_outputs(outputs);
    if (name.empty()) name = auto_name("Functional");
  } else {
    throw ValueError("Unknown model class '" + class_name + "' in the config: densekit rebuilds Sequential and Functional models.");
  }
  if (before_allocation) before_allocation(*graph);
  graph->planned_param_count();
  auto model = std::make_shared<Model>(graph, draw_seed());
  model->name = name;
  model->class_name = class_name == "Model" ? "Functional" : class_name;
  if (model->class_name == "Functional") {
    model->input_structure = input_structure, model->input_keys = input_keys;
    model->output_structure = output_structure, model->output_keys = output_keys;
  }
  if (compile && json.contains("compile_config") && !json["compile_config"].is_null())
    compile_from_config(*model, json["compile_config"]);
  return model;
}

// --- the string API ----------------------------------------------------------------------------

Json parse_json(const char* begin, const char* end, const std::string& what) {
  const Json::parser_callback_t limit_depth = [&](int depth, Json::parse_event_t, Json&) {
    if (depth > kMaxJsonDepth)
      throw ValueError("The " + what + " nests values more than " + std::to_string(kMaxJsonDepth) + " levels deep.");
    return true;
  };
  try {
    return Json::parse(begin, end, limit_depth);
  } catch (const nlohmann::json::exception& e) {
    throw ValueError("The " + what + " is not valid JSON: " + e.what());
  }
}

namespace {
Json parse(const std::string& text, const char* what) { return parse_json(text, what); }
}  // namespace

std::string layer_config_json(const Layer& layer) { return layer_config(layer).dump(); }

LayerPtr layer_from_config_json(const std::string& class_name, const std::string& config_json) {
  return layer_from_config(class_name, parse(config_json, "layer config"));
}

std::string model_config_json(const Model& model) { return model_config(model).dump(); }

std::shared_ptr<Model> model_from_config_json(const std::string& json, bool compile) {
  try {
    return model_from_config(parse(json, "model config"), compile);
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(std::string("The model config does not follow the Keras schema: ") + e.what());
  }
}

}  // namespace densekit
