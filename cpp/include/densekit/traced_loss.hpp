// A loss (or metric) the user wrote as a function of (y_true, y_pred) with densekit.ops: traced
// once into a graph of op layers, it runs in C++ like the built-in losses. Keras wraps such a
// function in LossFunctionWrapper (keras/src/losses/losses.py) and a Loss subclass's call() the
// same way: the function gives a value per sample (or per element), which the Loss reduces with
// its reduction, weighted by the sample weights (reduce_weighted_values in
// keras/src/losses/loss.py).
#pragma once

#include <densekit/losses.hpp>
#include <densekit/tensor.hpp>

#include <memory>
#include <string>

namespace densekit {

class Model;
class Workspace;

class TracedLossFunction {
 public:
  // `function` has two inputs, y_true then y_pred, and one output: the loss values of each
  // sample. `config` is how Keras serializes the Python object that was traced (a function's or
  // a Loss subclass's registered name and config), kept for the compile config.
  TracedLossFunction(std::shared_ptr<Model> function, std::string name, std::string config);

  const std::string& name() const { return name_; }
  const std::string& config() const { return config_; }
  const Model& function() const { return *function_; }
  // Per-sample sizes of what the function was traced for.
  Index y_true_size() const;
  Index y_pred_size() const;
  // Throws ValueError, naming the loss and the shapes, unless `rows` targets of `y_true_cols`
  // values and predictions of `y_pred_cols` values are what the function was traced for.
  void check(Index y_true_cols, Index y_pred_cols) const;

  // The function's values on a batch (rows x values per sample), left in `ws`.
  ConstView values(Workspace& ws, ConstView y_true, ConstView y_pred);
  // The reduced loss over the batch; with `grad` (rows x y_pred.cols), also its gradient with
  // respect to y_pred. Sum over batch size divides by the number of values of `divisor` samples.
  double value_and_grad(Workspace& ws, ConstView y_true, ConstView y_pred, const float* sample_weight,
                        Reduction reduction, double divisor, float* grad);

 private:
  std::shared_ptr<Model> function_;
  std::string name_, config_;
};

}  // namespace densekit
