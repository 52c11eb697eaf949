// A compiled model: the graph, its losses, metrics and optimizer, and the training loop.
#pragma once

#include <densekit/compile_args.hpp>
#include <densekit/distribution.hpp>
#include <densekit/graph.hpp>
#include <densekit/losses.hpp>
#include <densekit/metrics.hpp>
#include <densekit/optimizers.hpp>
#include <densekit/parallel.hpp>
#include <densekit/random.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace densekit {

// Named values, e.g. {"loss", 0.31}, {"accuracy", 0.9}; Python sorts them by name.
using Logs = std::vector<std::pair<std::string, double>>;

// Arrays for fit / evaluate: inputs and targets in graph order, all with `rows` rows.
struct Data {
  std::vector<ConstView> x;
  std::vector<ConstView> y;
  const float* sample_weight = nullptr;  // rows x sample_weight_cols values, or null
  Index rows = 0;
  // 1: a weight a sample; P: a weight a position of outputs of P positions a sample, such as
  // (batch, steps) weights for (batch, steps, classes) outputs (sample_weight_cols_for).
  Index sample_weight_cols = 1;
};

struct FitOptions {
  int64_t batch_size = 32;
  // Keras's steps_per_epoch: the batches an epoch takes (0: one pass over the data). An epoch
  // goes on where the previous one stopped; when a pass over the data runs out, the epoch ends
  // there and the next one starts a new pass (reshuffled).
  int64_t steps_per_epoch = 0;
  int epochs = 1;
  int initial_epoch = 0;
  bool shuffle = true;
  int64_t validation_batch_size = 0;  // 0: batch_size
  // Validate after epoch e (0-based) when (e + 1) % validation_freq == 0, or, if
  // validation_epochs is not empty, when e + 1 is one of them.
  int validation_freq = 1;
  std::vector<int> validation_epochs;
  // Seconds between batch_end calls (the first and last batch of an epoch always call):
  // negative = never, 0 = every batch.
  double batch_hook_interval = -1.0;
  // Ctrl-C stops the loop between batches and fit throws Interrupted (SigintGuard).
  bool handle_sigint = false;
  // Keras's class_weight: {class index: weight}, turned into per-sample weights of the training
  // data (class_weights_to_sample_weights); not with Data::sample_weight, and one output only.
  std::vector<std::pair<int64_t, double>> class_weight;
};

// Calls back into evaluate / predict (and validation inside fit). Unset hooks cost nothing.
struct LoopHooks {
  std::function<void()> begin;
  // Before each batch; returns true to stop after it (stop_evaluating / stop_predicting).
  std::function<bool(int64_t batch)> batch_begin;
  // After each batch, with the running logs (empty for predict); returns true to stop.
  std::function<bool(int64_t batch, const Logs& logs)> batch_end;
  // Seconds between batch_end calls (the first and last batch always call); 0 = every batch.
  double batch_end_interval = 0.0;
  std::function<void(const Logs& logs)> end;
  // Ctrl-C stops between batches with Interrupted (SigintGuard).
  bool handle_sigint = false;
};

// Calls back into the application during fit; those returning bool return true to stop
// training (Keras's model.stop_training). Unset hooks cost nothing.
struct FitHooks {
  std::function<bool(int epoch)> epoch_begin;
  std::function<bool(int epoch, int64_t batch)> batch_begin;
  std::function<bool(int epoch, int64_t batch, const Logs& logs)> batch_end;
  std::function<bool(int epoch, const Logs& logs)> epoch_end;
  LoopHooks validation;  // evaluate's hooks for the validation pass
};

// What fit returns in C++: each log key's value per epoch, and the epoch indices.
struct History {
  std::map<std::string, std::vector<double>> history;
  std::vector<int> epoch;
};

struct CompileOptions {
  std::vector<Loss> losses;                   // one per output
  std::vector<double> loss_weights;           // empty: all 1
  std::vector<std::vector<MetricPtr>> metrics;  // per output
  // Metrics that take the sample weights and divide by Σw (per output).
  std::vector<std::vector<MetricPtr>> weighted_metrics;
};

class BatchStream;

// A mean of batch values weighted by their rows (Keras's loss trackers: a Mean metric given the
// batch size as the sample weight); 0 before any batch.
struct RunningMean {
  double total = 0.0, count = 0.0;
  void add(double value, double rows) { total += value * rows, count += rows; }
  double result() const { return count > 0.0 ? total / count : 0.0; }
};

class Model {
 public:
  // Takes a graph (finalizing it); `seed` starts the model's generator (shuffling, dropout).
  explicit Model(std::shared_ptr<Graph> graph, uint64_t seed = draw_seed());
  Model(Model&&) = default;
  Model& operator=(Model&&) = default;

  // Throw Error for a model moved from (it has no graph left).
  Graph& graph();
  const Graph& graph() const;
  // What an optimizer built for this model's weights is tied to (Optimizer::build's owner).
  std::shared_ptr<const Graph> graph_ptr() const { return graph_; }
  Rng& rng() { return rng_; }
  const Rng& rng() const { return rng_; }
  // Names used for per-output log keys ("<name>_loss"); defaults to the output layers' names.
  std::vector<std::string> output_names;
  // How the model is saved: its name and Keras class ("Sequential" or "Functional").
  std::string name = "functional";
  std::string class_name = "Functional";
  // The model's own trainable flag, as Keras's config records it (its layers keep their own).
  bool trainable = true;
  // How a functional model's inputs and outputs were given (Keras's config records it): one
  // tensor, a list, or a dict with these keys (in graph input / output order).
  enum class Structure { Tensor, List, Dict };
  Structure input_structure = Structure::Tensor, output_structure = Structure::Tensor;
  std::vector<std::string> input_keys, output_keys;
  // Output k's name in the logs ("<name>_loss", "<name>_mae"): its dict key for outputs given as
  // a dict (Keras names the logs by the keys), else its name.
  const std::string& output_log_name(size_t k) const {
    return output_keys.size() == output_names.size() ? output_keys[k] : output_names[k];
  }

  // Per output: `options` holds one loss for every output or one per output, likewise the loss
  // weights (or none: all 1) and the metric lists (Keras's rules: compile_args.hpp).
  void compile(std::shared_ptr<Optimizer> optimizer, const CompileOptions& options);
  // compile()'s arguments as given (one value, a list or a dict), resolved per output.
  void compile(std::shared_ptr<Optimizer> optimizer, const CompileArgs& args);
  // compile("adam" settings, "binary_crossentropy", {"accuracy"}), with Keras's identifiers.
  void compile(const OptimizerConfig& optimizer, const std::string& loss, const std::vector<std::string>& metrics = {});
  bool compiled() const { return optimizer_ != nullptr; }
  // Whether a layer's `trainable` flag changed since compile() (which captured the trainable
  // weights the optimizer updates; Keras needs a recompile too).
  bool trainable_changed_since_compile() const;
  Optimizer& optimizer();
  std::shared_ptr<Optimizer> optimizer_ptr() const { return optimizer_; }
  // Keras's optimizer.exclude_from_weight_decay for this model's weights (layer, index of the
  // weight in the layer): the compiled optimizer decays all but these. Before its first step.
  void exclude_from_weight_decay(const std::vector<std::pair<const Layer*, size_t>>& weights);
  // Weight `index` of `layer`'s part of optimizer slot `slot` (Optimizer::slots() order), read
  // or replaced between training steps (Keras's optimizer.variables). ValueError before the
  // optimizer was built for this model's weights, for a slot it does not have or a wrong shape.
  std::vector<float> get_optimizer_slot(size_t slot, const Layer* layer, size_t index) const;
  void set_optimizer_slot(size_t slot, const Layer* layer, size_t index, const float* values, const Shape& shape);
  const CompileOptions& compile_options() const { return compile_; }
  // Holds compile()'s settings and optimizer still while they are read (a save on one thread
  // while another compiles); compile() takes the same lock to replace them.
  std::unique_lock<std::recursive_mutex> hold_compile_state() const {
    graph();  // (a moved-from model has no lock)
    return std::unique_lock<std::recursive_mutex>(*compile_mutex_);
  }
  // The cross-entropies (losses and metrics) compiled with from_logits=True for an output that a
  // softmax or sigmoid produced, which read that activation's logits all the same
  // (Loss::reads_logits), with the activation Keras on TensorFlow names when it warns of them
  // ("Softmax", "Sigmoid"): pairs of (function name, activation).
  std::vector<std::pair<std::string, std::string>> probabilities_given_as_logits() const;

  // Trains; at the end the optimizer's EMA (if any) replaces the weights. Throws Interrupted
  // on Ctrl-C with options.handle_sigint (the weights are those after the last whole batch).
  void fit(const Data& train, const Data* validation, const FitOptions& options, const FitHooks& hooks = {});
  Logs evaluate(const Data& data, int64_t batch_size, const LoopHooks& hooks = {});
  // fit and evaluate over batches a producer streams (batch_stream.hpp): each epoch lasts until
  // the producer ends it; an epoch without batches ends training (the data ran out).
  // options.batch_size and shuffle are the producer's business; not with set_distribution.
  void fit(BatchStream& train, BatchStream* validation, const FitOptions& options, const FitHooks& hooks = {});
  Logs evaluate(BatchStream& data, const LoopHooks& hooks = {});
  // Writes each output's rows into out[k] (rows x output size, row-major) and returns how many
  // rows it wrote: all of them, unless a hook stopped the loop (the batches before the stop and
  // the one it was asked in, as Keras's stop_predicting; the rest of out is left untouched).
  // Safe to call from several threads at once (each call borrows its own workspace).
  Index predict(const std::vector<ConstView>& x, Index rows, int64_t batch_size, const std::vector<float*>& out,
                const LoopHooks& hooks = {}) const;
  // `optimizer`'s moving averages of this model's weights (use_ema): into the weights (Keras's
  // finalize_variable_values, the end of fit), exchanged with them or taken from them
  // (SwapEMAWeights). ValueError when the optimizer was built for another model's weights; a
  // training step or a save on another thread is waited for.
  void finalize_ema(Optimizer& optimizer);
  void swap_ema(Optimizer& optimizer);
  void assign_ema(Optimizer& optimizer);
  // Each input's and output's shape per sample (no batch axis; a row of predict's buffers holds
  // shape_size() values), and the inputs' names, in the order predict takes them.
  std::vector<Shape> input_shapes() const;
  std::vector<Shape> output_shapes() const;
  std::vector<std::string> input_names() const;
  // Single-input, single-output conveniences (Eigen matrices, rows = samples).
  History fit(const Matrix& x, const Matrix& y, const FitOptions& options = {});
  Logs evaluate(const Matrix& x, const Matrix& y, int64_t batch_size = 32);
  Matrix predict(const Matrix& x, int64_t batch_size = 32) const;
  // One forward pass in training or inference mode (Keras's model(x, training=...)): dropout
  // and noise layers draw from the model's generator and BatchNormalization updates its moving
  // statistics when training. No mode (Keras's model(x)): inference, but for the layers called
  // with a training flag (Node::training). Not for concurrent use. Returns the loss terms the
  // pass added (Graph::added_losses), which Keras's model(x) records in its layers' losses.
  std::vector<std::pair<int, double>> call(const std::vector<ConstView>& x, Index rows, std::optional<bool> training,
                                           const std::vector<float*>& out);
  // Raw buffers: `rows` samples of the input size in, rows x output size out.
  void predict(const float* x, size_t rows, float* out) const;
  void save(const std::string& path) const;

  // Keras's model.stop_training: set from any thread (a callback, a timer, a stop button), it
  // ends fit after the batch in progress and that epoch's validation. fit leaves it set; the
  // caller clears it before the next fit (Python's fit does, as Keras's).
  void set_stop_training(bool stop) {
    if (stop_training_) stop_training_->store(stop, std::memory_order_relaxed);  // (a moved-from model: none)
  }
  bool stop_requested() const { return stop_training_ && stop_training_->load(std::memory_order_relaxed); }

  Logs train_on_batch(const Data& data, const std::vector<std::pair<int64_t, double>>& class_weight = {});
  Logs test_on_batch(const Data& data);
  // d(total loss)/d(params) on one batch, without updating (the flat gradient buffer).
  std::vector<float> compute_gradients(const Data& data);

  // Keras's running metrics (model.metrics): the values the last fit, evaluate, train_on_batch
  // or test_on_batch left (or, from a callback, a running loop's so far), by log key.
  // The loss trackers: "loss", and "<output>_loss" per output when there are several.
  Logs loss_trackers_result() const;
  // The compiled metrics (Keras's CompileMetrics); ValueError before a batch has resolved them.
  Logs compiled_metrics_result() const;
  // Zeroes one loss tracker: the total loss (output -1) or output `output`'s.
  void reset_loss_tracker(int output);
  void reset_compiled_metrics();

  // Data-parallel fit and evaluate over the processes of distribution.communicator (see
  // distribution.hpp); a null communicator (the default) trains in this process alone. fit
  // starts from rank 0's weights and shuffle generator, and every process sees the global logs.
  // `caller`: the call a refusal names (Python hands the distribution over inside fit, evaluate
  // and train_on_batch: a loop running in another thread refuses that call).
  void set_distribution(DataParallel distribution, const std::string& caller = "set_distribution()");
  const DataParallel& distribution() const { return distribution_; }

  // Checks x (and y) against the graph: counts, widths, finite values, label ranges.
  void check_data(const Data& data, bool with_targets) const;
  void check_inputs(const std::vector<ConstView>& x, Index rows) const;

 private:
  // fit, evaluate, train_on_batch, test_on_batch and call share the model's workspaces and metric
  // totals: while one runs, the same thread may run another (a callback evaluating the model),
  // another thread gets an Error (predict runs beside them: Graph::Use).
  struct LoopOwner {
    ForkSafeMutex mutex;
    long process = 0;  // getpid() of the owner: in a child after fork() the owner is gone
    std::thread::id thread;
    int depth = 0;
  };
  class LoopScope {
   public:
    // kAlone: refused inside another loop of the model even on the same thread (compile()).
    enum Entry { kNested, kAlone };
    LoopScope(const Model& model, const char* what, Entry entry = kNested);
    ~LoopScope();
    LoopScope(const LoopScope&) = delete;
    LoopScope& operator=(const LoopScope&) = delete;
    // Whether a loop of the same thread was running when this scope began (a callback's call).
    bool nested() const { return nested_; }

   private:
    LoopOwner& owner_;
    bool nested_ = false;
  };
  std::unique_ptr<LoopOwner> loop_owner_ = std::make_unique<LoopOwner>();
  static LoopOwner& loop_owner(const Model& model);

  void require_compiled() const;
  // The weights, for `optimizer`'s moving averages to be written into (finalize_ema, ...), held
  // against concurrent steps and saves while `write` runs.
  void write_ema(Optimizer& optimizer, const std::function<void(float*)>& write);
  void build_optimizer();
  void resolve(const Data& data);
  double step_loss(Workspace& ws, const Data& batch, bool compute_grads, const WeightUpdater* updater = nullptr);
  void train_step(const Data& batch);
  // Output k's traced loss on a batch, its gradient times `weight` added into `grad` (when given).
  double traced_loss_step(size_t k, ConstView y_true, ConstView y_pred, const float* sample_weight, Reduction reduction,
                          double weight, View grad);
  // One data-parallel step on this process's `local` rows: the gradients summed over processes
  // with the row counts and `stop` flags in the same allreduce. Returns true, without updating,
  // when a process asked to stop after the previous batch.
  bool train_step_data_parallel(const Data& local, bool stop);
  void start_data_parallel();
  // Sums the loss and metric accumulators over the processes (global logs).
  void reduce_accumulators();
  // The loss and metric accumulators in one buffer (what reduce_accumulators sums), and its size.
  void collect_accumulators(std::vector<double>& state) const;
  size_t accumulator_count() const;
  // Refuses, on every process together, processes whose models differ in their weights' or
  // accumulators' sizes (which the collective calls would mismatch). `what`: the loop's name.
  void check_same_model(Communicator& comm, const char* what) const;
  // The generator dropout and noise draw from: in data-parallel training each process has its
  // own, and the model's generator only shuffles, identically everywhere.
  Rng& step_rng() { return distribution_.communicator ? local_rng_ : rng_; }
  void update_metrics(Workspace& ws, const Data& batch);
  void check_sample_weight(const Data& data) const;
  // Refuses sample weights of `cols` a sample unless every output has that many positions, each
  // with built-in losses and metrics (check_data).
  void check_position_weights(Index cols) const;
  // Output k's values per sample over its last axis: the positions (steps, pixels) an output of
  // shape (batch, ..., classes) holds; each is a row for the losses and built-in metrics.
  Index positions(size_t k) const;
  // The batch's weights for the rows of an output of `p` positions a sample: the weights as
  // given when they are per position already (or p is 1), else each sample's weight repeated for
  // each of its positions (in position_weights_, valid until the next call).
  const float* weights_per_position(const Data& batch, Index p);
  // Target columns per position when a target of `y_cols` columns splits evenly over output k's
  // positions (labels (batch, steps) for outputs (batch, steps, classes)), else `y_cols`.
  Index target_cols_per_position(size_t k, Index y_cols) const;
  Logs run_evaluation(const Data& data, int64_t batch_size, const LoopHooks& hooks, bool handle_sigint);
  // `batches`: a validation pass inside fit counts its batches there, and drains its pass when a
  // callback stops it (the stream's next pass must start at its beginning); an evaluate() of
  // its own ends at once instead (its generator may never end).
  Logs run_stream_evaluation(BatchStream& data, const LoopHooks& hooks, bool handle_sigint, int64_t* batches = nullptr);
  // The batch's data checked (the first batch also resolves the losses and metrics), with the
  // class weights as sample weights when given (into `weights`, `weighted`).
  const Data& stream_batch(const Data& batch, const std::vector<std::pair<int64_t, double>>& class_weight,
                           std::vector<float>& weights, Data& weighted);
  void reset_metrics();
  Logs current_logs(bool losses = true, bool metrics = true) const;

  std::shared_ptr<Graph> graph_;
  Rng rng_;
  // predict() of a graph with layers forced into training mode draws from its own generator,
  // seeded from this and a call counter (predict is const and may run on several threads).
  uint64_t predict_seed_ = 0;
  int64_t predict_chunk_rows(int64_t batch_size) const;
  std::unique_ptr<std::atomic<uint64_t>> predict_calls_ = std::make_unique<std::atomic<uint64_t>>(0);
  std::unique_ptr<std::atomic<bool>> stop_training_ = std::make_unique<std::atomic<bool>>(false);  // (movable)
  std::unique_ptr<std::recursive_mutex> compile_mutex_ = std::make_unique<std::recursive_mutex>();
  std::vector<Segment> compiled_segments_;
  UpdatePlan update_plan_;  // for compiled_segments_
  Buffer repeated_grad_;    // the loss gradient of an output node listed twice, before it is added
  std::vector<Workspace> traced_loss_ws_;  // per output, for a loss traced from Python
  Workspace train_ws_, eval_ws_;
  // Workspaces for predict, one per concurrent call, kept for reuse.
  std::unique_ptr<ForkSafeMutex> pool_mutex_ = std::make_unique<ForkSafeMutex>();
  mutable std::vector<std::unique_ptr<Workspace>> pool_;
  std::shared_ptr<Optimizer> optimizer_;
  CompileOptions compile_;
  std::vector<Loss> losses_;                       // resolved per output
  std::vector<Loss> logit_losses_;                 // the same reading logits (Loss::on_logits)
  std::vector<std::vector<MetricPtr>> metrics_;    // resolved per output
  std::vector<std::vector<MetricPtr>> weighted_metrics_;
  // Log keys of the metrics above (Keras's CompileMetrics names: a repeated name gets "_1", a
  // weighted metric that repeats a name becomes "weighted_<name>").
  std::vector<std::vector<std::string>> metric_keys_, weighted_metric_keys_;
  bool resolved_ = false;
  // Keras's loss trackers: the total loss, and each output's (reported for several outputs).
  RunningMean loss_tracker_;
  std::vector<RunningMean> output_loss_trackers_;
  std::vector<bool> fused_;  // per output: whether its gradient is with respect to its logits
  DataParallel distribution_;
  Rng local_rng_;
  std::vector<float> reduce_buffer_;    // gradients x rows, then rows and stop: one allreduce
  std::vector<float> position_weights_;  // sample weights repeated for each position of an output
  std::vector<double> state_buffer_;    // loss and metric accumulators
};

// How many weights a sample has, from `size` weights in `weight_rows` rows (the array's first
// axis) for `rows` samples: one, or one a position (a multiple); throws ValueError otherwise,
// and when the weights have another number of rows than the data has samples.
Index sample_weight_cols_for(Index size, Index weight_rows, Index rows);

// Converts Keras class_weight to per-sample weights: the class of a row is argmax of a one-hot
// target, else its rounded label; classes missing from the map weigh 1. Weights must be finite.
std::vector<float> class_weights_to_sample_weights(ConstView y, const std::vector<std::pair<int64_t, double>>& weights);
// The same for fit / train_on_batch data: refuses data that has sample weights already, or
// several targets (Keras supports class_weight for single-output models only).
// `positions`: the output's positions a sample (Model::positions); class weights need one.
std::vector<float> class_weights_to_sample_weights(const Data& data, const std::vector<std::pair<int64_t, double>>& weights,
                                                   Index positions);

}  // namespace densekit
