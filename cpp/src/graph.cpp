#include <densekit/errors.hpp>
#include <densekit/graph.hpp>
#include <densekit/layers/input_layer.hpp>
#include <densekit/parallel.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace densekit {

namespace {

// A running total is checked after each weight: each addend is at most 2^36, so it never overflows.
void check_node_count(size_t nodes) {
  const int64_t limit = limits().max_layers;
  if (static_cast<int64_t>(nodes) >= limit)
    throw ValueError("The model has more than " + std::to_string(limit) +
                     " layers and layer calls, the limit (raise it with densekit.config.set_limits(max_layers=...) if the model is meant to be this large).");
}

void check_parameter_count(int64_t total) {
  const int64_t limit = limits().max_parameters;
  if (total > limit)
    throw ValueError("The model has more than " + std::to_string(limit) +
                     " parameters, the limit (raise it with densekit.config.set_limits(max_parameters=...) if the model is meant to be this large).");
}

}  // namespace

int Graph::add_input(const Shape& shape, const std::string& name, const std::string& dtype) {
  if (finalized_) throw ValueError("Cannot add an input to a model that is already built.");
  check_node_count(nodes_.size());
  // A saved model finds its inputs by name: an unnamed or repeated one could not be loaded back.
  if (name.empty()) throw ValueError("A model input needs a name.");
  if (names_.count(name))
    throw ValueError("The name \"" + name + "\" is used 2 times in the model. All input names should be unique.");
  for (int64_t d : shape)
    if (d <= 0) throw ValueError("Input '" + name + "' has an invalid shape " + shape_to_string(shape) + ": every dimension must be positive.");
  check_sample_size(shape, "Input '" + name + "'");
  check_input_dtype(dtype, name);
  Node node;
  node.shape = shape;
  node.name = name;
  node.dtype = dtype;
  node.cast = whole_number_cast(dtype);
  nodes_.push_back(std::move(node));
  names_.emplace(name, nullptr);
  inputs_.push_back(static_cast<int>(nodes_.size()) - 1);
  return inputs_.back();
}

Shape build_layer(Layer& layer, const std::vector<Shape>& shapes, const std::vector<std::string>& input_names) {
  try {
    return layer.build(shapes);
  } catch (const ValueError& e) {
    std::string inputs;
    for (size_t i = 0; i < shapes.size(); ++i)
      inputs += (i ? ", " : "") + (i < input_names.size() ? "'" + input_names[i] + "' " : std::string()) + shape_to_string(shapes[i]);
    throw ValueError("Layer '" + layer.name() + "' (" + layer.class_name() + ") cannot be applied to " +
                     (shapes.size() == 1 ? "its input " : "its inputs ") + inputs + ": " + e.what());
  }
}

int Graph::add_layer(const LayerPtr& layer, const std::vector<int>& inputs, std::optional<bool> training,
                     bool training_fixed) {
  if (finalized_) throw ValueError("Cannot add a layer to a model that is already built.");
  if (!layer) throw ValueError("Cannot add a null layer.");
  check_node_count(nodes_.size());
  const auto named = names_.find(layer->name());
  if (named != names_.end() && named->second != layer.get())  // (a shared layer's nodes are one layer)
    throw ValueError("The name \"" + layer->name() + "\" is used 2 times in the model. All layer names should be "
                       "unique: pass distinct `name=` arguments.");
  std::vector<Shape> shapes;
  std::vector<std::string> names;
  for (int i : inputs) {
    if (i < 0 || i >= static_cast<int>(nodes_.size())) throw ValueError("Layer '" + layer->name() + "' is applied to an unknown node.");
    shapes.push_back(nodes_[i].shape);
    names.push_back(nodes_[i].name);
  }
  Node node;
  node.shape = build_layer(*layer, shapes, names);
  check_sample_size(node.shape, "The output of layer '" + layer->name() + "'");
  node.layer = layer;
  node.inputs = inputs;
  node.name = layer->name();
  node.training = training;
  node.training_fixed = training && training_fixed;
  nodes_.push_back(std::move(node));
  names_.emplace(layer->name(), layer.get());
  const int id = static_cast<int>(nodes_.size()) - 1;
  for (int i : inputs) nodes_[i].consumers.push_back(id);
  return id;
}

void Graph::set_outputs(const std::vector<int>& outputs) {
  if (finalized_) throw ValueError("Cannot change the outputs of a model that is already built.");
  if (outputs.empty()) throw ValueError("A model needs at least one output.");
  for (int o : outputs)
    if (o < 0 || o >= static_cast<int>(nodes_.size())) throw ValueError("Unknown output node.");
  outputs_ = outputs;
}

void Graph::set_input_order(const std::vector<int>& inputs) {
  if (finalized_) throw ValueError("Cannot change the inputs of a model that is already built.");
  std::vector<int> a = inputs, b = inputs_;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  if (a != b) throw ValueError("The model's inputs must be exactly its Input layers, each once.");
  inputs_ = inputs;
}

std::vector<LayerPtr> Graph::layers() const {
  std::vector<LayerPtr> out;
  std::set<const Layer*> seen;
  for (const auto& n : nodes_)
    if (n.layer && seen.insert(n.layer.get()).second) out.push_back(n.layer);
  return out;
}

int64_t Graph::planned_param_count() const {
  int64_t total = 0;
  for (const auto& layer : layers())
    for (const auto& spec : layer->weight_specs()) {
      total += checked_shape_size(spec.shape, "Weight " + layer->name() + "/" + spec.name);
      check_parameter_count(total);
    }
  return total;
}

void Graph::finalize() {
  if (finalized_) return;
  if (outputs_.empty()) set_outputs({static_cast<int>(nodes_.size()) - 1});
  // Nothing is kept until every check has passed: a graph refused here (too many parameters)
  // may be finalized again once the limit is raised.
  std::vector<WeightRecord> records;
  int64_t total = 0;
  for (const auto& layer : layers())
    for (const auto& spec : layer->weight_specs()) {
      WeightRecord r{layer.get(), spec, total, checked_shape_size(spec.shape, "Weight " + layer->name() + "/" + spec.name)};
      total += r.size;
      check_parameter_count(total);
      records.push_back(std::move(r));
    }
  auto storage = std::make_shared<WeightStorage>();
  storage->params.assign(static_cast<size_t>(total), 0.0f);
  storage->grads.assign(static_cast<size_t>(total), 0.0f);
  weights_ = std::move(records);
  weighted_layers_.clear();
  storage_ = std::move(storage);
  for (const auto& layer : layers()) {
    std::vector<float*> p;
    for (const auto* r : weights_of(layer.get())) {
      r->spec.initializer.fill(storage_->params.data() + r->offset, r->spec.shape);
      p.push_back(storage_->params.data() + r->offset);
    }
    layer->init_weights(p);
    if (!p.empty()) weighted_layers_.push_back(layer.get());
  }
  // A layer that another graph already holds keeps its values (bind_layers copies them over the
  // initial ones): placing a trained layer in a new model does not reset it.
  bind_layers();
  finalized_ = true;
}

// Keras regularizes a layer's trainable weights only (Layer._get_regularization_losses in
// keras/src/layers/layer.py): a frozen layer's penalty leaves the loss.
double Graph::regularization_penalty(bool with_gradients) const {
  double total = 0.0;
  for (const auto& r : weights_)
    if (r.spec.regularizer.active() && r.spec.trainable && r.layer->trainable)
      total += r.spec.regularizer.penalty(storage_->params.data() + r.offset, r.size, with_gradients);
  return total;
}

void Graph::add_regularization_gradients() {
  for (const auto& r : weights_)
    if (r.spec.regularizer.active() && r.spec.trainable && r.layer->trainable)
      r.spec.regularizer.add_gradient(storage_->params.data() + r.offset, storage_->grads.data() + r.offset, r.size);
}

bool Graph::has_added_losses() const {
  for (const Node& n : nodes_)
    if (n.layer && (n.layer->adds_loss() || n.layer->activity_regularizer.active())) return true;
  return false;
}

bool Graph::draws_in_inference(bool call_default) const {
  for (const Node& n : nodes_)
    if (n.layer && (n.layer->draws_in_inference() || node_training(n, false, call_default))) return true;
  return false;
}

bool Graph::has_training_defaults() const {
  for (const Node& n : nodes_)
    if (n.training && !n.training_fixed) return true;
  return false;
}

double Graph::added_loss(size_t node, const Workspace& ws) const {
  const Node& n = nodes_[node];
  const auto& b = ws.nodes_[node];
  double term = n.layer->added_loss(ConstView{b.out.data(), ws.rows_, b.cols});
  if (n.layer->activity_regularizer.active())
    term += n.layer->activity_regularizer.penalty(b.out.data(), ws.rows_ * b.cols) / double(ws.rows_);
  return term;
}

double Graph::activity_penalty(const Workspace& ws) const {
  double total = 0.0;
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].layer && ws.rows_ != 0) total += added_loss(i, ws);
  return total;
}

std::vector<std::pair<int, double>> Graph::added_losses(const Workspace& ws) const {
  std::vector<std::pair<int, double>> terms;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    if (n.layer && (n.layer->adds_loss() || n.layer->activity_regularizer.active()))
      terms.emplace_back(static_cast<int>(i), ws.rows_ != 0 ? added_loss(i, ws) : 0.0);
  }
  return terms;
}

void Graph::apply_constraints() {
  for (const auto& r : weights_)
    if (r.spec.constraint.active() && r.spec.trainable && r.layer->trainable)
      r.spec.constraint.apply(storage_->params.data() + r.offset, r.spec.shape, constraint_scratch_);
}

void Graph::reserve(Workspace& ws, Index rows) const {
  if (ws.graph_ != this || ws.nodes_.size() != nodes_.size()) {  // (another graph's buffers are sized for it)
    ws.nodes_.assign(nodes_.size(), {});
    ws.capacity_ = 0;
    ws.graph_ = this;
  }
  if (rows > ws.capacity_) {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      auto& b = ws.nodes_[i];
      const Node& n = nodes_[i];
      b.cols = shape_size(n.shape);
      if (!n.layer) {  // inputs are views of the caller's data; their gradient only when asked for
        if (input_gradients_) b.grad.resize(static_cast<size_t>(rows * b.cols));
        if (n.cast != WholeNumberCast::None) b.out.resize(static_cast<size_t>(rows * b.cols));  // the cast copy
        continue;
      }
      std::vector<Shape> in;
      for (int j : n.inputs) in.push_back(nodes_[j].shape);
      b.scratch_cols = n.layer->scratch_cols(in, n.shape);
      b.out.resize(static_cast<size_t>(rows * b.cols));
      b.grad.resize(static_cast<size_t>(rows * b.cols));
      b.scratch.resize(static_cast<size_t>(rows * b.scratch_cols));
    }
    ws.capacity_ = rows;
  }
  ws.rows_ = rows;
}

void Graph::forward(Workspace& ws, const std::vector<ConstView>& inputs, bool training, Rng* rng,
                    bool call_default) const {
  if (!finalized_) throw ValueError("The model must be built before it runs.");
  if (inputs.size() != inputs_.size())
    throw ValueError("The model expects " + std::to_string(inputs_.size()) + " input(s), but received " +
                     std::to_string(inputs.size()) + ".");
  if (!rng) throw ValueError("Graph::forward needs a random generator (for the layers that draw).");
  const Index rows = inputs.empty() ? 0 : inputs[0].rows;
  for (size_t k = 0; k < inputs.size(); ++k) {  // (Model checks the data first; this guards direct callers)
    const ConstView& x = inputs[k];
    if (x.rows != rows || rows < 0 || x.cols != shape_size(nodes_[inputs_[k]].shape) || (!x.data && rows > 0))
      throw ValueError("Graph::forward: input " + std::to_string(k) + " is not " + std::to_string(rows) + " rows of " +
                       std::to_string(shape_size(nodes_[inputs_[k]].shape)) + " values.");
  }
  bind_layers();
  reserve(ws, rows);
  ws.inputs_ = inputs;
  ws.training_ = training;
  ws.call_default_ = call_default;
  for (size_t k = 0; k < inputs_.size(); ++k) {
    // A whole-number input holds what Keras's cast to its type leaves (cast_whole_number).
    const WholeNumberCast cast = nodes_[inputs_[k]].cast;
    if (cast == WholeNumberCast::None) continue;
    auto& b = ws.nodes_[inputs_[k]];
    const ConstView x = inputs[k];
    for (Index i = 0; i < x.rows * x.cols; ++i) b.out[i] = cast_whole_number(x.data[i], cast);
    ws.inputs_[k] = ConstView{b.out.data(), x.rows, x.cols};
  }
  std::vector<ConstView>& in = ws.in_;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    if (!n.layer) continue;
    const Context ctx{node_training(n, training, call_default), rng, false};
    in.clear();
    for (int j : n.inputs) in.push_back(node_output(ws, j));
    auto& b = ws.nodes_[i];
    n.layer->forward(in, View{b.out.data(), rows, b.cols}, View{b.scratch.data(), rows, b.scratch_cols}, ctx);
  }
}

ConstView Graph::output(const Workspace& ws, int k) const {
  require_ran(ws);
  return node_output(ws, outputs_.at(k));
}

void Graph::require_ran(const Workspace& ws) const {
  if (ws.graph_ != this) throw ValueError("This workspace has not run this graph's forward pass.");
}

ConstView Graph::node_output(const Workspace& ws, int node) const {
  const Node& n = nodes_[node];
  if (!n.layer) {
    for (size_t k = 0; k < inputs_.size(); ++k)
      if (inputs_[k] == node) return ws.inputs_[k];
  }
  const auto& b = ws.nodes_[node];
  return ConstView{b.out.data(), ws.rows_, b.cols};
}

void Graph::zero_grads(Workspace& ws, const UpdatePlan* plan) {
  require_ran(ws);
  if (storage_) {  // a graph of weightless layers (a traced loss) has no parameter buffer
    Buffer& grads = storage_->grads;
    int64_t from = 0;  // zero everything between the written segments
    if (plan)
      for (const Segment& s : plan->segments) {
        std::fill(grads.begin() + from, grads.begin() + s.offset, 0.0f);
        from = s.offset + s.size;
      }
    std::fill(grads.begin() + from, grads.end(), 0.0f);
  }
  for (size_t i = 0; i < ws.nodes_.size(); ++i) {
    auto& b = ws.nodes_[i];
    if (!b.grad.empty() && !grad_written_by_consumer(static_cast<int>(i)))
      std::fill(b.grad.begin(), b.grad.begin() + ws.rows_ * b.cols, 0.0f);
  }
}

bool Graph::grad_written_by_consumer(int j) const {
  const Node& n = nodes_[j];
  if (n.consumers.size() != 1 || std::find(outputs_.begin(), outputs_.end(), j) != outputs_.end()) return false;
  const Node& consumer = nodes_[n.consumers[0]];
  return consumer.inputs.size() == 1 && consumer.layer->writes_grad_in();
}

View Graph::output_grad(Workspace& ws, int k) const {
  require_ran(ws);
  auto& b = ws.nodes_[outputs_.at(k)];
  return View{b.grad.data(), ws.rows_, b.cols};
}

ConstView Graph::input_grad(const Workspace& ws, int k) const {
  if (!input_gradients_) throw ValueError("This graph does not compute the gradients of its inputs.");
  require_ran(ws);
  const auto& b = ws.nodes_[inputs_.at(k)];
  return ConstView{b.grad.data(), ws.rows_, b.cols};
}

ConstView Graph::output_logits(const Workspace& ws, int k) const {
  require_ran(ws);
  const int node = outputs_.at(k);
  const Node& n = nodes_[node];
  if (!n.layer) return {};
  switch (n.layer->logits_at()) {
    case Layer::LogitsAt::Scratch:
      return ConstView{ws.nodes_[node].scratch.data(), ws.rows_, ws.nodes_[node].cols};
    case Layer::LogitsAt::Input:
      return node_output(ws, n.inputs.at(0));
    case Layer::LogitsAt::None:
      break;
  }
  return {};
}

bool Graph::output_logits_at(int k) const {
  const Node& n = nodes_[outputs_.at(k)];
  return n.layer && n.layer->logits_at() != Layer::LogitsAt::None;
}

bool Graph::output_logits_of_sigmoid(int k) const {
  return output_logits_at(k) && nodes_[outputs_.at(k)].layer->sigmoid_of_logits();
}

bool Graph::output_takes_logit_gradient(int k) const {
  const Node& n = nodes_[outputs_.at(k)];
  if (!output_logits_at(k) || !n.consumers.empty()) return false;
  if (n.layer->activity_regularizer.active()) return false;
  return std::count(outputs_.begin(), outputs_.end(), outputs_[k]) == 1;
}

UpdatePlan Graph::plan_updates_in_backward(const std::vector<Segment>& trainable) const {
  UpdatePlan plan;
  plan.nodes.assign(nodes_.size(), false);
  std::map<const Layer*, int> uses;
  for (const Node& n : nodes_)
    if (n.layer) ++uses[n.layer.get()];
  auto is_trainable_segment = [&](const WeightRecord& r) {
    return std::any_of(trainable.begin(), trainable.end(), [&](const Segment& s) { return s.offset == r.offset && s.size == r.size; });
  };
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Layer* layer = nodes_[i].layer.get();
    if (!layer || !layer->updates_weights_in_backward() || uses[layer] != 1) continue;
    const auto records = weights_of(layer);
    const bool eligible = !records.empty() && std::all_of(records.begin(), records.end(), [&](const WeightRecord* r) {
      return !r->spec.regularizer.active() && is_trainable_segment(*r);
    });
    if (!eligible) continue;
    plan.nodes[i] = true;
    for (const WeightRecord* r : records) plan.segments.push_back({r->offset, r->size});
  }
  std::sort(plan.segments.begin(), plan.segments.end(), [](const Segment& a, const Segment& b) { return a.offset < b.offset; });
  for (const Segment& s : trainable)
    if (!std::any_of(plan.segments.begin(), plan.segments.end(), [&](const Segment& p) { return p.offset == s.offset; }))
      plan.remaining.push_back(s);
  return plan;
}

void Graph::backward(Workspace& ws, const std::vector<bool>& fused, Rng* rng, const WeightUpdater* updater,
                     const UpdatePlan* plan) {
  require_ran(ws);
  if (!rng) throw ValueError("Graph::backward needs a random generator.");
  bind_layers();
  const Index rows = ws.rows_;
  std::vector<ConstView>& in = ws.in_;
  std::vector<View>& grad_in = ws.grad_in_;
  for (size_t i = nodes_.size(); i-- > 0;) {
    const Node& n = nodes_[i];
    if (!n.layer) continue;
    // The mode forward ran this node in, so the layer differentiates what it computed.
    Context ctx{node_training(n, ws.training_, ws.call_default_), rng, false};
    if (updater && plan && plan->nodes[i]) ctx.updater = updater;
    ctx.write_grad_in = n.inputs.size() == 1 && grad_written_by_consumer(n.inputs[0]);
    for (size_t k = 0; k < outputs_.size(); ++k)
      if (outputs_[k] == static_cast<int>(i) && k < fused.size() && fused[k]) ctx.grad_is_preactivation = true;
    in.clear();
    grad_in.clear();
    for (int j : n.inputs) {
      in.push_back(node_output(ws, j));
      auto& jb = ws.nodes_[j];
      // Graph inputs need no gradient, unless the graph is a loss of them.
      grad_in.push_back(nodes_[j].layer || input_gradients_ ? View{jb.grad.data(), rows, jb.cols} : View{});
    }
    auto& b = ws.nodes_[i];
    if (n.layer->activity_regularizer.active())
      n.layer->activity_regularizer.add_gradient(b.out.data(), b.grad.data(), rows * b.cols, 1.0 / double(rows));
    n.layer->backward(in, ConstView{b.out.data(), rows, b.cols}, ConstView{b.grad.data(), rows, b.cols},
                      View{b.scratch.data(), rows, b.scratch_cols}, grad_in, ctx);
  }
}

}  // namespace densekit
