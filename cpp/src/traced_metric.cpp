// A traced stateful metric run in C++: update_state's graph forward on a batch, its batch
// statistics added to the variables; result()'s graph forward on the variables.
#include <densekit/traced_metric.hpp>

#include <densekit/errors.hpp>
#include <densekit/model.hpp>

namespace densekit {

TracedMetricFunction::TracedMetricFunction(std::string name, std::string config,
                                           std::vector<TracedMetricVariable> variables, TracedMetricUpdate unweighted,
                                           TracedMetricUpdate weighted, std::shared_ptr<Model> result)
    : name_(std::move(name)), config_(std::move(config)), variables_(std::move(variables)),
      unweighted_(std::move(unweighted)), weighted_(std::move(weighted)), result_(std::move(result)) {
  if (variables_.empty())
    throw ValueError("The metric '" + name_ + "' has no variables: a stateful Metric keeps its state in variables made "
                     "with add_variable.");
  Index offset = 0;
  for (const auto& v : variables_) {
    const Index size = checked_shape_size(v.shape, "The variable '" + v.name + "' of metric '" + name_ + "'");
    if (size == 0)
      throw ValueError("The metric '" + name_ + "' variable '" + v.name + "' has no elements (shape " +
                       shape_to_string(v.shape) + ").");
    if (Index(v.reset_values.size()) != size)
      throw ValueError("The metric '" + name_ + "' variable '" + v.name + "' of shape " + shape_to_string(v.shape) +
                       " has " + std::to_string(v.reset_values.size()) + " reset values.");
    offsets_.push_back(offset);
    offset += size;
  }
  state_size_ = offset;
  if (!unweighted_.graph) throw ValueError("The metric '" + name_ + "' needs the graph of its update_state.");
  check_update(unweighted_, 2, "update_state");
  if (weighted_.graph) check_update(weighted_, 3, "update_state with sample weights");
  if (!result_) throw ValueError("The metric '" + name_ + "' needs the graph of its result.");
  const Graph& r = result_->graph();
  if (r.input_nodes().size() != variables_.size() || r.output_nodes().size() != 1)
    throw ValueError("The result of metric '" + name_ + "' must have one input per variable (" +
                     std::to_string(variables_.size()) + ") and one output; its graph has " +
                     std::to_string(r.input_nodes().size()) + " inputs and " + std::to_string(r.output_nodes().size()) +
                     " outputs.");
  for (size_t k = 0; k < variables_.size(); ++k)
    if (shape_size(r.shape(r.input_nodes()[k])) != std::max<Index>(1, shape_size(variables_[k].shape)))
      throw ValueError("The result graph of metric '" + name_ + "' takes variable '" + variables_[k].name +
                       "' with a shape other than its own " + shape_to_string(variables_[k].shape) + ".");
}

void TracedMetricFunction::check_update(const TracedMetricUpdate& u, Index inputs, const char* which) const {
  const Graph& g = u.graph->graph();
  if (Index(g.input_nodes().size()) != inputs)
    throw ValueError("The " + std::string(which) + " graph of metric '" + name_ + "' must have " +
                     std::to_string(inputs) + " inputs; it has " + std::to_string(g.input_nodes().size()) + ".");
  if (inputs == 3 && shape_size(g.shape(g.input_nodes()[2])) != 1)  // read as one weight per row
    throw ValueError("The " + std::string(which) + " graph of metric '" + name_ + "' must take one sample weight "
                     "per sample; its sample_weight input has shape " + shape_to_string(g.shape(g.input_nodes()[2])) +
                     ".");
  const int outputs = static_cast<int>(g.output_nodes().size());
  for (const auto& update : u.updates) {
    if (update.variable < 0 || size_t(update.variable) >= variables_.size())
      throw ValueError("The " + std::string(which) + " of metric '" + name_ + "' updates variable " +
                       std::to_string(update.variable) + " of " + std::to_string(variables_.size()) + ".");
    for (const auto& term : update.terms)
      if (term.output < 0 || term.output >= outputs)
        throw ValueError("The " + std::string(which) + " of metric '" + name_ + "' reads output " +
                         std::to_string(term.output) + " of a graph with " + std::to_string(outputs) + ".");
  }
}

std::vector<double> TracedMetricFunction::reset_state() const {
  std::vector<double> state;
  for (const auto& v : variables_) state.insert(state.end(), v.reset_values.begin(), v.reset_values.end());
  return state;
}

Index TracedMetricFunction::result_size() const {
  const Graph& g = result_->graph();
  return shape_size(g.shape(g.output_nodes()[0]));
}

void TracedMetricFunction::update(Workspace& ws, std::vector<double>& state, ConstView y_true, ConstView y_pred,
                                  const float* sample_weight) const {
  const TracedMetricUpdate& u = sample_weight ? weighted_ : unweighted_;
  if (!u.graph)
    throw ValueError("The metric '" + name_ + "' received sample weights, but its update_state takes no "
                     "`sample_weight` argument.");
  Graph& g = u.graph->graph();
  const Index true_size = shape_size(g.shape(g.input_nodes()[0])), pred_size = shape_size(g.shape(g.input_nodes()[1]));
  if (y_true.cols != true_size || y_pred.cols != pred_size)
    throw ValueError("The metric '" + name_ + "' was traced for y_true of shape " +
                     shape_to_string(g.shape(g.input_nodes()[0])) + " and y_pred of shape " +
                     shape_to_string(g.shape(g.input_nodes()[1])) + ", but received targets of " +
                     std::to_string(y_true.cols) + " values and predictions of " + std::to_string(y_pred.cols) +
                     " values per sample.");
  if (y_pred.rows != y_true.rows)
    throw ValueError("The metric '" + name_ + "' received " + std::to_string(y_true.rows) + " targets and " +
                     std::to_string(y_pred.rows) + " predictions.");
  if (Index(state.size()) != state_size_) state = reset_state();
  thread_local std::vector<ConstView> inputs;  // reused: no allocation per batch
  inputs.assign({y_true, y_pred});
  if (sample_weight) inputs.push_back(ConstView(sample_weight, y_pred.rows, 1));
  g.forward(ws, inputs, false, &u.graph->rng());
  for (const auto& update : u.updates) {
    double value = update.offset;
    for (const auto& term : update.terms) {
      const ConstView out = g.output(ws, term.output);
      double sum = 0.0;
      for (Index i = 0; i < out.rows * out.cols; ++i) sum += double(out.data[i]);
      const double n = double(out.rows * out.cols);
      value += term.scale * (term.mean ? (n > 0 ? sum / n : 0.0) : sum);
    }
    const TracedMetricVariable& v = variables_[size_t(update.variable)];
    double* s = state.data() + offsets_[size_t(update.variable)];
    for (Index e = 0; e < shape_size(v.shape); ++e) s[e] = update.accumulate ? s[e] + value : value;
  }
}

std::vector<double> TracedMetricFunction::result(Workspace& ws, const std::vector<double>& state,
                                                 std::vector<float>& inputs) const {
  inputs.clear();
  if (Index(state.size()) == state_size_) inputs.assign(state.begin(), state.end());
  else  // never updated: the reset values
    for (const auto& v : variables_) inputs.insert(inputs.end(), v.reset_values.begin(), v.reset_values.end());
  std::vector<ConstView> views;  // one row per variable
  for (size_t k = 0; k < variables_.size(); ++k)
    views.emplace_back(inputs.data() + offsets_[k], 1, std::max<Index>(1, shape_size(variables_[k].shape)));
  Graph& g = result_->graph();
  g.forward(ws, views, false, &result_->rng());
  const ConstView out = g.output(ws, 0);
  return std::vector<double>(out.data, out.data + out.cols);
}

}  // namespace densekit
