// The model's computation: a DAG of nodes (a node = a layer applied to earlier nodes), one
// flat parameter buffer with per-layer views, and reusable per-batch buffers.
#pragma once

#include <densekit/layers/input_layer.hpp>
#include <densekit/layers/layer.hpp>
#include <densekit/optimizers.hpp>
#include <densekit/tensor.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace densekit {

struct Node {
  LayerPtr layer;            // null for a graph input
  std::vector<int> inputs;   // earlier nodes
  std::vector<int> consumers;
  Shape shape;               // per-sample output shape
  std::string name;          // the input's or the layer's name
  // An input's declared type: "float32", or an integer or bool type (whole numbers, carried as
  // float32, each value what Keras's cast to the type makes of it: cast_whole_number).
  std::string dtype = "float32";
  WholeNumberCast cast = WholeNumberCast::None;  // from dtype, once (not every forward)
  // A layer called with an explicit training flag. In a functional model the flag is the call's
  // default, as Keras 3 keeps it (keras/src/models/functional.py, operation_fn): a model called
  // in a mode of its own (fit, evaluate and predict pass one) runs every layer in that mode, a
  // model called without one (model(x)) runs this layer in the flag's. A flag a subclassed
  // model's call() passes whatever the model's mode (found by tracing: training_fixed) holds in
  // every call. Without a flag the layer follows the model (fit: training).
  std::optional<bool> training;
  bool training_fixed = false;
};

// Whether a node runs in training mode in a pass in mode `training`; `call_default`: the model
// was called without a mode (Keras's model(x)), so a node's default flag decides.
inline bool node_training(const Node& n, bool training, bool call_default) {
  return n.training && (n.training_fixed || call_default) ? *n.training : training;
}

// Builds `layer` for inputs of these per-sample shapes (their producers named `input_names`)
// and returns its output shape; a ValueError names the layer and every input with its shape.
Shape build_layer(Layer& layer, const std::vector<Shape>& shapes, const std::vector<std::string>& input_names);

// Where one weight of one layer lives in the flat buffer.
struct WeightRecord {
  Layer* layer = nullptr;
  WeightSpec spec;
  int64_t offset = 0;
  int64_t size = 0;
};

// Which layers update their weights during backward in a training step (Context::updater):
// those that can, run at one node only, and whose weights are all trainable (each one of the
// optimizer's segments) and unregularized (a penalty's gradient is only added after backward).
struct UpdatePlan {
  std::vector<bool> nodes;         // per node: its layer updates in backward
  std::vector<Segment> segments;   // those layers' weights (their gradients are written, not zeroed first)
  std::vector<Segment> remaining;  // the optimizer's other segments, updated after backward
};

// Per-node activations, gradients and scratch for batches of up to `capacity` rows. Allocated
// once per batch size and reused; one per thread that runs the graph at the same time.
class Workspace {
 public:
  Index rows() const { return rows_; }

 private:
  friend class Graph;
  struct Buffers {
    Buffer out, grad, scratch;
    Index cols = 0, scratch_cols = 0;
  };
  std::vector<Buffers> nodes_;
  std::vector<ConstView> inputs_;
  // Argument lists reused by every forward/backward call (no allocation per step).
  std::vector<ConstView> in_;
  std::vector<View> grad_in_;
  Index capacity_ = 0;
  const void* graph_ = nullptr;  // the graph whose buffers these are (its last forward's)
  Index rows_ = 0;
  bool training_ = false;  // the mode of the last forward, which backward differentiates
  bool call_default_ = false;
};

// A layer may be shared by several graphs (one layer in two models, or in a model and the
// one-layer graph of an eager call); its weights are one set of values, as Keras's shared
// variables are. They live in the buffers of the graph that bound the layer last, and every
// graph keeps that invariant itself: before it runs or its weights are read or written
// (forward, backward, params(), set_weight), a graph re-binds the layers another graph bound
// since, copying their current values in first (bind_layers). So the latest values always win,
// and a graph that is destroyed hands the values of its layers that live on to buffers of their
// own (a layer never points into freed memory).
//
// Threads: every computation on a graph's weights holds a Graph::Use. Readers (forward passes
// of predict and evaluate) run together; a writer (a training step, which updates the weights in
// place) runs alone, so no prediction reads half-updated weights. A graph that needs a layer
// another graph holds waits until no computation runs on that graph, then moves it: two models
// sharing a layer take turns, from any threads. A thread never waits on a computation it runs
// itself (a callback inside a step): on its own graph it goes on, and a move it would have to
// wait for raises an Error instead; so does a move outside any Use (reading or setting weights)
// while the other graph computes.
class Graph : public std::enable_shared_from_this<Graph> {
 public:
  class Use {
   public:
    enum Kind { kReads, kWrites };
    Use(const Graph& graph, Kind kind);
    ~Use();
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

   private:
    WeightStorage* storage_;
    bool writes_;
  };

  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  ~Graph();

  // Adds a graph input of the given per-sample shape; returns its node id.
  int add_input(const Shape& shape, const std::string& name, const std::string& dtype = "float32");
  // Applies `layer` to earlier nodes, building it; returns the new node id. `training` and
  // `training_fixed`: the node's mode (see Node::training).
  int add_layer(const LayerPtr& layer, const std::vector<int>& inputs, std::optional<bool> training = std::nullopt,
                bool training_fixed = false);
  void set_outputs(const std::vector<int>& outputs);
  // Reorders the graph inputs (a functional model's `inputs` order); a permutation of input_nodes().
  void set_input_order(const std::vector<int>& inputs);
  // Places every weight in the flat buffer and initializes it. Call once, after the last node.
  void finalize();
  // The number of parameters finalize() will allocate (checked against limits().max_parameters).
  int64_t planned_param_count() const;
  bool finalized() const { return finalized_; }
  // Makes this graph's buffers the home of its layers' weights: each layer another graph bound
  // since gets its current values copied in and is bound here. One comparison per layer when
  // nothing moved (no lock, no allocation): forward, backward, params() and set_weight call it.
  void bind_layers() const;

  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<int>& input_nodes() const { return inputs_; }
  const std::vector<int>& output_nodes() const { return outputs_; }
  const Shape& shape(int node) const { return nodes_.at(node).shape; }
  // Distinct layers in order of first use (a shared layer once).
  std::vector<LayerPtr> layers() const;
  const std::vector<WeightRecord>& weights() const { return weights_; }
  std::vector<const WeightRecord*> weights_of(const Layer* layer) const;
  // Weight `index` of `layer`; ValueError when the layer has fewer.
  const WeightRecord& weight_of(const Layer* layer, size_t index) const;

  // Replaces weight `index` of `layer` (Keras's set_weights); throws ValueError on a shape
  // mismatch. Waits for a computation on another thread (a training step, a prediction).
  void set_weight(const Layer* layer, size_t index, const float* values, const Shape& shape);
  // The values of weight `index` of `layer` (Keras's get_weights), read between training steps.
  std::vector<float> get_weight(const Layer* layer, size_t index) const;

  // The flat weights, with the current values of every layer (bind_layers first).
  float* params();
  const float* params() const;
  float* grads() { return storage_ ? storage_->grads.data() : nullptr; }
  int64_t param_count() const { return storage_ ? static_cast<int64_t>(storage_->params.size()) : 0; }
  std::vector<Segment> trainable_segments() const;

  // Σ weight penalties, and their gradient added into grads().
  // with_gradients: a training step's, add_regularization_gradients following.
  double regularization_penalty(bool with_gradients = false) const;
  void add_regularization_gradients();
  // Σ activity penalties of the layers' outputs in `ws` (each divided by the batch size);
  // their gradients are added during backward.
  double activity_penalty(const Workspace& ws) const;
  // The same terms one by one, as Keras's model(x) records them in its layers' losses: for each
  // node that adds one (an AddLoss op, a layer with an activity regularizer), its index and value.
  std::vector<std::pair<int, double>> added_losses(const Workspace& ws) const;
  // Whether the graph adds losses of its own (AddLoss ops, activity regularizers).
  bool has_added_losses() const;
  // Whether an inference pass draws random values: a layer that draws in inference, or one that
  // runs in training mode there (node_training). Otherwise each row's outputs depend on that row alone.
  bool draws_in_inference(bool call_default = false) const;
  // Whether a node has a default mode that a call without a mode of its own would run it in.
  bool has_training_defaults() const;
  // w ← constraint(w) for every trainable weight that has a constraint.
  void apply_constraints();

  // Runs every node on `rows` rows of the inputs (graph-input order), in mode `training` (each node
  // as node_training says). The outputs stay in `ws`.
  void forward(Workspace& ws, const std::vector<ConstView>& inputs, bool training, Rng* rng,
               bool call_default = false) const;
  ConstView output(const Workspace& ws, int k) const;
  // Zeroes the parameter gradients (except those of the weights `plan` updates in backward)
  // and the node gradients (except those their one consumer writes: grad_written_by_consumer);
  // the caller then writes d(loss)/d(output k) into output_grad(ws, k) and calls backward.
  void zero_grads(Workspace& ws, const UpdatePlan* plan = nullptr);
  View output_grad(Workspace& ws, int k) const;
  // Back-propagates from the output gradients; fused[k] says output k's gradient is with
  // respect to its layer's pre-activation. With an updater, the layers `plan` names update
  // their weights as they go.
  void backward(Workspace& ws, const std::vector<bool>& fused, Rng* rng, const WeightUpdater* updater = nullptr,
                const UpdatePlan* plan = nullptr);
  // The plan for an optimizer over the `trainable` segments (sorted, as trainable_segments()).
  UpdatePlan plan_updates_in_backward(const std::vector<Segment>& trainable) const;

  // Makes backward write d(loss)/d(graph input k) too (input_grad), for a graph that is itself a
  // loss of its inputs (traced_loss.hpp). Off by default: a model needs no gradient of its data.
  void set_input_gradients(bool on) { input_gradients_ = on; }
  ConstView input_grad(const Workspace& ws, int k) const;

  // The logits of output k, if a softmax or sigmoid produced it (Layer::logits_at), else a view
  // with no data; valid until the next forward.
  ConstView output_logits(const Workspace& ws, int k) const;
  // Whether output k has such logits (before any run), and whether a sigmoid made them its output.
  bool output_logits_at(int k) const;
  bool output_logits_of_sigmoid(int k) const;
  // Whether a loss may hand output k's layer its gradient with respect to those logits
  // (Context::grad_is_preactivation): nothing else consumes the output, it is listed once, and
  // no activity regularizer needs the gradient with respect to the output itself.
  bool output_takes_logit_gradient(int k) const;

 private:
  void reserve(Workspace& ws, Index rows) const;
  // ValueError unless `ws` holds this graph's last forward pass.
  void require_ran(const Workspace& ws) const;
  // The loss node `node` adds to the pass in `ws` (rows > 0): its AddLoss term and activity penalty.
  double added_loss(size_t node, const Workspace& ws) const;
  // Whether node j's gradient comes whole from one layer that writes it (Layer::writes_grad_in):
  // it is then not zeroed before backward, which saves a pass over it and the consumer's read of
  // the zeros (W5: 4 MB a step).
  bool grad_written_by_consumer(int j) const;
  ConstView node_output(const Workspace& ws, int node) const;
  // bind_layers' slow path (and Use's, which then registers its computation as it binds), and
  // the destructor's hand-over of the layers that outlive the graph.
  void rebind_layers(const Use* use = nullptr, bool writes = false) const;
  void release_layers() noexcept;
  // Binds `layer` to `storage`, weight i at offsets[i], its current values copied there first.
  static void move_layer(Layer& layer, const std::vector<const WeightRecord*>& records,
                         std::shared_ptr<WeightStorage> storage, const std::vector<int64_t>& offsets);

  std::vector<Node> nodes_;
  std::vector<int> inputs_, outputs_;
  // Each node's name and its layer (null for an input): a saved model keys weights by layer
  // name, so two layers of one name are refused.
  std::map<std::string, const Layer*> names_;
  std::vector<WeightRecord> weights_;
  std::shared_ptr<WeightStorage> storage_;  // params and grads; layers bound here share it
  std::vector<Layer*> weighted_layers_;     // distinct layers with weights: bind_layers' checks
  std::vector<double> constraint_scratch_;
  bool finalized_ = false;
  bool input_gradients_ = false;
};

}  // namespace densekit
