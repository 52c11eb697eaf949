// Keras's config schema for models and compile settings (as keras/src/saving/serialization_lib.py
// writes it), to and from JSON; each layer's config is its own file's (layers/registry.hpp).
#include "serialization.hpp"

#include "layers/registry.hpp"
#include "optimizers/rule.hpp"

#include <densekit/errors.hpp>
#include <densekit/layers/input_layer.hpp>
#include <densekit/naming.hpp>
#include <densekit/serialization.hpp>

#include <algorithm>
#include <cmath>
#include <map>

namespace densekit {
namespace {

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

namespace {
Json parse(const std::string& text, const char* what) { return parse_json(text, what); }
}  // namespace

std::string layer_config_json(const Layer& layer) { return layer_config(layer).dump(); }

LayerPtr layer_from_config_json(const std::string& class_name, const std::string& config_json) {
  return layer_from_config(class_name, parse(config_json, "layer config"));
}

std::string activation_config_json(const Activation& activation) { return activation_config(activation).dump(); }
std::string initializer_config_json(const Initializer& initializer) { return initializer_config(initializer).dump(); }
std::string regularizer_config_json(const Regularizer& regularizer) { return regularizer_config(regularizer).dump(); }
std::string constraint_config_json(const Constraint& constraint) { return constraint_config(constraint).dump(); }

std::string optimizer_config_json(const OptimizerConfig& optimizer) { return optimizer_config(optimizer).dump(); }

OptimizerConfig optimizer_config_from_json(const std::string& json) {
  try {
    return optimizer_from(parse(json, "optimizer config"));
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(std::string("The optimizer config does not follow the Keras schema: ") + e.what());
  }
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
