#include <densekit/errors.hpp>
#include <densekit/interrupt.hpp>
#include <densekit/io.hpp>
#include <densekit/model.hpp>
#include "float_mode.hpp"
#include "parallel_for.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>

namespace densekit {
namespace {

// Whether every value is finite (±inf and NaN have all exponent bits set). In integer
// operations the scan vectorizes; std::isfinite in a loop does not (measured: it took 9% of a
// batched predict).
bool all_finite(const float* data, Index n) {
  uint32_t exponents = 0;
  for (Index i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, data + i, sizeof bits);
    exponents = std::max(exponents, bits & 0x7f800000u);
  }
  return exponents != 0x7f800000u;
}

void check_finite(ConstView v, const std::string& what) {
  const Index n = v.rows * v.cols;
  if (all_finite(v.data, n)) return;
  for (Index i = 0; i < n; ++i)
    if (!std::isfinite(v.data[i]))
      throw ValueError(what + " contains " + (std::isnan(v.data[i]) ? "NaN" : "infinity") + " (first at row " +
                       std::to_string(i / std::max<Index>(v.cols, 1)) + ", column " + std::to_string(i % std::max<Index>(v.cols, 1)) +
                       "). Remove or impute non-finite values before passing the data to the model.");
}

double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

// dst = rows order[0..n) of src. Rows picked at random come from main memory (measured: 93 µs
// for 256 rows of 784 floats, a tenth of a training step), so threads share the rows and each
// asks for a row's cache lines a few rows before it copies it.
void gather_rows(ConstView src, const int64_t* order, Index n, float* dst) {
  constexpr Index kAhead = 4;
  const Index cols = src.cols;
  const size_t row_bytes = sizeof(float) * static_cast<size_t>(cols);
  parallel_rows(n, double(cols) * 4.0, [&](int64_t r0, int64_t r1) {
    for (Index r = r0; r < r1; ++r) {
      if (r + kAhead < r1) {
        const char* ahead = reinterpret_cast<const char*>(src.data + order[r + kAhead] * cols);
        for (size_t b = 0; b < row_bytes; b += 64) __builtin_prefetch(ahead + b);
      }
      std::memcpy(dst + r * cols, src.data + order[r] * cols, row_bytes);
    }
  });
}

// Rows [start, start+n) of `data`, gathered through `order` into the caller's buffers when
// shuffling, else views of the original arrays (no copy).
struct Batcher {
  std::vector<Buffer> x, y;
  Buffer w;
  Data b;  // reused: no allocation per batch once the buffers have grown

  const Data& view(const Data& data, Index start, Index n, const std::vector<int64_t>* order) {
    b.x.clear(), b.y.clear();
    b.sample_weight = nullptr;
    b.rows = n;
    if (!order) {
      for (const auto& v : data.x) b.x.push_back(v.slice_rows(start, n));
      for (const auto& v : data.y) b.y.push_back(v.slice_rows(start, n));
      b.sample_weight = data.sample_weight ? data.sample_weight + start : nullptr;
      return b;
    }
    auto gather = [&](const std::vector<ConstView>& src, std::vector<Buffer>& dst, std::vector<ConstView>& out) {
      dst.resize(src.size());
      for (size_t k = 0; k < src.size(); ++k) {
        const Index cols = src[k].cols;
        if (dst[k].size() < static_cast<size_t>(n * cols)) dst[k].resize(static_cast<size_t>(n * cols));
        gather_rows(src[k], order->data() + start, n, dst[k].data());
        out.push_back(ConstView{dst[k].data(), n, cols});
      }
    };
    gather(data.x, x, b.x);
    gather(data.y, y, b.y);
    if (data.sample_weight) {
      if (w.size() < static_cast<size_t>(n)) w.resize(static_cast<size_t>(n));
      for (Index r = 0; r < n; ++r) w[r] = data.sample_weight[(*order)[start + r]];
      b.sample_weight = w.data();
    }
    return b;
  }
};

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

// Calls a batch_end hook at most every `interval` seconds, and always for the first and last
// batch (and when asked to): the progress bar's redraws without a Python call per batch.
class Throttle {
 public:
  explicit Throttle(double interval) : interval_(interval) {}
  bool due(int64_t step, int64_t steps, bool force) {
    if (interval_ <= 0.0) return true;
    const double t = now_seconds();
    if (step == 0 || step + 1 == steps || force || t - last_ >= interval_) {
      last_ = t;
      return true;
    }
    return false;
  }

 private:
  double interval_;
  double last_ = -1e300;
};

}  // namespace

Model::Model(std::shared_ptr<Graph> graph, uint64_t seed) : graph_(std::move(graph)), rng_(seed), predict_seed_(seed ^ 0x9e3779b97f4a7c15ull) {
  if (!graph_) throw ValueError("A model needs a graph.");
  graph_->finalize();
  for (int o : graph_->output_nodes()) output_names.push_back(graph_->nodes()[o].name);
  if (graph_->input_nodes().size() > 1) input_structure = Structure::List;
  if (graph_->output_nodes().size() > 1) output_structure = Structure::List;
}

bool Model::trainable_changed_since_compile() const {
  if (!optimizer_) return false;
  const auto now = graph_->trainable_segments();
  if (now.size() != compiled_segments_.size()) return true;
  for (size_t i = 0; i < now.size(); ++i)
    if (now[i].offset != compiled_segments_[i].offset || now[i].size != compiled_segments_[i].size) return true;
  return false;
}

void Model::compile(std::shared_ptr<Optimizer> optimizer, CompileOptions options) {
  const size_t outputs = graph_->output_nodes().size();
  if (!optimizer) throw ValueError("compile() needs an optimizer.");
  if (options.losses.size() == 1 && outputs > 1) options.losses.assign(outputs, options.losses[0]);
  if (options.losses.size() != outputs)
    throw ValueError("The model has " + std::to_string(outputs) + " output(s) but " + std::to_string(options.losses.size()) +
                     " loss(es) were given.");
  if (options.loss_weights.empty()) options.loss_weights.assign(outputs, 1.0);
  if (options.loss_weights.size() != outputs)
    throw ValueError("`loss_weights` must have one entry per output (" + std::to_string(outputs) + "), received " +
                     std::to_string(options.loss_weights.size()) + ".");
  options.metrics.resize(outputs);
  compiled_segments_ = graph_->trainable_segments();
  update_plan_ = graph_->plan_updates_in_backward(compiled_segments_);
  options.weighted_metrics.resize(outputs);
  optimizer_ = std::move(optimizer);
  compile_ = std::move(options);
  resolved_ = false;
}

Optimizer& Model::optimizer() {
  require_compiled();
  return *optimizer_;
}

// Builds the optimizer for this model's parameters, or checks that it was built for them: one
// optimizer compiled into two models has slots sized for whichever built it first (Keras refuses
// this too: an optimizer serves the variables it was built with).
void Model::build_optimizer() {
  if (!optimizer_->built()) {
    optimizer_->build(graph_->param_count(), compiled_segments_);
    return;
  }
  if (optimizer_->built_size() != graph_->param_count())
    throw ValueError("This optimizer was built for another model's variables (" + std::to_string(optimizer_->built_size()) +
                     " values; this model has " + std::to_string(graph_->param_count()) +
                     "). An optimizer can only be used for the variables it was originally built with; create a new "
                     "optimizer instance for this model.");
}

void Model::require_compiled() const {
  if (!optimizer_) throw ValueError("You must call `compile()` before using the model.");
}

void Model::check_inputs(const std::vector<ConstView>& x, Index rows) const {
  const auto& inputs = graph_->input_nodes();
  if (x.size() != inputs.size())
    throw ValueError("The model expects " + std::to_string(inputs.size()) + " input array(s), but received " +
                     std::to_string(x.size()) + ".");
  for (size_t k = 0; k < x.size(); ++k) {
    const Index cols = shape_size(graph_->shape(inputs[k]));
    if (x[k].cols != cols)
      throw ValueError("Input " + std::to_string(k) + " of the model is incompatible: expected shape " +
                       shape_to_string(graph_->shape(inputs[k])) + " (" + std::to_string(cols) +
                       " values per sample), but received " + std::to_string(x[k].cols) + " values per sample.");
    if (x[k].rows != rows)
      throw ValueError("All input arrays must have the same number of samples. Received: " + std::to_string(x[k].rows) +
                       " and " + std::to_string(rows) + ".");
    check_finite(x[k], inputs.size() == 1 ? "The input x" : "Input " + std::to_string(k));
  }
}

void Model::check_data(const Data& data, bool with_targets) const {
  if (data.rows == 0) throw ValueError("The data is empty: x has 0 samples. Pass at least one sample.");
  check_inputs(data.x, data.rows);
  if (!with_targets) return;
  const auto& outputs = graph_->output_nodes();
  if (data.y.size() != outputs.size())
    throw ValueError("The model has " + std::to_string(outputs.size()) + " output(s), but " + std::to_string(data.y.size()) +
                     " target array(s) were given.");
  for (size_t k = 0; k < data.y.size(); ++k) {
    if (data.y[k].rows != data.rows)
      throw ValueError("Data cardinality is ambiguous: x has " + std::to_string(data.rows) + " samples but y has " +
                       std::to_string(data.y[k].rows) + ". Make sure all arrays contain the same number of samples.");
    check_finite(data.y[k], data.y.size() == 1 ? "The target y" : "Target " + std::to_string(k));
    const Index pcols = graph_->shape(outputs[k]).empty() ? 1 : graph_->shape(outputs[k]).back();
    compile_.losses[k].resolved(data.y[k].cols, pcols).check_targets(data.y[k], pcols);
  }
  if (data.sample_weight) check_finite(ConstView{data.sample_weight, data.rows, 1}, "sample_weight");
}

void Model::resolve(const Data& data) {
  if (resolved_) return;
  const auto& outputs = graph_->output_nodes();
  losses_.clear();
  metrics_.assign(outputs.size(), {});
  weighted_metrics_.assign(outputs.size(), {});
  for (size_t k = 0; k < outputs.size(); ++k) {
    const Index pcols = graph_->shape(outputs[k]).empty() ? 1 : graph_->shape(outputs[k]).back();
    losses_.push_back(compile_.losses[k].resolved(data.y[k].cols, pcols));
    for (const auto& m : compile_.metrics[k]) metrics_[k].push_back(m->resolved(data.y[k].cols, pcols));
    for (const auto& m : compile_.weighted_metrics[k]) weighted_metrics_[k].push_back(m->resolved(data.y[k].cols, pcols));
  }
  const bool multi = outputs.size() > 1;
  std::map<std::string, int> used;
  metric_keys_.assign(outputs.size(), {});
  weighted_metric_keys_.assign(outputs.size(), {});
  for (size_t k = 0; k < outputs.size(); ++k) {
    const std::string prefix = multi ? output_names[k] + "_" : "";
    for (const auto& m : metrics_[k]) {
      std::string key = prefix + m->name();
      if (used.count(key)) key += "_" + std::to_string(used[key]++);
      else used[key] = 1;
      metric_keys_[k].push_back(key);
    }
  }
  for (size_t k = 0; k < outputs.size(); ++k) {
    const std::string prefix = multi ? output_names[k] + "_" : "";
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
  output_loss_total_.assign(outputs.size(), 0.0);
  resolved_ = true;
}

void Model::reset_metrics() {
  loss_total_ = loss_count_ = 0.0;
  std::fill(output_loss_total_.begin(), output_loss_total_.end(), 0.0);
  for (auto& per_output : metrics_)
    for (auto& m : per_output) m->reset();
  for (auto& per_output : weighted_metrics_)
    for (auto& m : per_output) m->reset();
}

double Model::step_loss(Workspace& ws, const Data& batch, bool compute_grads, const WeightUpdater* updater) {
  const FlushDenormals flush;
  graph_->forward(ws, batch.x, compute_grads, &rng_);
  if (compute_grads) graph_->zero_grads(ws, updater ? &update_plan_ : nullptr);
  const size_t outputs = graph_->output_nodes().size();
  std::vector<bool>& fused = fused_;
  fused.assign(outputs, false);
  double total = 0.0;
  for (size_t k = 0; k < outputs; ++k) {
    const ConstView out = graph_->output(ws, static_cast<int>(k));
    const Shape& shape = graph_->shape(graph_->output_nodes()[k]);
    const Index last = shape.empty() ? 1 : shape.back();
    const Index rows = out.rows * (out.cols / last), tcols = batch.y[k].cols / (out.cols / last);
    const Loss& loss = losses_[k];
    const double weight = compile_.loss_weights[k];
    double value;
    if (compute_grads) {
      View grad = graph_->output_grad(ws, static_cast<int>(k));
      const Activation* act = graph_->fusable_output_activation(static_cast<int>(k));
      fused[k] = act && loss.fuses_with(*act);
      // A node listed as several outputs takes the sum of their losses' gradients: the later
      // ones are computed aside and added.
      const auto& nodes = graph_->output_nodes();
      const bool repeated = std::find(nodes.begin(), nodes.begin() + k, nodes[k]) != nodes.begin() + k;
      const Index size = grad.rows * grad.cols;
      if (repeated && repeated_grad_.size() < static_cast<size_t>(size)) repeated_grad_.resize(static_cast<size_t>(size));
      float* target = repeated ? repeated_grad_.data() : grad.data;
      value = fused[k] ? loss.value_and_logit_grad(batch.y[k].data, tcols, out.data, last, rows, batch.sample_weight, double(rows), target)
                       : loss.value_and_grad<float>(batch.y[k].data, tcols, out.data, last, rows, batch.sample_weight, double(rows), target);
      if (weight != 1.0)
        for (Index i = 0; i < size; ++i) target[i] *= static_cast<float>(weight);
      if (repeated)
        for (Index i = 0; i < size; ++i) grad.data[i] += target[i];
    } else {
      value = loss.value_and_grad<float>(batch.y[k].data, tcols, out.data, last, rows, batch.sample_weight, double(rows), nullptr);
    }
    output_loss_total_[k] += value * double(batch.rows);
    total += weight * value;
  }
  total += graph_->regularization_penalty() + graph_->activity_penalty(ws);
  if (compute_grads) {
    graph_->backward(ws, fused, &rng_, updater, updater ? &update_plan_ : nullptr);
    graph_->add_regularization_gradients();
  }
  loss_total_ += total * double(batch.rows);
  loss_count_ += double(batch.rows);
  return total;
}

// One optimizer step on a batch (train_step in keras/src/backend/tensorflow/trainer.py): the loss
// (scaled by the optimizer's loss_scale_factor before differentiation, like Keras's scale_loss),
// the update, then the weight constraints.
void Model::train_step(const Data& batch) {
  const FlushDenormals flush;
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

void Model::update_metrics(Workspace& ws, const Data& batch) {
  for (size_t k = 0; k < metrics_.size(); ++k) {
    const ConstView out = graph_->output(ws, static_cast<int>(k));
    for (auto& m : metrics_[k]) m->update(batch.y[k], out, nullptr);
    for (auto& m : weighted_metrics_[k]) m->update(batch.y[k], out, batch.sample_weight);
  }
}

Logs Model::current_logs() const {
  Logs logs;
  const double count = std::max(loss_count_, 1.0);
  logs.emplace_back("loss", loss_total_ / count);
  const bool multi = metrics_.size() > 1;
  for (size_t k = 0; k < metrics_.size(); ++k) {
    if (multi) logs.emplace_back(output_names[k] + "_loss", output_loss_total_[k] / count);
    for (size_t i = 0; i < metrics_[k].size(); ++i) logs.emplace_back(metric_keys_[k][i], metrics_[k][i]->result());
    for (size_t i = 0; i < weighted_metrics_[k].size(); ++i)
      logs.emplace_back(weighted_metric_keys_[k][i], weighted_metrics_[k][i]->result());
  }
  // Keras's results are float32 values.
  for (auto& entry : logs) entry.second = static_cast<double>(static_cast<float>(entry.second));
  return logs;
}

void Model::fit(const Data& train, const Data* validation, const FitOptions& options, const FitHooks& hooks) {
  require_compiled();
  if (options.batch_size <= 0)
    throw ValueError("Argument `batch_size` must be a positive integer. Received: batch_size=" + std::to_string(options.batch_size));
  if (options.validation_freq <= 0)
    throw ValueError("Argument `validation_freq` must be a positive integer. Received: validation_freq=" +
                     std::to_string(options.validation_freq));
  check_data(train, true);
  if (validation) check_data(*validation, true);
  resolve(train);
  build_optimizer();

  std::optional<SigintGuard> sigint;
  if (options.handle_sigint) sigint.emplace();
  auto check_interrupt = [&] {
    if (options.handle_sigint) SigintGuard::check();
  };

  const Index n = train.rows, bs = std::min<Index>(options.batch_size, n);
  const int64_t steps = (n + bs - 1) / bs;
  std::vector<int64_t> order(static_cast<size_t>(n));
  Batcher batcher;
  const int64_t val_bs = options.validation_batch_size > 0 ? options.validation_batch_size : options.batch_size;
  auto validate_after = [&](int epoch) {
    if (!options.validation_epochs.empty())
      return std::find(options.validation_epochs.begin(), options.validation_epochs.end(), epoch + 1) !=
             options.validation_epochs.end();
    return (epoch + 1) % options.validation_freq == 0;
  };

  for (int epoch = options.initial_epoch; epoch < options.epochs; ++epoch) {
    reset_metrics();
    bool stop = hooks.epoch_begin && hooks.epoch_begin(epoch);
    if (options.shuffle) {
      for (Index i = 0; i < n; ++i) order[i] = i;
      for (Index i = n - 1; i > 0; --i) std::swap(order[i], order[rng_.below(static_cast<uint64_t>(i + 1))]);
    }
    Throttle throttle(options.batch_hook_interval);
    for (int64_t step = 0; step < steps; ++step) {
      check_interrupt();  // between batches: a batch is applied whole or not at all
      if (hooks.batch_begin) stop = hooks.batch_begin(epoch, step) || stop;
      const Index start = step * bs, rows = std::min<Index>(bs, n - start);
      const Data& batch = batcher.view(train, start, rows, options.shuffle ? &order : nullptr);
      train_step(batch);
      if (hooks.batch_end && options.batch_hook_interval >= 0.0 && throttle.due(step, steps, stop))
        stop = hooks.batch_end(epoch, step, current_logs()) || stop;
      if (stop) break;
    }
    Logs logs = current_logs();
    if (validation && validate_after(epoch)) {
      const Logs val = run_evaluation(*validation, val_bs, hooks.validation, options.handle_sigint);
      for (const auto& [name, value] : val) logs.emplace_back("val_" + name, value);
    }
    check_interrupt();
    if (hooks.epoch_end) stop = hooks.epoch_end(epoch, logs) || stop;
    if (stop) break;
  }
  check_interrupt();
  if (options.epochs > 0) optimizer_->finalize(graph_->params());
}

Logs Model::evaluate(const Data& data, int64_t batch_size, const LoopHooks& hooks) {
  require_compiled();
  if (batch_size <= 0)
    throw ValueError("Argument `batch_size` must be a positive integer. Received: batch_size=" + std::to_string(batch_size));
  check_data(data, true);
  resolve(data);
  std::optional<SigintGuard> sigint;
  if (hooks.handle_sigint) sigint.emplace();
  return run_evaluation(data, batch_size, hooks, hooks.handle_sigint);
}

Logs Model::run_evaluation(const Data& data, int64_t batch_size, const LoopHooks& hooks, bool handle_sigint) {
  if (hooks.begin) hooks.begin();
  reset_metrics();
  Batcher batcher;
  const int64_t steps = (data.rows + batch_size - 1) / batch_size;
  Throttle throttle(hooks.batch_end_interval);
  for (int64_t step = 0; step < steps; ++step) {
    if (handle_sigint) SigintGuard::check();
    bool stop = hooks.batch_begin && hooks.batch_begin(step);
    const Index start = step * batch_size;
    const Data& batch = batcher.view(data, start, std::min<Index>(batch_size, data.rows - start), nullptr);
    step_loss(eval_ws_, batch, false);
    update_metrics(eval_ws_, batch);
    if (hooks.batch_end && throttle.due(step, steps, stop)) stop = hooks.batch_end(step, current_logs()) || stop;
    if (stop) break;
  }
  Logs logs = current_logs();
  if (hooks.end) hooks.end(logs);
  return logs;
}

void Model::predict(const std::vector<ConstView>& x, Index rows, int64_t batch_size, const std::vector<float*>& out,
                    const LoopHooks& hooks) const {
  if (batch_size <= 0)
    throw ValueError("Argument `batch_size` must be a positive integer. Received: batch_size=" + std::to_string(batch_size));
  check_inputs(x, rows);
  const auto& outputs = graph_->output_nodes();
  if (out.size() != outputs.size()) throw ValueError("predict() needs one output buffer per model output.");
  std::unique_ptr<Workspace> ws;
  {
    std::lock_guard<std::mutex> lock(*pool_mutex_);
    if (!pool_.empty()) ws = std::move(pool_.back()), pool_.pop_back();
  }
  if (!ws) ws = std::make_unique<Workspace>();
  struct Return {  // the workspace goes back to the pool however the call ends
    const Model* model;
    std::unique_ptr<Workspace>& ws;
    ~Return() {
      std::lock_guard<std::mutex> lock(*model->pool_mutex_);
      model->pool_.push_back(std::move(ws));
    }
  } give_back{this, ws};
  std::optional<SigintGuard> sigint;
  if (hooks.handle_sigint) sigint.emplace();
  if (hooks.begin) hooks.begin();
  std::vector<ConstView> batch(x.size());
  const int64_t steps = (rows + batch_size - 1) / batch_size;
  Rng rng(predict_seed_ + predict_calls_->fetch_add(1));
  Throttle throttle(hooks.batch_end_interval);
  const Logs no_logs;
  for (int64_t step = 0; step < steps; ++step) {
    if (hooks.handle_sigint) SigintGuard::check();
    bool stop = hooks.batch_begin && hooks.batch_begin(step);
    const Index start = step * batch_size, n = std::min<Index>(batch_size, rows - start);
    for (size_t k = 0; k < x.size(); ++k) batch[k] = x[k].slice_rows(start, n);
    {
      const FlushDenormals flush;  // around the computation only: the hooks run Python
      graph_->forward(*ws, batch, false, &rng);
      for (size_t k = 0; k < outputs.size(); ++k) {
        const ConstView o = graph_->output(*ws, static_cast<int>(k));
        std::memcpy(out[k] + start * o.cols, o.data, sizeof(float) * n * o.cols);
      }
    }
    if (hooks.batch_end && throttle.due(step, steps, stop)) stop = hooks.batch_end(step, no_logs) || stop;
    if (stop) break;
  }
  if (hooks.end) hooks.end(no_logs);
}

void Model::call(const std::vector<ConstView>& x, Index rows, bool training, const std::vector<float*>& out) {
  check_inputs(x, rows);
  const auto& outputs = graph_->output_nodes();
  if (out.size() != outputs.size()) throw ValueError("call() needs one output buffer per model output.");
  const FlushDenormals flush;
  graph_->forward(train_ws_, x, training, &rng_);
  for (size_t k = 0; k < outputs.size(); ++k) {
    const ConstView o = graph_->output(train_ws_, static_cast<int>(k));
    std::memcpy(out[k], o.data, sizeof(float) * rows * o.cols);
  }
}

Logs Model::train_on_batch(const Data& data) {
  require_compiled();
  check_data(data, true);
  resolve(data);
  build_optimizer();
  reset_metrics();
  train_step(data);
  return current_logs();
}

Logs Model::test_on_batch(const Data& data) {
  require_compiled();
  check_data(data, true);
  resolve(data);
  reset_metrics();
  step_loss(eval_ws_, data, false);
  update_metrics(eval_ws_, data);
  return current_logs();
}

std::vector<float> Model::compute_gradients(const Data& data) {
  require_compiled();
  check_data(data, true);
  resolve(data);
  const double saved_total = loss_total_, saved_count = loss_count_;
  step_loss(train_ws_, data, true);
  loss_total_ = saved_total, loss_count_ = saved_count;
  return std::vector<float>(graph_->grads(), graph_->grads() + graph_->param_count());
}

std::vector<float> class_weights_to_sample_weights(ConstView y, const std::vector<std::pair<int64_t, double>>& weights) {
  std::vector<float> out(static_cast<size_t>(y.rows), 1.0f);
  for (Index i = 0; i < y.rows; ++i) {
    const float* row = y.data + i * y.cols;
    const int64_t cls = y.cols > 1 ? static_cast<int64_t>(std::max_element(row, row + y.cols) - row)
                                   : static_cast<int64_t>(std::llround(row[0]));
    for (const auto& [c, w] : weights)
      if (c == cls) out[i] = static_cast<float>(w);
  }
  return out;
}

}  // namespace densekit

// --- the C++ conveniences ----------------------------------------------------------------------

namespace densekit {
namespace {

void require_single(const Graph& g, const char* what) {
  if (g.input_nodes().size() != 1 || g.output_nodes().size() != 1)
    throw ValueError(std::string(what) + " with Eigen matrices needs a model with one input and one output; use the Data overload.");
}

}  // namespace

void Model::compile(const OptimizerConfig& optimizer, const std::string& loss, const std::vector<std::string>& metrics) {
  CompileOptions options;
  options.losses.assign(graph_->output_nodes().size(), Loss::from_name(loss));
  std::vector<MetricPtr> list;
  for (const auto& m : metrics) list.push_back(Metric::from_name(m));
  options.metrics.assign(graph_->output_nodes().size(), list);
  compile(std::make_shared<Optimizer>(optimizer), std::move(options));
}

History Model::fit(const Matrix& x, const Matrix& y, const FitOptions& options) {
  require_single(*graph_, "fit");
  Data data{{ConstView(x.data(), x.rows(), x.cols())}, {ConstView(y.data(), y.rows(), y.cols())}, nullptr, x.rows()};
  History history;
  FitHooks hooks;
  hooks.epoch_end = [&history](int epoch, const Logs& logs) {
    history.epoch.push_back(epoch);
    for (const auto& [key, value] : logs) history.history[key].push_back(value);
    return false;
  };
  fit(data, nullptr, options, hooks);
  return history;
}

Logs Model::evaluate(const Matrix& x, const Matrix& y, int64_t batch_size) {
  require_single(*graph_, "evaluate");
  return evaluate(Data{{ConstView(x.data(), x.rows(), x.cols())}, {ConstView(y.data(), y.rows(), y.cols())}, nullptr, x.rows()},
                  batch_size);
}

Matrix Model::predict(const Matrix& x, int64_t batch_size) const {
  require_single(*graph_, "predict");
  Matrix out(x.rows(), shape_size(graph_->shape(graph_->output_nodes()[0])));
  predict({ConstView(x.data(), x.rows(), x.cols())}, x.rows(), batch_size, {out.data()});
  return out;
}

void Model::save(const std::string& path) const { save_model(*this, path); }

void Model::predict(const float* x, size_t rows, float* out) const {
  require_single(*graph_, "predict");
  const Index cols = shape_size(graph_->shape(graph_->input_nodes()[0]));
  predict({ConstView(x, static_cast<Index>(rows), cols)}, static_cast<Index>(rows), std::max<int64_t>(1, static_cast<int64_t>(rows)), {out});
}

}  // namespace densekit
