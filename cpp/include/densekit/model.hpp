// A compiled model: the graph, its losses, metrics and optimizer, and the training loop.
#pragma once

#include <densekit/graph.hpp>
#include <densekit/losses.hpp>
#include <densekit/metrics.hpp>
#include <densekit/optimizers.hpp>
#include <densekit/random.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace densekit {

// Named values, e.g. {"loss", 0.31}, {"accuracy", 0.9}; Python sorts them by name.
using Logs = std::vector<std::pair<std::string, double>>;

// Arrays for fit / evaluate: inputs and targets in graph order, all with `rows` rows.
struct Data {
  std::vector<ConstView> x;
  std::vector<ConstView> y;
  const float* sample_weight = nullptr;  // rows values, or null
  Index rows = 0;
};

struct FitOptions {
  int64_t batch_size = 32;
  int epochs = 1;
  int initial_epoch = 0;
  bool shuffle = true;
  int64_t validation_batch_size = 0;  // 0: batch_size
  // Seconds between batch_end calls (the first and last batch of an epoch always call):
  // negative = never, 0 = every batch.
  double batch_hook_interval = -1.0;
};

// Calls back into the application; each returns true to stop training (stop_training).
struct FitHooks {
  std::function<bool(int epoch)> epoch_begin;
  std::function<bool(int epoch, int64_t batch, const Logs& logs)> batch_end;
  std::function<bool(int epoch, const Logs& logs)> epoch_end;
};

// What fit returns in C++: each log key's value per epoch, and the epoch indices.
struct History {
  std::map<std::string, std::vector<double>> history;
  std::vector<int> epoch;
};

// Progress during evaluate/predict: batch_end(batch, logs); returns nothing.
using BatchHook = std::function<void(int64_t batch, const Logs& logs)>;

struct CompileOptions {
  std::vector<Loss> losses;                   // one per output
  std::vector<double> loss_weights;           // empty: all 1
  std::vector<std::vector<MetricPtr>> metrics;  // per output
};

class Model {
 public:
  // Takes a graph (finalizing it); `seed` starts the model's generator (shuffling, dropout).
  explicit Model(std::shared_ptr<Graph> graph, uint64_t seed = draw_seed());
  Model(Model&&) = default;
  Model& operator=(Model&&) = default;

  Graph& graph() { return *graph_; }
  const Graph& graph() const { return *graph_; }
  Rng& rng() { return rng_; }
  const Rng& rng() const { return rng_; }
  // Names used for per-output log keys ("<name>_loss"); defaults to the output layers' names.
  std::vector<std::string> output_names;
  // How the model is saved: its name and Keras class ("Sequential" or "Functional").
  std::string name = "functional";
  std::string class_name = "Functional";
  // How a functional model's inputs and outputs were given (Keras's config records it): one
  // tensor, a list, or a dict with these keys (in graph input / output order).
  enum class Structure { Tensor, List, Dict };
  Structure input_structure = Structure::Tensor, output_structure = Structure::Tensor;
  std::vector<std::string> input_keys, output_keys;

  void compile(std::shared_ptr<Optimizer> optimizer, CompileOptions options);
  // compile("adam" settings, "binary_crossentropy", {"accuracy"}), with Keras's identifiers.
  void compile(const OptimizerConfig& optimizer, const std::string& loss, const std::vector<std::string>& metrics = {});
  bool compiled() const { return optimizer_ != nullptr; }
  // Whether a layer's `trainable` flag changed since compile() (which captured the trainable
  // weights the optimizer updates; Keras needs a recompile too).
  bool trainable_changed_since_compile() const;
  Optimizer& optimizer();
  std::shared_ptr<Optimizer> optimizer_ptr() const { return optimizer_; }
  const CompileOptions& compile_options() const { return compile_; }

  void fit(const Data& train, const Data* validation, const FitOptions& options, const FitHooks& hooks);
  Logs evaluate(const Data& data, int64_t batch_size, const BatchHook& hook = nullptr);
  // Writes each output's rows into out[k] (rows x output size, row-major). Safe to call from
  // several threads at once (each call borrows its own workspace).
  void predict(const std::vector<ConstView>& x, Index rows, int64_t batch_size, const std::vector<float*>& out,
               const BatchHook& hook = nullptr) const;
  // Single-input, single-output conveniences (Eigen matrices, rows = samples).
  History fit(const Matrix& x, const Matrix& y, const FitOptions& options = {});
  Logs evaluate(const Matrix& x, const Matrix& y, int64_t batch_size = 32);
  Matrix predict(const Matrix& x, int64_t batch_size = 32) const;
  // One forward pass in training or inference mode (Keras's model(x, training=...)): dropout
  // and noise layers draw from the model's generator and BatchNormalization updates its moving
  // statistics when training. Not for concurrent use.
  void call(const std::vector<ConstView>& x, Index rows, bool training, const std::vector<float*>& out);
  // Raw buffers: `rows` samples of the input size in, rows x output size out.
  void predict(const float* x, size_t rows, float* out) const;
  void save(const std::string& path) const;

  Logs train_on_batch(const Data& data);
  Logs test_on_batch(const Data& data);
  // d(total loss)/d(params) on one batch, without updating (the flat gradient buffer).
  std::vector<float> compute_gradients(const Data& data);

  // Checks x (and y) against the graph: counts, widths, finite values, label ranges.
  void check_data(const Data& data, bool with_targets) const;
  void check_inputs(const std::vector<ConstView>& x, Index rows) const;

 private:
  void require_compiled() const;
  void resolve(const Data& data);
  double step_loss(Workspace& ws, const Data& batch, bool compute_grads);
  void update_metrics(Workspace& ws, const Data& batch);
  void reset_metrics();
  Logs current_logs() const;

  std::shared_ptr<Graph> graph_;
  Rng rng_;
  // predict() of a graph with layers forced into training mode draws from its own generator,
  // seeded from this and a call counter (predict is const and may run on several threads).
  uint64_t predict_seed_ = 0;
  std::unique_ptr<std::atomic<uint64_t>> predict_calls_ = std::make_unique<std::atomic<uint64_t>>(0);
  std::vector<Segment> compiled_segments_;
  Workspace train_ws_, eval_ws_;
  // Workspaces for predict, one per concurrent call, kept for reuse.
  std::unique_ptr<std::mutex> pool_mutex_ = std::make_unique<std::mutex>();
  mutable std::vector<std::unique_ptr<Workspace>> pool_;
  std::shared_ptr<Optimizer> optimizer_;
  CompileOptions compile_;
  std::vector<Loss> losses_;                       // resolved per output
  std::vector<std::vector<MetricPtr>> metrics_;    // resolved per output
  bool resolved_ = false;
  double loss_total_ = 0.0, loss_count_ = 0.0;
  std::vector<double> output_loss_total_;
  std::vector<bool> fused_;  // per output: whether its gradient is the fused cross-entropy one
};

// Converts Keras class_weight to per-sample weights: the class of a row is argmax of a one-hot
// target, else its rounded label; classes missing from the map weigh 1.
std::vector<float> class_weights_to_sample_weights(ConstView y, const std::vector<std::pair<int64_t, double>>& weights);

}  // namespace densekit
