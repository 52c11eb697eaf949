// One step on a batch: the forward pass, each output's loss and its gradient, the backward
// pass, the optimizer's update and the metrics (train_step and test_step in
// keras/src/backend/tensorflow/trainer.py), and the logs they add up to.
#include <densekit/errors.hpp>
#include <densekit/model.hpp>
#include <densekit/traced_loss.hpp>
#include "../float_mode.hpp"

#include <algorithm>
#include <map>

namespace densekit {
namespace {

// The optimizer's update of the weight ranges layers finish during backward.
class OptimizerUpdater final : public WeightUpdater {
 public:
  OptimizerUpdater(Optimizer& optimizer, float* params, float* grads) : optimizer_(optimizer), params_(params), grads_(grads) {}
  void update(float* grad, int64_t n) const override { optimizer_.update_range(params_, grads_, grad - grads_, n); }

 private:
  Optimizer& optimizer_;
  float* params_;
  float* grads_;
};

}  // namespace

void Model::resolve(const Data& data) {
  if (resolved_) return;
  const auto& outputs = graph_->output_nodes();
  losses_.clear();
  logit_losses_.clear();
  metrics_.assign(outputs.size(), {});
  weighted_metrics_.assign(outputs.size(), {});
  for (size_t k = 0; k < outputs.size(); ++k) {
    const Index pcols = graph_->shape(outputs[k]).empty() ? 1 : graph_->shape(outputs[k]).back();
    // (A model compiled without a loss may be given no targets: its metrics then have none either.)
    const Index tcols = k < data.y.size() ? target_cols_per_position(k, data.y[k].cols) : 0;
    if (!compile_.losses.empty())  // else compiled without a loss: the model's own losses only
      losses_.push_back(compile_.losses[k].resolved(tcols, pcols));
    if (!compile_.losses.empty()) logit_losses_.push_back(losses_.back().on_logits());
    // A metric object given to compile() is the one the model updates (Keras's users read its
    // result() afterwards); only "accuracy" becomes a new metric of the kind the shapes call for.
    auto bind = [&](const MetricPtr& m) {
      // Keras's column-wise scores take (batch, outputs) only (R2Score, FBetaScore: "expects 2D inputs").
      const MetricKind kind = m->kind();
      const bool columns = kind == MetricKind::R2Score || kind == MetricKind::FBetaScore || kind == MetricKind::F1Score ||
                           (kind == MetricKind::AUC && m->multi_label);
      if (columns && positions(k) > 1)
        throw ValueError("The metric '" + m->name() + "' expects 2D inputs (batch, outputs); output " + std::to_string(k) +
                         " has shape " + shape_to_string(graph_->shape(outputs[k])) + " a sample.");
      if (kind == MetricKind::AutoAccuracy) return m->resolved(tcols, pcols);
      m->build(pcols);  // per-column state sized before any process shares it
      return m;
    };
    for (const auto& m : compile_.metrics[k]) metrics_[k].push_back(bind(m));
    for (const auto& m : compile_.weighted_metrics[k]) weighted_metrics_[k].push_back(bind(m));
  }
  const bool multi = outputs.size() > 1;
  std::map<std::string, int> used;
  metric_keys_.assign(outputs.size(), {});
  weighted_metric_keys_.assign(outputs.size(), {});
  for (size_t k = 0; k < outputs.size(); ++k) {
    const std::string prefix = multi ? output_log_name(k) + "_" : "";
    for (const auto& m : metrics_[k]) {
      std::string key = prefix + m->name();
      if (used.count(key)) key += "_" + std::to_string(used[key]++);
      else used[key] = 1;
      metric_keys_[k].push_back(key);
    }
  }
  for (size_t k = 0; k < outputs.size(); ++k) {
    const std::string prefix = multi ? output_log_name(k) + "_" : "";
    for (const auto& m : weighted_metrics_[k]) {
      std::string key = prefix + m->name();
      if (!used.count(key)) {
        used[key] = 1;
      } else {
        key = prefix + "weighted_" + m->name();
        if (used.count(key)) key += "_" + std::to_string(used[key]++);
        else used[key] = 1;
      }
      weighted_metric_keys_[k].push_back(key);
    }
  }
  output_loss_trackers_.assign(outputs.size(), RunningMean{});
  resolved_ = true;
}

std::vector<std::pair<std::string, std::string>> Model::probabilities_given_as_logits() const {
  std::vector<std::pair<std::string, std::string>> out;
  auto check = [&](const Loss& loss) {
    if (loss.from_logits && loss.reads_logits())
      out.emplace_back(loss.name(), loss.kind == LossKind::BinaryCrossentropy ? "Sigmoid" : "Softmax");
  };
  const Graph& g = graph();  // (a moved-from model: Error)
  for (size_t k = 0; k < g.output_nodes().size(); ++k) {
    if (!g.output_logits_at(static_cast<int>(k))) continue;
    if (k < compile_.losses.size()) check(compile_.losses[k]);
    // The metrics of a cross-entropy call the same function as the loss (keras/src/metrics/probabilistic_metrics.py).
    for (const auto* per_output : {&compile_.metrics, &compile_.weighted_metrics})
      if (k < per_output->size())
        for (const auto& m : (*per_output)[k])
          if (m->kind() == MetricKind::LossFunction) check(m->loss);
  }
  return out;
}

void Model::reset_metrics() {
  loss_tracker_ = RunningMean{};
  output_loss_trackers_.assign(output_loss_trackers_.size(), RunningMean{});
  for (auto& per_output : metrics_)
    for (auto& m : per_output) m->reset();
  for (auto& per_output : weighted_metrics_)
    for (auto& m : per_output) m->reset();
}

double Model::step_loss(Workspace& ws, const Data& batch, bool compute_grads, const WeightUpdater* updater) {
  const FlushDenormals flush;
  const Graph::Use use(*graph_, compute_grads ? Graph::Use::kWrites : Graph::Use::kReads);
  graph_->forward(ws, batch.x, compute_grads, &step_rng());
  if (compute_grads) graph_->zero_grads(ws, updater ? &update_plan_ : nullptr);
  const size_t outputs = graph_->output_nodes().size();
  std::vector<bool>& fused = fused_;
  fused.assign(outputs, false);
  double total = 0.0;
  for (size_t k = 0; k < losses_.size(); ++k) {  // none when compiled without a loss
    const ConstView out = graph_->output(ws, static_cast<int>(k));
    const Shape& shape = graph_->shape(graph_->output_nodes()[k]);
    const Index last = shape.empty() ? 1 : shape.back();
    const Index rows = out.rows * (out.cols / last), tcols = batch.y[k].cols / (out.cols / last);
    const Loss& loss = losses_[k];
    const float* sample_weight = weights_per_position(batch, rows / out.rows);
    const double weight = compile_.loss_weights[k];
    // A cross-entropy of a softmax or sigmoid output is computed from the logits, as Keras on
    // TensorFlow computes it (Loss::reads_logits): the value, and the gradient where it can go
    // straight to the logits; elsewhere the gradient is the probabilities'.
    // (A binary focal loss only of a sigmoid's: of a softmax's, Keras's focal factor is the
    // probabilities', which its logits form would replace.)
    const bool of_logits = loss.reads_logits() && (loss.kind != LossKind::BinaryFocalCrossentropy ||
                                                   graph_->output_logits_of_sigmoid(static_cast<int>(k)));
    const ConstView logits = of_logits ? graph_->output_logits(ws, static_cast<int>(k)) : ConstView{};
    const Loss& logit_loss = logit_losses_[k];
    double value;
    if (loss.traced) {  // a loss traced from Python: its graph computes the value and the gradient
      View grad = compute_grads ? graph_->output_grad(ws, static_cast<int>(k)) : View{};
      value = traced_loss_step(k, ConstView{batch.y[k].data, batch.rows, batch.y[k].cols}, out, batch.sample_weight,
                               loss.reduction, weight, grad);
    } else if (compute_grads) {
      View grad = graph_->output_grad(ws, static_cast<int>(k));
      fused[k] = logits.data && graph_->output_takes_logit_gradient(static_cast<int>(k));
      // A node listed as several outputs takes the sum of their losses' gradients: the later
      // ones are computed aside and added.
      const auto& nodes = graph_->output_nodes();
      const bool repeated = std::find(nodes.begin(), nodes.begin() + k, nodes[k]) != nodes.begin() + k;
      const Index size = grad.rows * grad.cols;
      if (repeated && repeated_grad_.size() < static_cast<size_t>(size)) repeated_grad_.resize(static_cast<size_t>(size));
      // An Input listed as an output has no gradient buffer: its loss counts, nothing trains.
      float* target = !grad.data ? nullptr : repeated ? repeated_grad_.data() : grad.data;
      value = fused[k] ? logit_loss.value_and_grad<float>(batch.y[k].data, tcols, logits.data, last, rows, sample_weight,
                                                          double(rows), target)
                       : loss.value_and_grad<float>(batch.y[k].data, tcols, out.data, last, rows, sample_weight, double(rows), target);
      if (logits.data && !fused[k])
        value = logit_loss.value_and_grad<float>(batch.y[k].data, tcols, logits.data, last, rows, sample_weight,
                                                 double(rows), nullptr);
      if (weight != 1.0 && target)
        for (Index i = 0; i < size; ++i) target[i] *= static_cast<float>(weight);
      if (repeated && target)
        for (Index i = 0; i < size; ++i) grad.data[i] += target[i];
    } else {
      value = (logits.data ? logit_loss : loss)
                  .value_and_grad<float>(batch.y[k].data, tcols, logits.data ? logits.data : out.data, last, rows,
                                         sample_weight, double(rows), nullptr);
    }
    output_loss_trackers_[k].add(value, double(batch.rows));
    total += weight * value;
  }
  total += graph_->regularization_penalty(compute_grads) + graph_->activity_penalty(ws);
  if (compute_grads) {
    graph_->backward(ws, fused, &step_rng(), updater, updater ? &update_plan_ : nullptr);
    graph_->add_regularization_gradients();
  }
  loss_tracker_.add(total, double(batch.rows));
  return total;
}

double Model::traced_loss_step(size_t k, ConstView y_true, ConstView y_pred, const float* sample_weight,
                               Reduction reduction, double weight, View grad) {
  if (traced_loss_ws_.size() < losses_.size()) traced_loss_ws_.resize(losses_.size());
  TracedLossFunction& loss = *losses_[k].traced;
  if (!grad.data) return loss.value_and_grad(traced_loss_ws_[k], y_true, y_pred, sample_weight, reduction, double(y_pred.rows), nullptr);
  // Written aside, then added: a node listed as several outputs takes the sum of their gradients.
  const Index size = y_pred.rows * y_pred.cols;
  if (repeated_grad_.size() < static_cast<size_t>(size)) repeated_grad_.resize(static_cast<size_t>(size));
  const double value = loss.value_and_grad(traced_loss_ws_[k], y_true, y_pred, sample_weight, reduction,
                                           double(y_pred.rows), repeated_grad_.data());
  for (Index i = 0; i < size; ++i) grad.data[i] += static_cast<float>(weight) * repeated_grad_[i];
  return value;
}

// One optimizer step on a batch (train_step in keras/src/backend/tensorflow/trainer.py): the loss
// (scaled by the optimizer's loss_scale_factor before differentiation, like Keras's scale_loss),
// the update, then the weight constraints.
void Model::train_step(const Data& batch) {
  const FlushDenormals flush;
  const Graph::Use use(*graph_, Graph::Use::kWrites);  // the update too, not only step_loss
  float* params = graph_->params();
  float* grads = graph_->grads();
  if (optimizer_->updates_by_range()) {
    // The same update, taken while the gradients are in cache: Dense layers hand their
    // weight gradients over during backward, the optimizer updates the rest afterwards.
    optimizer_->begin_update();
    const OptimizerUpdater updater(*optimizer_, params, grads);
    step_loss(train_ws_, batch, true, &updater);
    optimizer_->update_segments(params, grads, update_plan_.remaining);
    optimizer_->end_step(params);
  } else {
    step_loss(train_ws_, batch, true);
    if (const auto& scale = optimizer_->config().loss_scale_factor) {
      const float s = static_cast<float>(*scale);
      for (int64_t i = 0; i < graph_->param_count(); ++i) grads[i] *= s;
    }
    optimizer_->apply(params, grads);
  }
  graph_->apply_constraints();
  update_metrics(train_ws_, batch);
}

bool Model::train_step_data_parallel(const Data& local, bool stop) {
  const FlushDenormals flush;
  const Graph::Use use(*graph_, Graph::Use::kWrites);
  const int64_t count = graph_->param_count();
  float* params = graph_->params();
  float* grads = graph_->grads();
  // Each process's mean gradient times its rows, summed and divided by the global rows: the
  // mean over the global batch, however unevenly it was split.
  reduce_buffer_.resize(static_cast<size_t>(count + 2));
  float* sum = reduce_buffer_.data();
  if (local.rows > 0) {
    step_loss(train_ws_, local, true);
    const float rows = static_cast<float>(local.rows);
    for (int64_t i = 0; i < count; ++i) sum[i] = grads[i] * rows;
  } else {
    std::fill(sum, sum + count, 0.0f);
  }
  sum[count] = static_cast<float>(local.rows);
  sum[count + 1] = stop ? 1.0f : 0.0f;
  distribution_.communicator->allreduce_sum(sum, count + 2);
  if (sum[count + 1] > 0.0f) return true;
  const float scale = static_cast<float>(optimizer_->config().loss_scale_factor.value_or(1.0)) / sum[count];
  for (int64_t i = 0; i < count; ++i) grads[i] = sum[i] * scale;
  optimizer_->apply(params, grads);
  graph_->apply_constraints();
  if (local.rows > 0) update_metrics(train_ws_, local);
  return false;
}

void Model::collect_accumulators(std::vector<double>& state) const {
  state.assign({loss_tracker_.total, loss_tracker_.count});
  for (const RunningMean& tracker : output_loss_trackers_) state.insert(state.end(), {tracker.total, tracker.count});
  for (const auto* group : {&metrics_, &weighted_metrics_})
    for (const auto& per_output : *group)
      for (const auto& m : per_output) m->append_state(state);
}

size_t Model::accumulator_count() const {
  std::vector<double> state;
  collect_accumulators(state);
  return state.size();
}

void Model::reduce_accumulators() {
  std::vector<double>& state = state_buffer_;
  collect_accumulators(state);
  distribution_.communicator->allreduce_sum(state.data(), static_cast<int64_t>(state.size()));
  const double* in = state.data();
  loss_tracker_.total = *in++, loss_tracker_.count = *in++;
  for (RunningMean& tracker : output_loss_trackers_) tracker.total = *in++, tracker.count = *in++;
  for (const auto* group : {&metrics_, &weighted_metrics_})
    for (const auto& per_output : *group)
      for (const auto& m : per_output) in = m->restore_state(in);
}

const float* Model::weights_per_position(const Data& batch, Index p) {
  if (!batch.sample_weight || p == 1 || batch.sample_weight_cols != 1) return batch.sample_weight;
  position_weights_.resize(static_cast<size_t>(batch.rows * p));
  for (Index i = 0; i < batch.rows; ++i) std::fill_n(position_weights_.data() + i * p, p, batch.sample_weight[i]);
  return position_weights_.data();
}

Index Model::positions(size_t k) const {
  const Shape& shape = graph_->shape(graph_->output_nodes()[k]);
  const Index last = shape.empty() ? 1 : shape.back();
  return last > 0 ? shape_size(shape) / last : 1;
}

Index Model::target_cols_per_position(size_t k, Index y_cols) const {
  const Index p = positions(k);
  return p > 1 && y_cols % p == 0 ? y_cols / p : y_cols;
}

void Model::update_metrics(Workspace& ws, const Data& batch) {
  for (size_t k = 0; k < metrics_.size(); ++k) {
    if (metrics_[k].empty() && weighted_metrics_[k].empty()) continue;  // (a model without a loss has no targets)
    const ConstView out = graph_->output(ws, static_cast<int>(k));
    const ConstView y = batch.y[k];
    // Keras's built-in metrics see an output of several positions (batch, steps, classes) as
    // rows of its last axis, each weighted by its sample's weight; a traced metric sees the
    // tensors it was traced for.
    const Index p = positions(k);
    const bool split = p > 1 && y.cols % p == 0;
    const ConstView y_rows = split ? ConstView{y.data, y.rows * p, y.cols / p} : y;
    const ConstView out_rows = split ? ConstView{out.data, out.rows * p, out.cols / p} : out;
    const ConstView logits = graph_->output_logits(ws, static_cast<int>(k));  // the cross-entropies read them
    const ConstView logit_rows = logits.data ? ConstView{logits.data, out_rows.rows, out_rows.cols} : ConstView{};
    const float* weights = batch.sample_weight;
    const float* row_weights = split ? weights_per_position(batch, p) : weights;
    const auto by_rows = [](const Metric& m) { return m.kind() != MetricKind::Stateful && !m.loss.traced; };
    for (auto& m : metrics_[k]) by_rows(*m) ? m->update(y_rows, out_rows, nullptr, logit_rows) : m->update(y, out, nullptr);
    for (auto& m : weighted_metrics_[k])
      by_rows(*m) ? m->update(y_rows, out_rows, row_weights, logit_rows) : m->update(y, out, weights);
  }
}

namespace {

// A metric with one value per threshold or class (TruePositives with several thresholds,
// F1Score with average=None) logs each value under "key\x1fi"; the Python binding gathers them
// back into one array under "key" (logs_to_list in cpp/bindings/model.cpp), as Keras logs it.
void add_metric_log(Logs& logs, const std::string& key, const Metric& m) {
  if (!m.array_valued()) {
    logs.emplace_back(key, m.result());
    return;
  }
  const std::vector<double> values = m.results();
  for (size_t i = 0; i < values.size(); ++i) logs.emplace_back(key + '\x1f' + std::to_string(i), values[i]);
}

}  // namespace

Logs Model::current_logs(bool losses, bool metrics) const {
  Logs logs;
  if (losses) logs.emplace_back("loss", loss_tracker_.result());
  const bool multi = metrics_.size() > 1;
  for (size_t k = 0; k < metrics_.size(); ++k) {
    if (losses && multi && !losses_.empty()) logs.emplace_back(output_log_name(k) + "_loss", output_loss_trackers_[k].result());
    if (!metrics) continue;
    for (size_t i = 0; i < metrics_[k].size(); ++i) add_metric_log(logs, metric_keys_[k][i], *metrics_[k][i]);
    for (size_t i = 0; i < weighted_metrics_[k].size(); ++i)
      add_metric_log(logs, weighted_metric_keys_[k][i], *weighted_metrics_[k][i]);
  }
  // Keras's results are float32 values.
  for (auto& entry : logs) entry.second = static_cast<double>(static_cast<float>(entry.second));
  return logs;
}

// The running metrics asked for from outside a loop: a loop of another thread is refused (it
// writes them), one of this thread (a callback) is read as it stands.
Logs Model::loss_trackers_result() const {
  const LoopScope scope(*this, "loss_trackers_result");
  return current_logs(true, false);
}

Logs Model::compiled_metrics_result() const {
  const LoopScope scope(*this, "compiled_metrics_result");
  require_compiled();
  // Keras builds its CompileMetrics (an empty one too) on the first batch.
  if (!resolved_)
    throw ValueError("Cannot get the compiled metrics' results before the model has trained or evaluated on a batch: "
                     "the metrics are built for the outputs on the first batch.");
  return current_logs(false, true);
}

void Model::reset_loss_tracker(int output) {
  const LoopScope scope(*this, "reset_loss_tracker");
  if (output < 0) {
    loss_tracker_ = RunningMean{};
  } else if (static_cast<size_t>(output) < output_loss_trackers_.size()) {
    output_loss_trackers_[static_cast<size_t>(output)] = RunningMean{};
  } else {
    throw ValueError("reset_loss_tracker: the model has " + std::to_string(output_loss_trackers_.size()) +
                     " output loss trackers, not " + std::to_string(output + 1) + ".");
  }
}

void Model::reset_compiled_metrics() {
  const LoopScope scope(*this, "reset_compiled_metrics");
  for (const auto* group : {&metrics_, &weighted_metrics_})
    for (const auto& per_output : *group)
      for (const auto& m : per_output) m->reset();
}

std::vector<float> Model::compute_gradients(const Data& data) {
  const LoopScope scope(*this, "compute_gradients");
  require_compiled();
  check_data(data, true);
  resolve(data);
  // The loss totals are those of a loop that may be running (a callback asking for gradients):
  // this batch is not one of its batches.
  const RunningMean saved_loss = loss_tracker_;
  const std::vector<RunningMean> saved_outputs = output_loss_trackers_;
  const Graph::Use use(*graph_, Graph::Use::kWrites);  // until the gradients are copied out
  step_loss(train_ws_, data, true);
  loss_tracker_ = saved_loss, output_loss_trackers_ = saved_outputs;
  return std::vector<float>(graph_->grads(), graph_->grads() + graph_->param_count());
}

}  // namespace densekit
