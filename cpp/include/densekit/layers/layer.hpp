// The Layer contract: build from input shapes, declare weights, forward, backward.
#pragma once

#include <densekit/activations.hpp>
#include <densekit/constraints.hpp>
#include <densekit/initializers.hpp>
#include <densekit/random.hpp>
#include <densekit/regularizers.hpp>
#include <densekit/tensor.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace densekit {

// A weight a layer asks for; the model places it in its flat parameter buffer.
struct WeightSpec {
  std::string name;  // "kernel", "bias"
  Shape shape;
  bool trainable = true;
  Initializer initializer;
  Regularizer regularizer;
  Constraint constraint;  // applied after every optimizer update
  bool integer = false;  // an integer in Keras (Normalization's count); stored as float here
};

// The flat parameter and gradient buffers of one graph (graph.hpp). A layer bound to them shares
// their ownership, so its pointers stay valid even when the graph is gone.
struct WeightStorage {
  Buffer params, grads;
  // Computations running on these buffers (Graph::Use), and whether one of them writes (a
  // training step): a layer is not moved away while any runs, and a writer runs alone. Counted
  // in the process of fork generation `counted_in` (a forked child does not run its parent's).
  mutable std::atomic<int> users{0};
  mutable std::atomic<int> writers{0};
  mutable std::atomic<unsigned long> counted_in{0};
};

// Takes a layer's weight gradients during backward, range by range, and updates the matching
// weights (the optimizer's step): see Context::updater.
class WeightUpdater {
 public:
  virtual ~WeightUpdater() = default;
  // grad[0, n), a range of the model's flat gradient buffer, is final. Called from the pool's
  // threads, on disjoint ranges.
  virtual void update(float* grad, int64_t n) const = 0;
};

// What a forward/backward call needs to know besides the data.
struct Context {
  bool training = false;
  Rng* rng = nullptr;
  // Backward only: grad_out is already d(loss)/d(logits) (a cross-entropy read from the logits
  // of a softmax or sigmoid output, logits_at()), so the layer must not apply its activation's.
  bool grad_is_preactivation = false;
  // Backward only, for layers that updates_weights_in_backward(): the layer writes its weight
  // gradients (their buffers were not zeroed), hands every finished range to the updater, and
  // reads none of its weights after handing them over (so d(input) comes first).
  const WeightUpdater* updater = nullptr;
  // Backward only, for layers that writes_grad_in(): grad_in[0] holds no values yet (it was not
  // zeroed, as this layer is its node's one consumer), so the layer writes it instead of adding.
  bool write_grad_in = false;
};

class Layer {
 public:
  // Throws ValueError for a name holding '/', which separates a layer's name from its weights'.
  explicit Layer(std::string name);
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  const std::string& name() const { return name_; }
  virtual std::string class_name() const = 0;

  // Checks the per-sample input shapes and returns the output shape. The first call fixes the
  // weights' shapes; later calls (shared layers) must be compatible. Throws ValueError.
  virtual Shape build(const std::vector<Shape>& inputs) = 0;
  bool built() const { return built_; }
  // The weights, in Keras's order (after build).
  virtual std::vector<WeightSpec> weight_specs() const { return {}; }
  // The buffers the layer computes with: those of the graph that bound it last (null before
  // any). A graph compares this with its own before every run (Graph::bind_layers).
  const WeightStorage* bound_storage() const { return bound_.load(std::memory_order_acquire); }
  // Where the layer's current weight values are, in weight_specs() order (empty before binding).
  const std::vector<float*>& bound_params() const { return bound_params_; }
  // Called once by Graph::finalize after the initializers ran: a layer that already holds
  // values for its weights (Normalization adapted before it was placed in a model) writes them.
  virtual void init_weights(const std::vector<float*>& /*params*/) const {}

  // Floats per sample this layer keeps between forward and backward, for one node.
  virtual Index scratch_cols(const std::vector<Shape>& /*inputs*/, const Shape& /*output*/) const { return 0; }
  // Where a layer whose last step is a softmax or sigmoid keeps that step's input, the logits,
  // from forward to the end of backward: in its scratch (Dense), or as its input (Activation).
  // Such a layer's backward takes Context::grad_is_preactivation.
  enum class LogitsAt { None, Scratch, Input };
  virtual LogitsAt logits_at() const { return LogitsAt::None; }
  // Whether those logits go through a sigmoid (not a softmax): a binary focal loss reads them
  // only then, its focal factor being the output's (Keras's, on TensorFlow).
  virtual bool sigmoid_of_logits() const { return false; }
  // Dropout-like layers behave differently in training.
  virtual bool is_identity_in_inference() const { return false; }
  // For a layer that reads its input as indices (Embedding), how many there are: its inputs
  // must be whole numbers in [0, index_count()). 0 for the layers that read values.
  virtual int64_t index_count() const { return 0; }
  // Whether inference draws from the generator (so each row's output depends on the rows drawn
  // before it in the call).
  virtual bool draws_in_inference() const { return false; }
  // Whether backward() can take a Context::updater (Dense).
  virtual bool updates_weights_in_backward() const { return false; }
  // Whether backward() honours Context::write_grad_in (Dense).
  virtual bool writes_grad_in() const { return false; }
  // A loss term the layer adds to the model's loss from its output on a batch (Keras's
  // add_loss): 0 for all but AddLoss. Its gradient is the layer's backward's business.
  virtual double added_loss(ConstView /*out*/) const { return 0.0; }
  // Whether added_loss can be non-zero (an AddLoss op): a model with one trains without a
  // compiled loss, as Keras's does when it has losses of its own.
  virtual bool adds_loss() const { return false; }

  // out = f(in). `scratch` has scratch_cols() floats per row.
  virtual void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) = 0;
  // Adds d(loss)/d(in[i]) into grad_in[i] (writes it under Context::write_grad_in; skipped where
  // grad_in[i].data is null) and d(loss)/d(weights) into the bound gradient buffers. May
  // overwrite scratch.
  virtual void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                        const std::vector<View>& grad_in, const Context& ctx) = 0;

  bool trainable = true;
  // Penalty on the layer's output added to the loss, divided by the batch size (Keras ≥ 3.14).
  Regularizer activity_regularizer;

 protected:
  // Takes the layer's slices of the bound buffers, in weight_specs() order (only Graph binds,
  // through bind_to, so the stamp above always says where the pointers point).
  virtual void bind(const std::vector<float*>& /*params*/, const std::vector<float*>& /*grads*/) {}
  void mark_built() { built_ = true; }
  static void expect_inputs(const std::string& who, const std::vector<Shape>& inputs, size_t n);
  // For layers whose computation depends on the input shapes (merges, Reshape, normalization):
  // the first build records them, a later build (a shared layer) must receive the same ones.
  void expect_same_shapes(const std::vector<Shape>& inputs);

 private:
  friend class Graph;
  // Points the layer at `storage` (keeping it alive), then stamps it: a thread that reads the
  // stamp also sees the pointers (release/acquire).
  void bind_to(std::shared_ptr<WeightStorage> storage, const std::vector<float*>& params,
               const std::vector<float*>& grads);

  std::string name_;
  bool built_ = false;
  std::vector<Shape> built_shapes_;
  std::shared_ptr<WeightStorage> storage_;
  std::vector<float*> bound_params_;
  std::atomic<const WeightStorage*> bound_{nullptr};
};

using LayerPtr = std::shared_ptr<Layer>;

}  // namespace densekit
