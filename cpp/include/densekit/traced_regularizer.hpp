// A weight regularizer the user wrote in Python (a function of the weight, or a Regularizer
// subclass's __call__). It can only be traced once the weight's shape is known, after the layer
// is built, so it starts pending: the Python side then traces it into a graph of one row whose
// input is the weight. Keras sums whatever a regularizer returns into the loss
// (_aggregate_additional_loss in keras/src/trainers/trainer.py), so the penalty is the sum of
// the graph's outputs, and its gradient comes back through the graph to its input.
#pragma once

#include <densekit/tensor.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace densekit {

class Model;
class Workspace;

class TracedRegularizer {
 public:
  // `config` is Keras's serialization of the Python object (its registered name and config);
  // `name`, its class's or function's name, is for messages.
  TracedRegularizer(std::string name, std::string config);
  ~TracedRegularizer();

  const std::string& name() const { return name_; }
  const std::string& config() const { return config_; }
  bool traced() const;
  // The traced graph: one input (the weight, as one row) and one output.
  void set_function(std::shared_ptr<Model> function);
  std::shared_ptr<const Model> function() const;

  // With keep_gradient (a training step), the same forward pass also runs backward and keeps
  // d(penalty)/dw for the add_gradient that follows on the same weights.
  double penalty(const float* w, int64_t n, bool keep_gradient = false) const;
  // grad += scale · d(penalty)/dw
  void add_gradient(const float* w, float* grad, int64_t n, double scale) const;

 private:
  // Each called with mutex_ held.
  void check(int64_t n) const;
  double forward(const float* w, int64_t n) const;
  const float* backward() const;  // d(penalty)/dw after forward()

  std::string name_, config_;
  std::shared_ptr<Model> function_;
  // One workspace, reused every step; the lock keeps two models that share the layer (and so this
  // regularizer) from using it at once.
  mutable std::mutex mutex_;
  std::unique_ptr<Workspace> ws_;
  mutable std::vector<ConstView> input_{1};      // the weight, as forward's input list
  const std::vector<bool> no_fusion_{false};     // backward's per-output flags
  mutable std::vector<float> kept_;
  mutable const float* kept_for_ = nullptr;  // the weights kept_ is the gradient at
};

}  // namespace densekit
