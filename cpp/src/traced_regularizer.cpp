// A traced weight regularizer: the weight, as the one row of its graph, forward to the penalty
// and backward to the weight's gradient.
#include <densekit/traced_regularizer.hpp>

#include <densekit/errors.hpp>
#include <densekit/model.hpp>

#include <algorithm>

namespace densekit {

TracedRegularizer::TracedRegularizer(std::string name, std::string config)
    : name_(std::move(name)), config_(std::move(config)) {}

TracedRegularizer::~TracedRegularizer() = default;

bool TracedRegularizer::traced() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return function_ != nullptr;
}

void TracedRegularizer::set_function(std::shared_ptr<Model> function) {
  if (!function) throw ValueError("The regularizer '" + name_ + "' needs the graph it was traced into.");
  Graph& graph = function->graph();
  if (graph.input_nodes().size() != 1 || graph.output_nodes().size() != 1)
    throw ValueError("The traced regularizer '" + name_ + "' must have one input (the weight) and one output; its graph has " +
                     std::to_string(graph.input_nodes().size()) + " inputs and " +
                     std::to_string(graph.output_nodes().size()) + " outputs.");
  if (!graph.nodes()[graph.output_nodes()[0]].layer)
    throw ValueError("The traced regularizer '" + name_ + "' returns the weight unchanged: its graph's output must be "
                     "computed from it.");
  graph.set_input_gradients(true);
  std::lock_guard<std::mutex> lock(mutex_);
  function_ = std::move(function);
  ws_ = std::make_unique<Workspace>();
}

std::shared_ptr<const Model> TracedRegularizer::function() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return function_;
}

void TracedRegularizer::check(int64_t n) const {
  if (!function_)
    throw ValueError("The regularizer '" + name_ + "' written in Python was never traced for its weight: it is traced "
                     "when the layer is built in Python, so build the model (or load it) with densekit's Python API "
                     "before saving it.");
  const Graph& g = function_->graph();
  const int64_t size = shape_size(g.shape(g.input_nodes()[0]));
  if (n != size)
    throw ValueError("The regularizer '" + name_ + "' was traced for a weight of shape " +
                     shape_to_string(g.shape(g.input_nodes()[0])) + " (" + std::to_string(size) +
                     " values), but was given " + std::to_string(n) + " values.");
}

double TracedRegularizer::forward(const float* w, int64_t n) const {
  check(n);
  const Graph& graph = function_->graph();
  input_[0] = ConstView{w, 1, n};  // no list built per step
  graph.forward(*ws_, input_, false, &function_->rng());
  const ConstView out = graph.output(*ws_, 0);
  double total = 0.0;
  for (Index i = 0; i < out.rows * out.cols; ++i) total += double(out.data[i]);
  return total;
}

const float* TracedRegularizer::backward() const {
  Graph& graph = function_->graph();
  graph.zero_grads(*ws_);
  const View out_grad = graph.output_grad(*ws_, 0);
  std::fill(out_grad.data, out_grad.data + out_grad.rows * out_grad.cols, 1.0f);
  graph.backward(*ws_, no_fusion_, &function_->rng());
  return graph.input_grad(*ws_, 0).data;
}

double TracedRegularizer::penalty(const float* w, int64_t n, bool keep_gradient) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const double value = forward(w, n);
  kept_for_ = nullptr;
  if (keep_gradient) {
    const float* dw = backward();
    kept_.assign(dw, dw + n);  // sized once: the weight's size does not change
    kept_for_ = w;
  }
  return value;
}

void TracedRegularizer::add_gradient(const float* w, float* grad, int64_t n, double scale) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const float* dw = kept_.data();
  if (kept_for_ != w || static_cast<int64_t>(kept_.size()) != n) {
    forward(w, n);
    dw = backward();
  }
  kept_for_ = nullptr;
  const float s = static_cast<float>(scale);
  for (int64_t i = 0; i < n; ++i) grad[i] += s * dw[i];
}

}  // namespace densekit
