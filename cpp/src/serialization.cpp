// Keras's config schema for models and compile settings (as keras/src/saving/serialization_lib.py
// writes it), to and from JSON; each layer's config is its own file's (layers/registry.hpp).
#include "serialization.hpp"

#include "layers/registry.hpp"

#include <densekit/errors.hpp>
#include <densekit/layers/input_layer.hpp>
#include <densekit/naming.hpp>
#include <densekit/serialization.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

namespace densekit {
namespace {

// A node's flag that its training mode holds in every call (Node::training_fixed: a subclassed
// model's traced call). Beside the call's args and kwargs, where Keras's loader does not look.
constexpr const char* kTrainingFixedKey = "densekit_training_fixed";

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

// Each of densekit's layers gives one output (a nested model's are its layers' own, inlined), so
// a reference to output 1 or more of a layer comes from a damaged file: Keras refuses it too.
void check_tensor_index(const Json& history) {
  if (history.size() < 3) return;
  if (!history[2].is_number_unsigned() || history[2].get<uint64_t>() != 0)
    throw ValueError("The model config refers to output " + history[2].dump() + " of layer " + history[0].dump() +
                     " (" + history.dump() + "), which gives only one output (output 0): the config is damaged.");
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
    check_tensor_index(history);
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

// --- rebuilding a functional graph ------------------------------------------------------------

// One config entry: its layer and the calls (inbound nodes) still to add.
struct PendingLayer {
  LayerPtr layer;
  std::shared_ptr<InputLayer> input;
  std::vector<Json> calls;
  size_t next = 0;
};

// Adds every call of every entry to `graph`. Keras lists layers so that one pass in config order
// usually resolves each call, but a shared layer may be called on a tensor listed later. Nodes are
// added in the order of repeated passes over the entries, each entry adding as many of its calls
// as it can: that order fixes the weight order of files written before. The passes are simulated
// with a queue of (pass, entry) visits, an entry blocked on a tensor being visited again only once
// that tensor exists, so a hostile config of N layers in reverse order costs O(N log N), not N
// passes over N entries.
void add_functional_nodes(const Json& layers, Graph& graph, std::map<std::string, std::vector<int>>& nodes_of) {
  std::vector<PendingLayer> pending;
  std::map<std::string, int> names;
  for (const auto& entry : layers) {
    const std::string cls = entry.at("class_name").get<std::string>();
    const std::string layer_name = entry.value("name", entry.at("config").value("name", std::string()));
    if (++names[layer_name] > 1)
      throw ValueError("The model config names two layers '" + layer_name + "': layer names must be unique in a model.");
    PendingLayer p;
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
  using Tensor = std::pair<std::string, size_t>;  // (layer name, call index)
  std::map<Tensor, std::vector<size_t>> blocked_on;
  std::set<std::pair<size_t, size_t>> visits;  // (pass, entry), visited in this order
  for (size_t i = 0; i < pending.size(); ++i) visits.insert({0, i});
  const auto produced = [&](const std::string& layer_name, size_t pass, size_t entry) {
    const auto waiting = blocked_on.find({layer_name, nodes_of[layer_name].size() - 1});
    if (waiting == blocked_on.end()) return;
    // A later entry sees the tensor in this same pass; an earlier one in the next.
    for (size_t other : waiting->second) visits.insert({other > entry ? pass : pass + 1, other});
    blocked_on.erase(waiting);
  };
  while (!visits.empty()) {
    const auto [pass, i] = *visits.begin();
    visits.erase(visits.begin());
    PendingLayer& p = pending[i];
    while (p.next < p.calls.size()) {
      if (p.input) {
        nodes_of[p.input->name()].push_back(graph.add_input(p.input->shape(), p.input->name(), p.input->dtype()));
        ++p.next;
        produced(p.input->name(), pass, i);
        continue;
      }
      std::vector<Json> refs;
      collect_tensors(p.calls[p.next].value("args", Json::array()), refs);
      if (refs.empty()) break;  // calls no tensor: reported below
      std::vector<int> inputs;
      std::optional<Tensor> missing;
      for (const auto& r : refs) {
        const std::string src = r.at(0).get<std::string>();
        const size_t index = r.at(1).get<size_t>();
        const auto found = nodes_of.find(src);
        if (found == nodes_of.end() || found->second.size() <= index) {
          missing = Tensor{src, index};
          break;
        }
        inputs.push_back(found->second[index]);
      }
      if (missing) {
        blocked_on[*missing].push_back(i);
        break;
      }
      const Json& call = p.calls[p.next];
      const Json kwargs = call.value("kwargs", Json::object());
      std::optional<bool> training;
      if (kwargs.is_object() && kwargs.contains("training") && kwargs["training"].is_boolean()) training = kwargs["training"].get<bool>();
      const bool fixed = call.is_object() && call.contains(kTrainingFixedKey) && call[kTrainingFixedKey].is_boolean() &&
                         call[kTrainingFixedKey].get<bool>();
      nodes_of[p.layer->name()].push_back(graph.add_layer(p.layer, inputs, training, fixed));
      ++p.next;
      produced(p.layer->name(), pass, i);
    }
  }
  for (const auto& p : pending)
    if (p.next < p.calls.size())
      throw ValueError("The model config calls layer '" + p.layer->name() + "' on a tensor that no layer produces.");
}

// Whether a Sequential config can describe the graph: one input, then each layer on the previous
// one's output. A Sequential holding a functional model has that model's layers inlined, and they
// need not form a chain: such a model is written as a functional one (docs/keras-files.md).
bool is_chain(const Graph& g) {
  if (g.input_nodes().size() != 1 || g.output_nodes().size() != 1) return false;
  int previous = g.input_nodes()[0];
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const Node& n = g.nodes()[i];
    if (!n.layer) continue;
    if (n.inputs.size() != 1 || n.inputs[0] != previous) return false;
    previous = static_cast<int>(i);
  }
  return previous == g.output_nodes()[0];
}

}  // namespace

Json model_config(const Model& model) {
  const Graph& g = model.graph();
  Json layers = Json::array();
  Json config = Json::object();
  config["name"] = model.name;
  config["trainable"] = model.trainable;
  Json build = Json::object();
  const bool sequential = model.class_name == "Sequential" && is_chain(g);
  const std::string class_name = sequential || model.class_name != "Sequential" ? model.class_name : "Functional";
  if (sequential) {
    config["dtype"] = dtype_policy();
    const Node& input = g.nodes()[g.input_nodes()[0]];
    layers.push_back(wrap("keras.layers", "InputLayer", layer_config(InputLayer(input.name, input.shape, input.dtype))));
    for (const Node& n : g.nodes()) {
      if (!n.layer) continue;
      Json entry = wrap(layer_module(*n.layer), n.layer->class_name(), layer_config(*n.layer));
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
        Json entry = wrap("keras.layers", "InputLayer", layer_config(InputLayer(n.name, n.shape, n.dtype)));
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
      if (n.training_fixed) node[kTrainingFixedKey] = true;
      if (!entry_of.count(n.layer.get())) {
        Json entry = wrap(layer_module(*n.layer), n.layer->class_name(), layer_config(*n.layer));
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
  // Keras finds Functional by its module path: "keras" alone names only its public classes
  // (_retrieve_class_or_fn in keras/src/saving/serialization_lib.py), and Functional is not one.
  Json out = wrap(class_name == "Functional" ? "keras.src.models.functional" : "keras", class_name, config);
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
  // Before any layer is made: a config listing millions of layers is refused at once.
  if (layers.is_array() && static_cast<int64_t>(layers.size()) > limits().max_layers)
    throw ValueError("The model config lists " + std::to_string(layers.size()) + " layers, more than the limit of " +
                     std::to_string(limits().max_layers) + " (raise it with densekit.config.set_limits(max_layers=...)).");
  auto graph = std::make_shared<Graph>();
  std::string name = field(config, "name", std::string());
  Model::Structure input_structure = Model::Structure::Tensor, output_structure = Model::Structure::Tensor;
  std::vector<std::string> input_keys, output_keys;
  if (class_name == "Sequential") {
    size_t first = 0;
    int node = -1;
    if (!layers.empty() && layers[0].value("class_name", std::string()) == "InputLayer") {
      auto in = std::dynamic_pointer_cast<InputLayer>(layer_from_config("InputLayer", layers[0].at("config")));
      node = graph->add_input(in->shape(), in->name(), in->dtype());
      first = 1;
    } else {
      Json shape = config.value("build_input_shape", Json(nullptr));
      if (shape.is_null() && json.contains("build_config")) shape = json["build_config"].value("input_shape", Json(nullptr));
      if (shape.is_null())
        throw ValueError("The config describes a Sequential model that was never built (no input shape): it cannot be rebuilt with weights.");
      node = graph->add_input(shape_from(shape, "build_input_shape"), auto_name("InputLayer"));
    }
    std::map<std::string, int> names;
    for (size_t i = first; i < layers.size(); ++i) {
      LayerPtr layer = layer_from_config(layers[i].at("class_name").get<std::string>(), layers[i].at("config"));
      if (++names[layer->name()] > 1)
        throw ValueError("The model config names two layers '" + layer->name() + "': layer names must be unique in a model.");
      node = graph->add_layer(layer, {node});
    }
    graph->set_outputs({node});
    if (name.empty()) name = auto_name("Sequential");
  } else if (class_name == "Functional" || class_name == "Model") {
    std::map<std::string, std::vector<int>> nodes_of;  // layer name → node ids, in call order
    add_functional_nodes(layers, *graph, nodes_of);
    auto resolve = [&](const Json& triple) {
      check_tensor_index(triple);
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
  model->trainable = field(config, "trainable", true);
  if (model->class_name == "Functional") {
    model->input_structure = input_structure, model->input_keys = input_keys;
    model->output_structure = output_structure, model->output_keys = output_keys;
  }
  // The names a model gives its outputs where they are not their layers' (a nested model's
  // output is named by the nested model): densekit's files keep them in their metadata.
  if (json.contains(kOutputNamesKey)) {
    const Json& names = json[kOutputNamesKey];
    if (!names.is_array() || names.size() != model->output_names.size())
      throw ValueError("The model's output names must be a list of " + std::to_string(model->output_names.size()) +
                       " strings; received " + names.dump().substr(0, 200));
    for (size_t k = 0; k < names.size(); ++k) {
      if (!names[k].is_string() || names[k].get<std::string>().empty())
        throw ValueError("The model's output names must be non-empty strings; received " + names.dump().substr(0, 200));
      model->output_names[k] = names[k].get<std::string>();
    }
  }
  // An uncompiled Keras model's is null or {}: Keras compiles only from a non-empty one
  // (deserialize_keras_object in keras/src/saving/serialization_lib.py).
  if (compile && json.contains("compile_config") && !json["compile_config"].is_null() &&
      !(json["compile_config"].is_object() && json["compile_config"].empty()))
    compile_from_config(*model, json["compile_config"]);
  return model;
}

std::string renamed_outputs_json(const Model& model) {
  const Graph& g = model.graph();
  for (size_t k = 0; k < model.output_names.size(); ++k)
    if (model.output_names[k] != g.nodes()[g.output_nodes()[k]].name) return Json(model.output_names).dump();
  return "";
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
Activation activation_from_config_json(const std::string& config_json) {
  return activation_from(parse(config_json, "activation config"));
}
std::string initializer_config_json(const Initializer& initializer) { return initializer_config(initializer).dump(); }
std::string regularizer_config_json(const Regularizer& regularizer) { return regularizer_config(regularizer).dump(); }
std::string constraint_config_json(const Constraint& constraint) { return constraint_config(constraint).dump(); }

std::string model_config_json(const Model& model) {
  const auto compile_state = model.hold_compile_state();
  return model_config(model).dump();
}

std::shared_ptr<Model> model_from_config_json(const std::string& json, bool compile) {
  try {
    return model_from_config(parse(json, "model config"), compile);
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(std::string("The model config does not follow the Keras schema: ") + e.what());
  }
}

}  // namespace densekit
