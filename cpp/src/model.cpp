// The model: a graph with its compile settings, and predict with its pool of workspaces. The
// training loops are in training/trainer.cpp, one step in training/train_step.cpp, and the
// checks of the data in training/data_checks.cpp.
#include <densekit/errors.hpp>
#include <densekit/interrupt.hpp>
#include <densekit/io.hpp>
#include <densekit/model.hpp>
#include "float_mode.hpp"
#include "training/loop_timing.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

#include <unistd.h>

namespace densekit {

Model::Model(std::shared_ptr<Graph> graph, uint64_t seed) : graph_(std::move(graph)), rng_(seed), predict_seed_(seed ^ 0x9e3779b97f4a7c15ull) {
  if (!graph_) throw ValueError("A model needs a graph.");
  graph_->finalize();
  for (int o : graph_->output_nodes()) output_names.push_back(graph_->nodes()[o].name);
  if (graph_->input_nodes().size() > 1) input_structure = Structure::List;
  if (graph_->output_nodes().size() > 1) output_structure = Structure::List;
}

const Graph& Model::graph() const {
  if (!graph_) throw Error("This model was moved from: it has no graph left. Use the model it was moved to.");
  return *graph_;
}

Graph& Model::graph() { return const_cast<Graph&>(static_cast<const Model&>(*this).graph()); }

bool Model::trainable_changed_since_compile() const {
  if (!optimizer_) return false;
  const auto now = graph_->trainable_segments();
  if (now.size() != compiled_segments_.size()) return true;
  for (size_t i = 0; i < now.size(); ++i)
    if (now[i].offset != compiled_segments_[i].offset || now[i].size != compiled_segments_[i].size) return true;
  return false;
}

void Model::compile(std::shared_ptr<Optimizer> optimizer, const CompileOptions& options) {
  CompileArgs args;
  using LossForm = PerOutputArg<std::optional<Loss>>::Form;
  args.loss.form = options.losses.empty() ? LossForm::Absent : options.losses.size() == 1 ? LossForm::One : LossForm::List;
  args.loss.values.assign(options.losses.begin(), options.losses.end());
  using WeightForm = PerOutputArg<double>::Form;
  args.loss_weights.form = options.loss_weights.empty()       ? WeightForm::Absent
                           : options.loss_weights.size() == 1 ? WeightForm::One
                                                              : WeightForm::List;
  args.loss_weights.values = options.loss_weights;
  using MetricsForm = PerOutputArg<std::vector<MetricPtr>>::Form;
  args.metrics.form = options.metrics.empty() ? MetricsForm::Absent : MetricsForm::List;
  args.metrics.values = options.metrics;
  args.weighted_metrics.form = options.weighted_metrics.empty() ? MetricsForm::Absent : MetricsForm::List;
  args.weighted_metrics.values = options.weighted_metrics;
  compile(std::move(optimizer), args);
}

void Model::compile(std::shared_ptr<Optimizer> optimizer, const CompileArgs& args) {
  // The loops hold the optimizer and the compiled losses and metrics for their whole length.
  const LoopScope scope(*this, "compile()", LoopScope::kAlone);
  if (!optimizer) throw ValueError("compile() needs an optimizer.");
  for (const auto* lists : {&args.metrics.values, &args.weighted_metrics.values})
    for (const auto& list : *lists)
      for (const MetricPtr& m : list)
        if (!m) throw ValueError("compile() was given a null metric.");
  for (double w : args.loss_weights.values)
    if (!std::isfinite(w)) throw ValueError("Every loss weight must be a finite number. Received: " + std::to_string(w));
  CompileOptions options = resolve_compile_args(args, output_names, output_keys);
  // Without a loss, the model's own losses (add_loss, activity regularizers) are the whole loss,
  // as in Keras; with none of those either there is nothing to minimise.
  if (options.losses.empty() && !graph_->has_added_losses())
    throw ValueError("No loss to compute. Provide a `loss` argument in `compile()`.");
  const auto hold = hold_compile_state();
  compiled_segments_ = graph_->trainable_segments();
  update_plan_ = graph_->plan_updates_in_backward(compiled_segments_);
  optimizer_ = std::move(optimizer);
  compile_ = std::move(options);
  resolved_ = false;
}

Optimizer& Model::optimizer() {
  require_compiled();
  return *optimizer_;
}

// Builds the optimizer for this model's parameters, or checks that it was built for them. One
// optimizer compiled into two models would otherwise apply the first model's moments and step
// count to the second's weights whenever the sizes match; Keras refuses it too, at the first
// training step, whichever model trained first keeping the optimizer.
void Model::build_optimizer() {
  if (optimizer_->build_once(graph_->param_count(), compiled_segments_, graph_)) return;
  if (!optimizer_->built_for(graph_))
    throw ValueError("This optimizer was built for another model's variables (or for this model's before its layers "
                     "changed): an optimizer can only be used for the variables it was originally built with. Create "
                     "a new optimizer instance for this model, e.g. keras.optimizers." + optimizer_->config().class_name() +
                     "(...).");
  if (!optimizer_->slots_sized_for(graph_->param_count()))
    throw ValueError("This optimizer's slots do not hold one value per parameter of this model (" +
                     std::to_string(graph_->param_count()) + "): it was built for another size, or its slots were "
                     "resized. Create a new optimizer instance for this model.");
}

namespace {

Buffer& built_slot(Optimizer* optimizer, const std::shared_ptr<Graph>& graph, size_t slot) {
  if (!optimizer) throw ValueError("The model has no optimizer: compile() it first.");
  if (!optimizer->state_for(graph, graph->param_count()))
    throw ValueError("The optimizer has no variables for this model's weights: it builds them at the model's first "
                     "training step (and an optimizer built for another model has none for this one).");
  if (slot >= optimizer->slots().size())
    throw ValueError("The optimizer has " + std::to_string(optimizer->slots().size()) + " slot variables per weight; "
                     "there is no slot " + std::to_string(slot) + ".");
  return optimizer->slots()[slot];
}

}  // namespace

void Model::exclude_from_weight_decay(const std::vector<std::pair<const Layer*, size_t>>& weights) {
  const auto hold = hold_compile_state();
  require_compiled();
  std::vector<Segment> excluded;
  for (const auto& [layer, index] : weights) {
    const WeightRecord& r = graph_->weight_of(layer, index);
    excluded.push_back({r.offset, r.size});
  }
  optimizer_->exclude_from_weight_decay(std::move(excluded));
}

std::vector<float> Model::get_optimizer_slot(size_t slot, const Layer* layer, size_t index) const {
  const auto hold = hold_compile_state();
  const WeightRecord& r = graph_->weight_of(layer, index);
  const Buffer& values = built_slot(optimizer_.get(), graph_, slot);
  const Graph::Use use(*graph_, Graph::Use::kReads);  // a training step on another thread writes the slots
  return std::vector<float>(values.data() + r.offset, values.data() + r.offset + r.size);
}

void Model::set_optimizer_slot(size_t slot, const Layer* layer, size_t index, const float* values, const Shape& shape) {
  const auto hold = hold_compile_state();
  const WeightRecord& r = graph_->weight_of(layer, index);
  Buffer& slot_values = built_slot(optimizer_.get(), graph_, slot);
  if (shape != r.spec.shape)
    throw ValueError("The optimizer variable of " + layer->name() + "/" + r.spec.name + " has shape " +
                     tuple_to_string(r.spec.shape) + "; the value assigned has shape " + tuple_to_string(shape) + ".");
  if (!values && r.size > 0) throw ValueError("The values assigned to an optimizer variable are null.");
  const Graph::Use use(*graph_, Graph::Use::kWrites);
  std::copy(values, values + r.size, slot_values.data() + r.offset);
}

Model::LoopOwner& Model::loop_owner(const Model& model) {
  model.graph();  // a model moved from has no owner either
  return *model.loop_owner_;
}

Model::LoopScope::LoopScope(const Model& model, const char* what, Entry entry) : owner_(loop_owner(model)) {
  std::lock_guard<std::mutex> lock(owner_.mutex);
  const long process = static_cast<long>(::getpid());
  const std::thread::id me = std::this_thread::get_id();
  if (owner_.depth > 0 && owner_.process == process && owner_.thread != me)
    throw Error(std::string("Cannot run ") + what + ": this model is running fit, evaluate, train_on_batch, "
                "test_on_batch or a call in another thread. A model runs one of them at a time (predict may run "
                "beside them): wait for it to end, or give the other thread a copy of the model (Python: "
                "copy.deepcopy(model); C++: load_model_from_bytes(save_model_to_bytes(model))).");
  if (entry == kAlone && owner_.depth > 0 && owner_.process == process)
    throw Error(std::string("Cannot run ") + what + " while this model runs fit, evaluate, train_on_batch, "
                "test_on_batch or a call (from a callback): it would change what the running loop computes with.");
  if (owner_.depth == 0 || owner_.process != process) owner_.process = process, owner_.thread = me, owner_.depth = 0;
  nested_ = owner_.depth > 0;
  ++owner_.depth;
}

Model::LoopScope::~LoopScope() {
  std::lock_guard<std::mutex> lock(owner_.mutex);
  --owner_.depth;
}

void Model::require_compiled() const {
  if (!optimizer_) throw ValueError("You must call `compile()` before using the model.");
}

// With no hook watching the batches, predict computes rows in chunks of at least kChunkRows:
// small batches (Keras's default is 32) cost a parallel region per layer each, and at batch 32
// the W1 network predicted 226k rows/s against 260k in chunks of 128 or more (AMD EPYC, 2
// threads). Rows are computed independently in inference, so a chunk changes nothing but the
// last bits of some products, whose kernels depend on the row count (as a batch size does:
// tests/test_predict_chunks.py). A pass that draws random values keeps the user's batches. The
// chunk's activations stay within kChunkBytes, so a batch size chosen to bound memory on a very
// wide model is kept.
int64_t Model::predict_chunk_rows(int64_t batch_size) const {
  constexpr int64_t kChunkRows = 256;
  constexpr double kChunkBytes = 16.0 * (1 << 20);
  if (batch_size >= kChunkRows || graph_->draws_in_inference()) return batch_size;
  double bytes_per_row = 0.0;
  for (size_t i = 0; i < graph_->nodes().size(); ++i)
    bytes_per_row += sizeof(float) * double(shape_size(graph_->shape(static_cast<int>(i))));
  const int64_t fits = bytes_per_row > 0 ? static_cast<int64_t>(kChunkBytes / bytes_per_row) : kChunkRows;
  return std::max(batch_size, std::min(kChunkRows, fits));
}

Index Model::predict(const std::vector<ConstView>& x, Index rows, int64_t batch_size, const std::vector<float*>& out,
                     const LoopHooks& hooks) const {
  if (batch_size <= 0)
    throw ValueError("Argument `batch_size` must be a positive integer. Received: batch_size=" + std::to_string(batch_size));
  check_inputs(x, rows);
  const auto& outputs = graph_->output_nodes();
  if (out.size() != outputs.size() || std::count(out.begin(), out.end(), nullptr))
    throw ValueError("predict() needs one output buffer per model output, none of them null.");
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
  if (!hooks.batch_begin && !hooks.batch_end && rows > batch_size) batch_size = predict_chunk_rows(batch_size);
  const int64_t steps = rows / batch_size + (rows % batch_size != 0);  // (rows + batch_size - 1 may overflow)
  Rng rng(predict_seed_ + predict_calls_->fetch_add(1));
  Throttle throttle(hooks.batch_end_interval);
  const Logs no_logs;
  Index written = 0;
  for (int64_t step = 0; step < steps; ++step) {
    if (hooks.handle_sigint) SigintGuard::check();
    bool stop = hooks.batch_begin && hooks.batch_begin(step);
    const Index start = step * batch_size, n = std::min<Index>(batch_size, rows - start);
    for (size_t k = 0; k < x.size(); ++k) batch[k] = x[k].slice_rows(start, n);
    {
      const FlushDenormals flush;  // around the computation only: the hooks run Python
      const Graph::Use use(*graph_, Graph::Use::kReads);
      graph_->forward(*ws, batch, false, &rng);
      for (size_t k = 0; k < outputs.size(); ++k) {
        const ConstView o = graph_->output(*ws, static_cast<int>(k));
        std::memcpy(out[k] + start * o.cols, o.data, sizeof(float) * n * o.cols);
      }
    }
    written = start + n;
    if (hooks.batch_end && throttle.due(step, steps, stop)) stop = hooks.batch_end(step, no_logs) || stop;
    if (stop) break;
  }
  if (hooks.end) hooks.end(no_logs);
  return written;
}

std::vector<std::pair<int, double>> Model::call(const std::vector<ConstView>& x, Index rows, std::optional<bool> training,
                                                const std::vector<float*>& out) {
  const LoopScope scope(*this, "a call of the model");
  check_inputs(x, rows);
  const auto& outputs = graph_->output_nodes();
  if (out.size() != outputs.size() || std::count(out.begin(), out.end(), nullptr))
    throw ValueError("call() needs one output buffer per model output, none of them null.");
  const FlushDenormals flush;
  // In training, BatchNormalization updates its moving statistics: a write (without a mode, a
  // node with a training flag may train).
  const Graph::Use use(*graph_, training.value_or(true) ? Graph::Use::kWrites : Graph::Use::kReads);
  graph_->forward(train_ws_, x, training.value_or(false), &rng_, !training.has_value());
  for (size_t k = 0; k < outputs.size(); ++k) {
    const ConstView o = graph_->output(train_ws_, static_cast<int>(k));
    std::memcpy(out[k], o.data, sizeof(float) * rows * o.cols);
  }
  return graph_->added_losses(train_ws_);
}

}  // namespace densekit

// --- the C++ conveniences ----------------------------------------------------------------------

namespace densekit {
namespace {

// `what` with one matrix in (and out) needs a model of one input and one output; `instead` names
// the overload that takes several.
void require_single(const Graph& g, const char* what, const char* instead) {
  if (g.input_nodes().size() != 1 || g.output_nodes().size() != 1)
    throw ValueError(std::string(what) + " with one input and output buffer needs a model with one input and one output (this one has " +
                     std::to_string(g.input_nodes().size()) + " and " + std::to_string(g.output_nodes().size()) + "); use " + instead + ".");
}

constexpr const char* kDataOverload = "the overload taking a densekit::Data";
constexpr const char* kViewsOverload = "predict(std::vector<ConstView> inputs, rows, batch_size, std::vector<float*> outputs)";

}  // namespace

void Model::compile(const OptimizerConfig& optimizer, const std::string& loss, const std::vector<std::string>& metrics) {
  CompileOptions options;
  options.losses.assign(graph().output_nodes().size(), Loss::from_name(loss));
  std::vector<MetricPtr> list;
  for (const auto& m : metrics) list.push_back(Metric::from_name(m));
  options.metrics.assign(graph_->output_nodes().size(), list);
  compile(std::make_shared<Optimizer>(optimizer), std::move(options));
}

void Model::write_ema(Optimizer& optimizer, const std::function<void(float*)>& write) {
  if (optimizer.built() && !optimizer.state_for(graph_ptr(), graph().param_count()))
    throw ValueError("This optimizer was built for another model's weights: its moving averages are not this model's.");
  const Graph::Use use(*graph_, Graph::Use::kWrites);
  write(graph_->params());
}

void Model::finalize_ema(Optimizer& optimizer) {
  write_ema(optimizer, [&](float* params) { optimizer.finalize(params); });
}
void Model::swap_ema(Optimizer& optimizer) {
  write_ema(optimizer, [&](float* params) { optimizer.swap_ema(params); });
}
void Model::assign_ema(Optimizer& optimizer) {
  write_ema(optimizer, [&](float* params) { optimizer.assign_ema(params); });
}

std::vector<Shape> Model::input_shapes() const {
  std::vector<Shape> out;
  for (int node : graph().input_nodes()) out.push_back(graph_->shape(node));
  return out;
}

std::vector<Shape> Model::output_shapes() const {
  std::vector<Shape> out;
  for (int node : graph().output_nodes()) out.push_back(graph_->shape(node));
  return out;
}

std::vector<std::string> Model::input_names() const {
  std::vector<std::string> out;
  for (int node : graph().input_nodes()) out.push_back(graph_->nodes()[node].name);
  return out;
}

History Model::fit(const Matrix& x, const Matrix& y, const FitOptions& options) {
  require_single(graph(), "fit", kDataOverload);
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
  require_single(graph(), "evaluate", kDataOverload);
  return evaluate(Data{{ConstView(x.data(), x.rows(), x.cols())}, {ConstView(y.data(), y.rows(), y.cols())}, nullptr, x.rows()},
                  batch_size);
}

Matrix Model::predict(const Matrix& x, int64_t batch_size) const {
  require_single(graph(), "predict", kViewsOverload);
  Matrix out(x.rows(), shape_size(graph_->shape(graph_->output_nodes()[0])));
  predict({ConstView(x.data(), x.rows(), x.cols())}, x.rows(), batch_size, {out.data()});
  return out;
}

void Model::save(const std::string& path) const { save_model(*this, path); }

void Model::predict(const float* x, size_t rows, float* out) const {
  require_single(graph(), "predict", kViewsOverload);
  const Index cols = shape_size(graph_->shape(graph_->input_nodes()[0]));
  // Keras's default batch (in chunks, predict_chunk_rows): one batch of every row would hold
  // every layer's activations for all of them, and keep that workspace for the model's life.
  predict({ConstView(x, static_cast<Index>(rows), cols)}, static_cast<Index>(rows), 32, {out});
}

}  // namespace densekit
