// A stateful metric the user wrote as a Metric subclass (keras/src/metrics/metric.py): variables
// made with add_variable, an update_state that changes them each batch, a result() computed
// from them. densekit traces update_state once on symbolic (y_true, y_pred[, sample_weight]) and
// result() once on the variables, so the metric runs in C++ with the training loop.
//
// update_state is traced as the batch statistics it adds to (or assigns to) each variable:
// `v.assign_add(ops.sum(values))` becomes "v += Σ over the batch of the graph's output for
// values". The state is a vector of doubles, one run per variable, reset to the values the
// Python reset_state() gave.
#pragma once

#include <densekit/tensor.hpp>

#include <memory>
#include <string>
#include <vector>

namespace densekit {

class Model;
class Workspace;

struct TracedMetricVariable {
  std::string name;
  Shape shape;                       // () for a scalar
  std::vector<double> reset_values;  // what reset_state() gives, one per element
};

// One of a statistic's terms: scale · (the sum, or the mean, over the batch and every element)
// of one output of the update graph.
struct TracedStatisticTerm {
  int output = 0;
  bool mean = false;
  double scale = 1.0;
};

// update_state's change to one variable per batch: every element becomes (accumulate) its value
// plus, or (not accumulate) just, Σ terms + offset.
struct TracedStateUpdate {
  int variable = 0;
  bool accumulate = true;
  std::vector<TracedStatisticTerm> terms;
  double offset = 0.0;
};

// update_state traced one way: its graph (inputs y_true, y_pred, and sample_weight when weighted)
// and the changes it makes.
struct TracedMetricUpdate {
  std::shared_ptr<Model> graph;  // null: update_state takes no sample weights
  std::vector<TracedStateUpdate> updates;
};

class TracedMetricFunction {
 public:
  // `result` has one input per variable (its shape, () as (1,)) and one output. `config` is how
  // Keras serializes the Python metric (its registered name and get_config()).
  TracedMetricFunction(std::string name, std::string config, std::vector<TracedMetricVariable> variables,
                       TracedMetricUpdate unweighted, TracedMetricUpdate weighted, std::shared_ptr<Model> result);

  const std::string& name() const { return name_; }
  const std::string& config() const { return config_; }
  const std::vector<TracedMetricVariable>& variables() const { return variables_; }
  const TracedMetricUpdate& unweighted() const { return unweighted_; }
  const TracedMetricUpdate& weighted() const { return weighted_; }
  const Model& result_graph() const { return *result_; }

  std::vector<double> reset_state() const;
  // How many values result() gives (1: a scalar).
  Index result_size() const;
  // Adds one batch (rows of y_true and y_pred; sample_weight one per row, or null) to `state`.
  void update(Workspace& ws, std::vector<double>& state, ConstView y_true, ConstView y_pred,
              const float* sample_weight) const;
  // result() of `state`; `inputs` is reused scratch.
  std::vector<double> result(Workspace& ws, const std::vector<double>& state, std::vector<float>& inputs) const;

 private:
  std::string name_, config_;
  std::vector<TracedMetricVariable> variables_;
  std::vector<Index> offsets_;  // each variable's first element in the state
  Index state_size_ = 0;
  TracedMetricUpdate unweighted_, weighted_;
  std::shared_ptr<Model> result_;

  void check_update(const TracedMetricUpdate& u, Index inputs, const char* which) const;
};

}  // namespace densekit
