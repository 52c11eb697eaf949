#include "serialization/fields.hpp"

#include <densekit/serialization.hpp>
#include <densekit/traced_regularizer.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <map>

namespace densekit {

void throw_missing_json_field() { throw ValueError("The config is malformed: a field it needs is missing."); }

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


bool channels_first(const Json& config) { return channels_first(field(config, "data_format", std::string("channels_last"))); }

bool channels_first(std::string format) {
  std::transform(format.begin(), format.end(), format.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (format != "channels_last" && format != "channels_first")
    throw ValueError("The `data_format` argument must be one of {'channels_first', 'channels_last'}. Received: data_format=" +
                     format);
  return format == "channels_first";
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
                        a.threshold == plain.threshold && a.alpha == plain.alpha && a.approximate == plain.approximate &&
                        a.b == plain.b && a.default_value == plain.default_value;
  // (threshold has no defaults in Keras: its name alone does not make an activation.)
  if (defaults && a.kind != ActivationKind::Threshold) return a.name();
  Json c = Json::object();
  c["negative_slope"] = a.negative_slope;
  if (std::isfinite(a.max_value)) c["max_value"] = a.max_value;
  c["threshold"] = a.threshold;
  c["alpha"] = a.alpha;
  c["approximate"] = a.approximate;
  if (a.kind == ActivationKind::Squareplus) c["b"] = a.b;
  if (a.kind == ActivationKind::Threshold) c["default_value"] = a.default_value;
  return wrap("densekit.activations", a.name(), c);
}

namespace {

// An activation by name; a registered one of the user's ("package>name") is named as such, since
// "unknown" would wrongly suggest a typo.
Activation activation_named(const std::string& name) {
  if (name.find('>') != std::string::npos)
    throw ValueError("The activation '" + name + "' is a function of the user's, registered with Keras: a config "
                     "densekit reads may use Keras's built-in activations only.");
  return Activation::from_name(name);
}

}  // namespace

Activation activation_from(const Json& j) {
  if (j.is_null()) return Activation::from_name("linear");
  if (j.is_string()) return activation_named(j.get<std::string>());
  if (j.is_object() && j.contains("config") && j["config"].is_string()) return activation_named(j["config"].get<std::string>());
  if (j.is_object() && j.contains("class_name")) {
    const Json& c = j.value("config", Json::object());
    std::string name = j["class_name"].is_string() ? j["class_name"].get<std::string>() : std::string();
    // An activation layer given as a layer's activation (Dense(activation=layers.LeakyReLU(0.15))),
    // which Keras saves as that layer's config: the activation it computes.
    if (name == "Activation") return activation_from(c.value("activation", Json()));
    static const std::map<std::string, std::string> layer_activations{
        {"ReLU", "relu"}, {"LeakyReLU", "leaky_relu"}, {"ELU", "elu"}, {"Softmax", "softmax"}};
    if (const auto it = layer_activations.find(name); it != layer_activations.end()) {
      if (name == "Softmax" && field(c, "axis", -1) != -1)
        throw ValueError("A Softmax layer as an activation normalizes along the last axis only in densekit; received " +
                         c.dump());
      name = it->second;
    }
    Activation a = Activation::from_name(name);
    a.negative_slope = field(c, "negative_slope", a.negative_slope);
    a.max_value = field(c, "max_value", a.max_value);
    a.threshold = field(c, "threshold", a.threshold);
    a.alpha = field(c, "alpha", a.alpha);
    a.approximate = field(c, "approximate", a.approximate);
    a.b = field(c, "b", a.b);
    a.default_value = field(c, "default_value", a.default_value);
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

// Constant's value as Keras saves it: a number, or a numpy array (serialize_keras_object in
// keras/src/saving/serialization_lib.py) such as the one-element bias of the TF imbalanced-data
// tutorial. densekit's Constant holds one value, so an array must hold exactly one.
static double constant_value(const Json& value) {
  const Json* v = &value;
  if (v->is_object() && v->contains("config") && (*v)["config"].is_object() && (*v)["config"].contains("value"))
    v = &(*v)["config"]["value"];
  while (v->is_array() && v->size() == 1) v = &(*v)[0];
  if (!v->is_number()) throw ValueError("densekit's Constant initializer takes one value. Received: value=" + value.dump());
  return v->get<double>();
}

Initializer initializer_from(const Json& j) {
  // None: Layer.add_weight's default for a float weight (keras/src/layers/layer.py).
  if (j.is_null()) return Initializer::from_name("glorot_uniform");
  if (j.is_string()) return Initializer::from_name(j.get<std::string>());
  if (!j.is_object() || !j.contains("class_name")) throw ValueError("Could not interpret the initializer in the config: " + j.dump());
  const Json& c = j.value("config", Json::object());
  std::optional<uint64_t> seed;
  if (c.contains("seed") && c["seed"].is_number_integer()) seed = static_cast<uint64_t>(c["seed"].get<int64_t>());
  if (c.contains("seed") && c["seed"].is_number_unsigned()) seed = c["seed"].get<uint64_t>();
  Initializer init = Initializer::from_name(j["class_name"].get<std::string>(), seed);
  if (c.contains("value")) init.value = constant_value(c["value"]);
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

// A regularizer written in Python: Keras's serialization of the object (which Python code
// deserializes with custom_objects) and, under "densekit_traced", the graph traced for its weight
// (null until the layer is built), so that a loaded model computes it without that code.
Json traced_regularizer_config(const TracedRegularizer& traced) {
  Json j = parse_json(traced.config(), "a regularizer's config");
  const auto function = traced.function();
  j["densekit_traced"] = function ? parse_json(model_config_json(*function), "a traced regularizer's graph") : Json(nullptr);
  return j;
}

Regularizer traced_regularizer_from(const Json& j) {
  const Json& c = j.value("config", Json());
  std::string name = c.is_string() ? c.get<std::string>() : j.value("class_name", std::string("regularizer"));
  Json keras = j;
  keras.erase("densekit_traced");
  Regularizer r;
  r.traced = std::make_shared<TracedRegularizer>(name, keras.dump());
  const Json& graph = j["densekit_traced"];
  if (!graph.is_null()) {
    if (!graph.is_object()) throw ValueError("The traced regularizer '" + name + "' has a malformed graph: " + graph.dump());
    r.traced->set_function(model_from_config_json(graph.dump(), false));
  }
  return r;
}

Json regularizer_config(const Regularizer& r) {
  if (!r.active()) return nullptr;
  if (r.traced) return traced_regularizer_config(*r.traced);
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
  if (j.is_object() && j.contains("densekit_traced")) return traced_regularizer_from(j);
  const std::string name = j.is_string() ? j.get<std::string>() : j.value("class_name", std::string());
  const Json c = j.is_object() ? j.value("config", Json::object()) : Json::object();
  if (name == "l1" || name == "L1") return Regularizer{field(c, "l1", 0.01), 0.0};
  if (name == "l2" || name == "L2") return Regularizer{0.0, field(c, "l2", 0.01)};
  if (name == "l1_l2" || name == "L1L2") return Regularizer{field(c, "l1", 0.0), field(c, "l2", 0.0)};
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
std::vector<int64_t> int64_list(const Json& j, const char* what) {
  const auto bad = [&](const char* expected) {
    return ValueError(std::string("Config field '") + what + "' must be " + expected + "; received " + j.dump());
  };
  if (!j.is_number_integer() && !j.is_array()) throw bad("an int or a list of ints");
  std::vector<int64_t> out;
  for (const auto& e : j.is_array() ? j : Json::array({j})) {
    // An unsigned value above 2^63 would wrap when read as a signed one.
    if (!e.is_number_integer() || (e.is_number_unsigned() && e.get<uint64_t>() > uint64_t(INT64_MAX))) throw bad("ints");
    out.push_back(e.get<int64_t>());
  }
  return out;
}

std::vector<int> int_list(const Json& j, const char* what) {
  std::vector<int> out;
  for (int64_t v : int64_list(j, what)) {
    if (v < INT32_MIN || v > INT32_MAX)
      throw ValueError(std::string("Config field '") + what + "' holds " + std::to_string(v) + ", out of range; received " + j.dump());
    out.push_back(static_cast<int>(v));
  }
  return out;
}

// Row-major values of `shape` as a nested list ({} : a scalar), and back.
Json nested(const std::vector<double>& values, const Shape& shape, size_t dim, size_t offset) {
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

}  // namespace densekit
