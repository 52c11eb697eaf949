// A traced loss function run like a built-in loss: forward through its graph, Keras's reduction
// of the weighted values, and the gradient back to y_pred (the graph's second input).
#include <densekit/traced_loss.hpp>

#include <densekit/errors.hpp>
#include <densekit/model.hpp>

namespace densekit {

TracedLossFunction::TracedLossFunction(std::shared_ptr<Model> function, std::string name, std::string config)
    : function_(std::move(function)), name_(std::move(name)), config_(std::move(config)) {
  if (!function_) throw ValueError("A traced loss needs the graph of its function.");
  Graph& graph = function_->graph();
  if (graph.input_nodes().size() != 2 || graph.output_nodes().size() != 1)
    throw ValueError("The traced loss '" + name_ + "' must have two inputs (y_true, y_pred) and one output; its graph has " +
                     std::to_string(graph.input_nodes().size()) + " inputs and " +
                     std::to_string(graph.output_nodes().size()) + " outputs.");
  if (!graph.nodes()[graph.output_nodes()[0]].layer)
    throw ValueError("The traced loss '" + name_ + "' returns one of its inputs unchanged: a loss must compute a value "
                     "from y_true and y_pred.");
  graph.set_input_gradients(true);
}

Index TracedLossFunction::y_true_size() const {
  const Graph& g = function_->graph();
  return shape_size(g.shape(g.input_nodes()[0]));
}

Index TracedLossFunction::y_pred_size() const {
  const Graph& g = function_->graph();
  return shape_size(g.shape(g.input_nodes()[1]));
}

void TracedLossFunction::check(Index y_true_cols, Index y_pred_cols) const {
  const Graph& g = function_->graph();
  if (y_pred_cols != y_pred_size() || y_true_cols != y_true_size())
    throw ValueError("The loss '" + name_ + "' was traced for y_true of shape " +
                     shape_to_string(g.shape(g.input_nodes()[0])) + " and y_pred of shape " +
                     shape_to_string(g.shape(g.input_nodes()[1])) + ", but received targets of " +
                     std::to_string(y_true_cols) + " values and predictions of " + std::to_string(y_pred_cols) +
                     " values per sample. Compile the model again (the loss is traced for its output's shape), or "
                     "give targets of the output's shape.");
}

ConstView TracedLossFunction::values(Workspace& ws, ConstView y_true, ConstView y_pred) {
  check(y_true.cols, y_pred.cols);
  Graph& graph = function_->graph();
  graph.forward(ws, {y_true, y_pred}, false, &function_->rng());
  return graph.output(ws, 0);
}

double TracedLossFunction::value_and_grad(Workspace& ws, ConstView y_true, ConstView y_pred, const float* sample_weight,
                                          Reduction reduction, double divisor, float* grad) {
  const ConstView v = values(ws, y_true, y_pred);
  const Index rows = v.rows, per_sample = v.cols;
  double weighted = 0.0, weight_sum = 0.0;
  for (Index i = 0; i < rows; ++i) {
    const double w = sample_weight ? double(sample_weight[i]) : 1.0;
    double row = 0.0;
    for (Index j = 0; j < per_sample; ++j) row += double(v.data[i * per_sample + j]);
    weighted += w * row;
    weight_sum += w;
  }
  // Keras divides the sum by the number of values (sum over batch size) or by Σ sample weights.
  double denom = 1.0;
  if (reduction == Reduction::SumOverBatchSize) denom = divisor * double(per_sample);
  else if (reduction == Reduction::MeanWithSampleWeight) denom = sample_weight ? weight_sum : divisor * double(per_sample);
  else if (reduction == Reduction::None) throw ValueError("A loss with reduction=None has no scalar value to minimise.");
  const double scale = denom > 0 ? 1.0 / denom : 0.0;
  if (grad) {
    Graph& graph = function_->graph();
    graph.zero_grads(ws);
    View out_grad = graph.output_grad(ws, 0);
    for (Index i = 0; i < rows; ++i) {
      const float g = static_cast<float>((sample_weight ? double(sample_weight[i]) : 1.0) * scale);
      for (Index j = 0; j < per_sample; ++j) out_grad.data[i * per_sample + j] = g;
    }
    graph.backward(ws, {false}, &function_->rng());
    const ConstView dy = graph.input_grad(ws, 1);
    std::copy(dy.data, dy.data + rows * dy.cols, grad);
  }
  return weighted * scale;
}

}  // namespace densekit
