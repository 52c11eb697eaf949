// Compile settings in Keras's schema (Model.get_compile_config in keras/src/trainers/trainer.py):
// the optimizer, the losses and metrics (keras/src/losses/losses.py, keras/src/metrics/) as
// given per output, resolved by the same rules as compile() (compile_args.hpp).
#include "../serialization.hpp"
#include "optimizer_config.hpp"
#include "traced_metric_config.hpp"

#include <densekit/compile_args.hpp>
#include <densekit/errors.hpp>
#include <densekit/naming.hpp>
#include <densekit/serialization.hpp>
#include <densekit/traced_loss.hpp>

#include <algorithm>
#include <cmath>
#include <map>

namespace densekit {
namespace {

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
      {LossKind::BinaryFocalCrossentropy, "BinaryFocalCrossentropy"},
      {LossKind::CategoricalFocalCrossentropy, "CategoricalFocalCrossentropy"},
  };
  return m;
}

bool is_focal(LossKind k) { return k == LossKind::BinaryFocalCrossentropy || k == LossKind::CategoricalFocalCrossentropy; }

const char* reduction_name(Reduction r) {
  switch (r) {
    case Reduction::SumOverBatchSize: return "sum_over_batch_size";
    case Reduction::Sum: return "sum";
    case Reduction::MeanWithSampleWeight: return "mean_with_sample_weight";
    case Reduction::None: return "none";
  }
  return "sum_over_batch_size";
}

// A traced loss or metric: Keras's serialization of the Python object (which Python code
// deserializes with custom_objects) and, under "densekit_traced", the graph it traced, so that a
// loaded model computes it without that code (docs/format.md).
Json traced_config(const TracedLossFunction& traced) {
  Json j = parse_json(traced.config(), "a traced loss's config");
  j["densekit_traced"] = parse_json(model_config_json(traced.function()), "a traced loss's graph");
  return j;
}

std::shared_ptr<TracedLossFunction> traced_from(const Json& j) {
  const Json& c = j.value("config", Json());
  std::string name = c.is_string() ? c.get<std::string>() : c.is_object() ? field(c, "name", std::string()) : "";
  if (name.empty()) name = j.value("class_name", std::string("loss"));
  // A function registered as "package>name" is named in the logs by its own name, as Keras names
  // a function metric by its __name__ once it has found the function.
  if (c.is_string()) name = name.substr(name.rfind('>') + 1);
  Json keras = j;
  keras.erase("densekit_traced");
  return std::make_shared<TracedLossFunction>(model_from_config_json(j["densekit_traced"].dump(), false), name,
                                              keras.dump());
}

bool is_traced(const Json& j) { return j.is_object() && j.contains("densekit_traced"); }

Json loss_config(const Loss& l) {
  if (l.traced) return traced_config(*l.traced);
  if (!l.identifier.empty()) return l.identifier;
  if (!loss_classes().count(l.kind)) return l.name();
  Json c = Json::object();
  c["name"] = l.display_name.empty() ? l.name() : l.display_name;
  c["reduction"] = reduction_name(l.reduction);
  if (l.kind == LossKind::Huber) c["delta"] = l.delta;
  if (l.kind == LossKind::BinaryCrossentropy || l.kind == LossKind::CategoricalCrossentropy ||
      l.kind == LossKind::SparseCategoricalCrossentropy || is_focal(l.kind))
    c["from_logits"] = l.from_logits;
  if (l.kind == LossKind::BinaryCrossentropy || l.kind == LossKind::CategoricalCrossentropy || is_focal(l.kind))
    c["label_smoothing"] = l.label_smoothing;
  if (is_focal(l.kind)) {
    c["axis"] = -1;
    if (l.kind == LossKind::BinaryFocalCrossentropy) c["apply_class_balancing"] = l.apply_class_balancing;
    c["alpha"] = l.alpha, c["gamma"] = l.gamma;
  }
  return wrap("keras.losses", loss_classes().at(l.kind), c);
}

Loss loss_from(const Json& j) {
  if (j.is_string()) return Loss::from_name(j.get<std::string>());
  if (is_traced(j)) {
    Loss l;
    l.traced = traced_from(j);
    l.display_name = l.traced->name();
    const Json& c = j.value("config", Json());
    if (c.is_object() && c.contains("reduction"))
      l.reduction = Loss::reduction_from_name(c["reduction"].is_null() ? "none" : c["reduction"].get<std::string>());
    return l;
  }
  if (!j.is_object() || !j.contains("class_name") || !j["class_name"].is_string())
    throw ValueError("Could not interpret the loss in the compile config: " + j.dump());
  const Json& c = j.value("config", Json::object());
  // A function given as the loss (loss=keras.losses.mean_squared_error): Keras writes it by name.
  if (j["class_name"] == "function" && c.is_string()) return Loss::from_name(c.get<std::string>());
  Loss l = Loss::from_name(j["class_name"].get<std::string>());
  l.identifier.clear();
  l.display_name = field(c, "name", l.display_name);
  l.from_logits = field(c, "from_logits", l.from_logits);
  l.label_smoothing = field(c, "label_smoothing", l.label_smoothing);
  l.delta = field(c, "delta", l.delta);
  if (c.contains("alpha") && !c["alpha"].is_number())  // Keras's categorical one may take one per class
    throw ValueError("densekit's focal cross-entropies take one `alpha` for every class. Received: alpha=" + c["alpha"].dump());
  l.alpha = field(c, "alpha", l.alpha);
  l.gamma = field(c, "gamma", l.gamma);
  l.validate();
  l.apply_class_balancing = field(c, "apply_class_balancing", l.apply_class_balancing);
  if (c.contains("reduction")) l.reduction = Loss::reduction_from_name(c["reduction"].is_null() ? "none" : c["reduction"].get<std::string>());
  return l;
}

const std::map<MetricKind, const char*>& metric_classes() {
  static const std::map<MetricKind, const char*> m = {
      {MetricKind::BinaryAccuracy, "BinaryAccuracy"}, {MetricKind::CategoricalAccuracy, "CategoricalAccuracy"},
      {MetricKind::SparseCategoricalAccuracy, "SparseCategoricalAccuracy"},
      {MetricKind::TopKCategoricalAccuracy, "TopKCategoricalAccuracy"},
      {MetricKind::SparseTopKCategoricalAccuracy, "SparseTopKCategoricalAccuracy"}, {MetricKind::Accuracy, "Accuracy"},
      {MetricKind::MeanAbsoluteError, "MeanAbsoluteError"}, {MetricKind::MeanSquaredError, "MeanSquaredError"},
      {MetricKind::MeanAbsolutePercentageError, "MeanAbsolutePercentageError"},
      {MetricKind::MeanSquaredLogarithmicError, "MeanSquaredLogarithmicError"},
      {MetricKind::CosineSimilarity, "CosineSimilarity"},
      {MetricKind::RootMeanSquaredError, "RootMeanSquaredError"}, {MetricKind::Precision, "Precision"},
      {MetricKind::Recall, "Recall"}, {MetricKind::AUC, "AUC"},
      {MetricKind::TruePositives, "TruePositives"}, {MetricKind::FalsePositives, "FalsePositives"},
      {MetricKind::TrueNegatives, "TrueNegatives"}, {MetricKind::FalseNegatives, "FalseNegatives"},
      {MetricKind::SensitivityAtSpecificity, "SensitivityAtSpecificity"},
      {MetricKind::SpecificityAtSensitivity, "SpecificityAtSensitivity"},
      {MetricKind::PrecisionAtRecall, "PrecisionAtRecall"}, {MetricKind::RecallAtPrecision, "RecallAtPrecision"},
      {MetricKind::Mean, "Mean"}, {MetricKind::Sum, "Sum"}, {MetricKind::R2Score, "R2Score"},
      {MetricKind::FBetaScore, "FBetaScore"}, {MetricKind::F1Score, "F1Score"},
      {MetricKind::PearsonCorrelation, "PearsonCorrelation"},
      {MetricKind::ConcordanceCorrelation, "ConcordanceCorrelation"},
  };
  return m;
}

Json function_json(const std::string& name) {
  return Json{{"module", "builtins"}, {"class_name", "function"}, {"config", name}, {"registered_name", "function"}};
}

// The metric compile() makes of one of Keras's functions: the metric of that name, or for the
// loss functions keras.metrics.get does not name (huber, log_cosh) a loss-function metric.
// A loss function's name means the loss function (cosine_similarity the negated similarity, as
// keras.losses.cosine_similarity), even where a metric class shares it in snake case.
MetricPtr function_metric(const std::string& fn) {
  const std::vector<std::string> names = Metric::names();
  MetricPtr m;
  const std::vector<std::string> losses = Loss::names();
  if (std::find(losses.begin(), losses.end(), fn) != losses.end() && fn != "crossentropy") {
    m = std::make_shared<Metric>(MetricKind::LossFunction, fn);
    m->loss = Loss::from_name(fn);
  } else if (std::find(names.begin(), names.end(), fn) != names.end() && fn != "accuracy" && fn != "acc") {
    m = Metric::from_name(fn);
  } else {
    throw ValueError("Could not interpret metric identifier: " + fn + " (a function the compile config names, which is "
                     "none of Keras's metric or loss functions densekit has).");
  }
  m->identifier.clear();
  m->function_name = fn;
  return m;
}

// Keras's MeanMetricWrapper(fn, name, **kwargs) as Keras writes it: the bare function when it
// has its own name and no arguments.
Json function_metric_config(const Metric& m) {
  const MetricPtr plain = function_metric(m.function_name);
  Json args = Json::object();
  if (m.threshold != plain->threshold) args["threshold"] = m.threshold;
  if (m.k != plain->k) args["k"] = m.k;
  if (m.kind() == MetricKind::LossFunction) {
    if (m.loss.delta != plain->loss.delta) args["delta"] = m.loss.delta;
    if (m.loss.from_logits != plain->loss.from_logits) args["from_logits"] = m.loss.from_logits;
    if (m.loss.label_smoothing != plain->loss.label_smoothing) args["label_smoothing"] = m.loss.label_smoothing;
    if (m.loss.gamma != plain->loss.gamma) args["gamma"] = m.loss.gamma;
    if (m.loss.alpha != plain->loss.alpha) args["alpha"] = m.loss.alpha;
    if (m.loss.apply_class_balancing != plain->loss.apply_class_balancing)
      args["apply_class_balancing"] = m.loss.apply_class_balancing;
  }
  if (args.empty() && m.name() == m.function_name) return function_json(m.function_name);
  Json c = {{"name", m.name()}, {"dtype", "float32"}, {"fn", function_json(m.function_name)}};
  c.update(args);
  return wrap("keras.metrics", "MeanMetricWrapper", c);
}

// Whether a metric compiled from a string still has the settings that string gives it: a C++
// caller may change them after Metric::from_name, and the string alone would then lose them.
bool as_named(const Metric& m) {
  const MetricPtr plain = Metric::from_name(m.identifier);
  if (plain->kind() == MetricKind::AutoAccuracy) return true;  // (resolved from the shapes, as the string says)
  return m.kind() == plain->kind() && m.threshold == plain->threshold &&
         m.thresholds == plain->thresholds && m.k == plain->k && m.num_thresholds == plain->num_thresholds &&
         m.from_logits == plain->from_logits && m.curve == plain->curve && m.summation_method == plain->summation_method &&
         m.multi_label == plain->multi_label && m.num_labels == plain->num_labels && m.value == plain->value &&
         m.class_id == plain->class_id && m.class_aggregation == plain->class_aggregation &&
         m.num_regressors == plain->num_regressors && m.average == plain->average && m.beta == plain->beta &&
         m.top_only == plain->top_only && m.loss.from_logits == plain->loss.from_logits &&
         m.loss.label_smoothing == plain->loss.label_smoothing && m.loss.delta == plain->loss.delta &&
         m.loss.gamma == plain->loss.gamma && m.loss.alpha == plain->loss.alpha;
}

Json metric_config(const Metric& m) {
  if (!m.identifier.empty() && as_named(m)) return m.identifier;
  if (!m.function_name.empty()) return function_metric_config(m);
  Json c = Json::object();
  c["name"] = m.name();
  c["dtype"] = "float32";
  switch (m.kind()) {
    case MetricKind::BinaryAccuracy: c["threshold"] = m.threshold; break;
    case MetricKind::TopKCategoricalAccuracy:
    case MetricKind::SparseTopKCategoricalAccuracy: c["k"] = m.k; break;
    case MetricKind::Precision:
    case MetricKind::Recall: c["thresholds"] = m.thresholds.empty() ? Json(m.threshold) : Json(m.thresholds); break;
    case MetricKind::AUC:
      c["num_thresholds"] = m.num_thresholds, c["curve"] = m.curve, c["summation_method"] = m.summation_method;
      c["multi_label"] = m.multi_label;
      c["num_labels"] = m.num_labels > 0 ? Json(m.num_labels) : Json(nullptr);
      c["label_weights"] = nullptr, c["from_logits"] = m.from_logits;
      break;
    case MetricKind::TruePositives:
    case MetricKind::FalsePositives:
    case MetricKind::TrueNegatives:
    case MetricKind::FalseNegatives:
      c["thresholds"] = m.thresholds.empty() ? Json(m.threshold) : Json(m.thresholds);
      break;
    case MetricKind::SensitivityAtSpecificity:
    case MetricKind::SpecificityAtSensitivity:
    case MetricKind::PrecisionAtRecall:
    case MetricKind::RecallAtPrecision: {
      // Each names its constraint after the rate it holds fixed (keras/src/metrics/confusion_metrics.py).
      static const std::map<MetricKind, const char*> value_keys = {
          {MetricKind::SensitivityAtSpecificity, "specificity"}, {MetricKind::SpecificityAtSensitivity, "sensitivity"},
          {MetricKind::PrecisionAtRecall, "recall"}, {MetricKind::RecallAtPrecision, "precision"}};
      c["num_thresholds"] = m.num_thresholds, c[value_keys.at(m.kind())] = m.value;
      c["class_id"] = m.class_id >= 0 ? Json(m.class_id) : Json(nullptr);
      break;
    }
    case MetricKind::R2Score:
      c["class_aggregation"] = m.class_aggregation.empty() ? Json(nullptr) : Json(m.class_aggregation);
      c["num_regressors"] = m.num_regressors;
      break;
    case MetricKind::FBetaScore:
    case MetricKind::F1Score:
      c["average"] = m.average.empty() ? Json(nullptr) : Json(m.average);
      if (m.kind() == MetricKind::FBetaScore) c["beta"] = m.beta;
      c["threshold"] = m.top_only ? Json(nullptr) : Json(m.threshold);
      break;
    case MetricKind::PearsonCorrelation:
    case MetricKind::ConcordanceCorrelation: c["axis"] = -1; break;
    default: break;
  }
  if (m.kind() == MetricKind::LossFunction && m.loss.traced) return traced_config(*m.loss.traced);
  if (m.kind() == MetricKind::Stateful && m.stateful) {
    Json j = parse_json(m.stateful->config(), "a traced metric's config");
    j["densekit_traced"] = stateful_metric_config(*m.stateful);
    return j;
  }
  if (m.kind() == MetricKind::LossFunction) {
    // The crossentropy metrics' arguments (keras/src/metrics/probabilistic_metrics.py).
    const LossKind k = m.loss.kind;
    const bool crossentropy = k == LossKind::BinaryCrossentropy || k == LossKind::CategoricalCrossentropy ||
                              k == LossKind::SparseCategoricalCrossentropy;
    if (crossentropy) c["from_logits"] = m.loss.from_logits;
    if (k == LossKind::BinaryCrossentropy || k == LossKind::CategoricalCrossentropy) c["label_smoothing"] = m.loss.label_smoothing;
    if (k == LossKind::CategoricalCrossentropy || k == LossKind::SparseCategoricalCrossentropy) c["axis"] = -1;
    if (k == LossKind::SparseCategoricalCrossentropy) c["ignore_class"] = nullptr;
    // The metric class of a loss is named as the loss, but for LogCoshError (keras/src/metrics/).
    return wrap("keras.metrics", k == LossKind::LogCosh ? "LogCoshError" : loss_classes().at(k), c);
  }
  if (!metric_classes().count(m.kind())) return m.name();
  return wrap("keras.metrics", metric_classes().at(m.kind()), c);
}

MetricPtr metric_from(const Json& j) {
  if (j.is_string()) return Metric::from_name(j.get<std::string>());
  if (is_traced(j) && is_stateful_metric(j["densekit_traced"])) {
    const Json& c = j.value("config", Json());
    std::string name = c.is_object() ? field(c, "name", std::string()) : "";
    if (name.empty()) name = j.value("class_name", std::string("metric"));
    auto m = std::make_shared<Metric>(MetricKind::Stateful, name);
    m->stateful = stateful_metric_from(j, name);
    m->reset();
    return m;
  }
  if (is_traced(j)) {
    auto traced = traced_from(j);
    auto m = std::make_shared<Metric>(MetricKind::LossFunction, traced->name());
    m->loss.traced = traced;
    return m;
  }
  if (!j.is_object() || !j.contains("class_name") || !j["class_name"].is_string())
    throw ValueError("Could not interpret the metric in the compile config: " + j.dump());
  const std::string class_name = j["class_name"].get<std::string>();
  const Json& c = j.value("config", Json::object());
  if (class_name == "function" && c.is_string()) return function_metric(c.get<std::string>());
  const bool wrapper = class_name == "MeanMetricWrapper";
  if (wrapper && !(c.is_object() && c.contains("fn") && c["fn"].is_object() && c["fn"].value("config", Json()).is_string()))
    throw ValueError("A MeanMetricWrapper in the compile config wraps none of Keras's functions: " + j.dump());
  if (wrapper) {  // the function's own arguments, beside the wrapper's
    static const std::vector<std::string> known = {"name", "dtype", "fn", "threshold", "k", "delta", "from_logits",
                                                   "label_smoothing", "gamma", "alpha", "apply_class_balancing", "axis",
                                                   "from_sorted_ids"};
    for (auto it = c.begin(); it != c.end(); ++it)
      if (std::find(known.begin(), known.end(), it.key()) == known.end())
        throw ValueError("A MeanMetricWrapper in the compile config passes `" + it.key() + "`, which densekit's " +
                         c["fn"]["config"].get<std::string>() + " does not take.");
    if (field(c, "from_sorted_ids", false) || field(c, "axis", -1) != -1)
      throw ValueError("A MeanMetricWrapper in the compile config asks for sorted class ids or another axis, which "
                       "densekit's functions do not take: " + c.dump());
  }
  // (A class "Accuracy" is Keras's exact-equality accuracy; the string names the one chosen from the shapes.)
  MetricPtr m = wrapper ? function_metric(c["fn"]["config"].get<std::string>())
                        : class_name == "Accuracy" ? std::make_shared<Metric>(MetricKind::Accuracy, "accuracy")
                                                   : Metric::from_name(class_name);
  m->identifier.clear();
  m->set_name(field(c, "name", wrapper ? "mean_metric_wrapper" : to_snake_case(class_name)));  // a metric object: its own name
  m->threshold = field(c, "threshold", m->threshold);
  if (c.contains("thresholds") && c["thresholds"].is_array()) m->thresholds = c["thresholds"].get<std::vector<double>>();
  else m->threshold = field(c, "thresholds", m->threshold);
  m->k = field(c, "k", m->k);
  m->num_thresholds = field(c, "num_thresholds", m->num_thresholds);
  m->from_logits = field(c, "from_logits", m->from_logits);
  if (m->kind() == MetricKind::LossFunction) {
    m->loss.from_logits = field(c, "from_logits", m->loss.from_logits);
    m->loss.label_smoothing = field(c, "label_smoothing", m->loss.label_smoothing);
    m->loss.delta = field(c, "delta", m->loss.delta);
    m->loss.gamma = field(c, "gamma", m->loss.gamma);
    m->loss.alpha = field(c, "alpha", m->loss.alpha);
    m->loss.apply_class_balancing = field(c, "apply_class_balancing", m->loss.apply_class_balancing);
    m->loss.validate();
  }
  m->curve = field(c, "curve", m->curve);
  m->summation_method = field(c, "summation_method", m->summation_method);
  m->multi_label = field(c, "multi_label", m->multi_label);
  m->num_labels = field(c, "num_labels", m->num_labels);
  for (const char* key : {"specificity", "sensitivity", "recall", "precision"}) m->value = field(c, key, m->value);
  m->class_id = field(c, "class_id", m->class_id);
  m->num_regressors = field(c, "num_regressors", m->num_regressors);
  m->beta = field(c, "beta", m->beta);
  if (m->kind() == MetricKind::R2Score && c.contains("class_aggregation"))
    m->class_aggregation = field(c, "class_aggregation", std::string());
  if (m->kind() == MetricKind::FBetaScore || m->kind() == MetricKind::F1Score) {
    m->average = field(c, "average", std::string());
    m->top_only = !c.contains("threshold") || c["threshold"].is_null();
  }
  if ((m->kind() == MetricKind::PearsonCorrelation || m->kind() == MetricKind::ConcordanceCorrelation) &&
      c.contains("axis") && c["axis"] != Json(-1))
    throw ValueError("densekit's " + class_name + " correlates across the outputs (axis -1); the compile config asks "
                     "for axis " + c["axis"].dump() + ".");
  m->reset();
  return m;
}

// One compile() argument from the config: null, one value, a list or a dict of output names.
template <class T, class Parse>
PerOutputArg<T> arg_from(const Json& j, Parse parse) {
  PerOutputArg<T> arg;
  if (j.is_null()) return arg;
  if (j.is_array()) {
    arg.form = PerOutputArg<T>::Form::List;
    for (const auto& e : j) arg.values.push_back(parse(e));
  } else if (j.is_object() && !j.contains("class_name")) {
    arg.form = PerOutputArg<T>::Form::Dict;
    for (const auto& [key, value] : j.items()) arg.keys.push_back(key), arg.values.push_back(parse(value));
  } else {
    arg.form = PerOutputArg<T>::Form::One;
    arg.values.push_back(parse(j));
  }
  return arg;
}

// Metrics: a list or dict whose entries are one metric, a list of them, or null.
PerOutputArg<std::vector<MetricPtr>> metrics_from(const Json& j) {
  auto entry = [](const Json& e) {
    std::vector<MetricPtr> list;
    for (const auto& m : (e.is_array() ? e : Json::array({e})))
      if (!m.is_null()) list.push_back(metric_from(m));
    return list;
  };
  auto arg = arg_from<std::vector<MetricPtr>>(j, entry);
  if (arg.form == PerOutputArg<std::vector<MetricPtr>>::Form::One) arg.form = PerOutputArg<std::vector<MetricPtr>>::Form::List;
  return arg;
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
  // Metrics per output (a list of lists), or the one output's list; null when there are none.
  auto metrics_config = [multi](const std::vector<std::vector<MetricPtr>>& per_output) {
    Json lists = Json::array();
    bool any = false;
    for (const auto& metrics : per_output) {
      Json list = Json::array();
      for (const auto& m : metrics) list.push_back(metric_config(*m)), any = true;
      lists.push_back(list);
    }
    return !any ? Json(nullptr) : (multi ? lists : lists[0]);
  };
  c["metrics"] = metrics_config(options.metrics);
  c["weighted_metrics"] = metrics_config(options.weighted_metrics);
  c["run_eagerly"] = false;
  c["steps_per_execution"] = 1;
  c["jit_compile"] = false;
  return c;
}

void compile_from_config(Model& model, const Json& config) {
  if (!config.is_object()) throw ValueError("The compile config must be an object; received " + config.dump());
  // Keras compiles with its config as keyword arguments, so a config without an optimizer (Keras's
  // .h5 writer takes it out of the model's own) gets compile()'s default, RMSprop.
  const Json optimizer_json = config.contains("optimizer") ? config["optimizer"] : Json("rmsprop");
  auto optimizer = std::make_shared<Optimizer>(optimizer_from(optimizer_json));
  CompileArgs args;
  args.loss = arg_from<std::optional<Loss>>(config.value("loss", Json(nullptr)), [](const Json& l) {
    return l.is_null() ? std::optional<Loss>() : std::optional<Loss>(loss_from(l));
  });
  args.loss_weights = arg_from<double>(config.value("loss_weights", Json(nullptr)), [](const Json& w) {
    if (!w.is_number()) throw ValueError("Every loss weight must be a number. Received: loss_weights=" + w.dump());
    return w.get<double>();
  });
  args.metrics = metrics_from(config.value("metrics", Json(nullptr)));
  args.weighted_metrics = metrics_from(config.value("weighted_metrics", Json(nullptr)));
  model.compile(optimizer, args);
}

Loss loss_from_config_json(const std::string& json) { return loss_from(parse_json(json, "a loss config")); }

std::string loss_config_json(const Loss& loss) { return loss_config(loss).dump(); }

MetricPtr metric_from_config_json(const std::string& json) { return metric_from(parse_json(json, "a metric config")); }

}  // namespace densekit
