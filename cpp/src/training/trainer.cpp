// The loops of fit and evaluate (keras/src/trainers/trainer.py and epoch_iterator.py): epochs,
// shuffling, batching, validation, the application's hooks and Ctrl-C.
#include <densekit/errors.hpp>
#include <densekit/interrupt.hpp>
#include <densekit/layers/ops.hpp>
#include <densekit/model.hpp>
#include "../gemm.hpp"
#include "../parallel_for.hpp"
#include "loop_timing.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

namespace densekit {
namespace {

// Columns [c0, c1) of rows [r0, r1) of dst: rows order[r] of src. Rows picked at random come
// from main memory (measured: 93 µs for 256 rows of 784 floats, a tenth of a training step), so
// each row's cache lines are asked for a few rows before it is copied.
void copy_rows(ConstView src, const int64_t* order, Index r0, Index r1, Index c0, Index c1, float* dst) {
  constexpr Index kAhead = 4;
  const Index cols = src.cols;
  const size_t bytes = sizeof(float) * static_cast<size_t>(c1 - c0);
  for (Index r = r0; r < r1; ++r) {
    if (r + kAhead < r1) {
      const char* ahead = reinterpret_cast<const char*>(src.data + order[r + kAhead] * cols + c0);
      for (size_t b = 0; b < bytes; b += 64) __builtin_prefetch(ahead + b);
    }
    std::memcpy(dst + r * cols + c0, src.data + order[r] * cols + c0, bytes);
  }
}

// dst = rows order[0..n) of src, the threads sharing the rows.
void gather_rows(ConstView src, const int64_t* order, Index n, float* dst) {
  const Index cols = src.cols;
  if (splits_by_depth(n, cols, /*b_rows_apart=*/true)) {
    // Few rows of a wide input (a batch of 32 rows of 784, or of up to 392 in training):
    // each thread copies one side of every row, the side that its run of the first Dense
    // layer's product, split by depth, reads (gemm.hpp). Measured on Zen 4 (W1 batch 32):
    // 280-284 µs a step against 284-293, and 403-418 against 425-455 while the host moved data
    // between cores slowly.
    const Index half = depth_half(cols);
    parallel_rows(2, kMinWorkPerThread, [&](int64_t s0, int64_t s1) {
      for (int64_t side = s0; side < s1; ++side) copy_rows(src, order, 0, n, side ? half : 0, side ? cols : half, dst);
    });
    return;
  }
  parallel_rows(n, double(cols) * 4.0, [&](int64_t r0, int64_t r1) { copy_rows(src, order, r0, r1, 0, cols, dst); });
}

// out = rows [start, start + n) of `data`: views of the original arrays (no copy; out's
// vectors keep their capacity).
void slice_rows(const Data& data, Index start, Index n, Data& out) {
  out.x.clear(), out.y.clear();
  out.rows = n;
  for (const auto& v : data.x) out.x.push_back(v.slice_rows(start, n));
  for (const auto& v : data.y) out.y.push_back(v.slice_rows(start, n));
  out.sample_weight = data.sample_weight ? data.sample_weight + start * data.sample_weight_cols : nullptr;
  out.sample_weight_cols = data.sample_weight_cols;
}

// Rows [start, start+n) of `data`, gathered through `order` into the caller's buffers when
// shuffling, else views of the original arrays (no copy).
struct Batcher {
  std::vector<Buffer> x, y;
  Buffer w;
  Data b;  // reused: no allocation per batch once the buffers have grown

  const Data& view(const Data& data, Index start, Index n, const std::vector<int64_t>* order) {
    if (!order) {
      slice_rows(data, start, n, b);
      return b;
    }
    b.x.clear(), b.y.clear();
    b.sample_weight = nullptr;
    b.rows = n;
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
    b.sample_weight_cols = data.sample_weight_cols;
    if (data.sample_weight) {
      const Index cols = data.sample_weight_cols;
      if (w.size() < static_cast<size_t>(n * cols)) w.resize(static_cast<size_t>(n * cols));
      gather_rows(ConstView{data.sample_weight, data.rows, cols}, order->data() + start, n, w.data());
      b.sample_weight = w.data();
    }
    return b;
  }
};

// One value from each process, in rank order (a sum of vectors in which each process fills
// its own slot).
std::vector<double> gather_values(Communicator& comm, double value) {
  std::vector<double> values(static_cast<size_t>(comm.size()), 0.0);
  values[static_cast<size_t>(comm.rank())] = value;
  comm.allreduce_sum(values.data(), static_cast<int64_t>(values.size()));
  return values;
}

bool any_process(Communicator& comm, bool flag) {
  double value = flag ? 1.0 : 0.0;
  comm.allreduce_sum(&value, 1);
  return value > 0.0;
}

// How each step of a data-parallel epoch picks this process's rows.
struct ShardPlan {
  int64_t steps = 0;
  Index batch = 0;  // auto_shard: the global batch; per-process data: this process's part
};

// auto_shard_dataset=True splits one data set: every process must pass the same rows.
void check_same_rows(const std::vector<double>& rows_of) {
  for (size_t r = 0; r < rows_of.size(); ++r)
    if (rows_of[r] != rows_of[0])
      throw ValueError("DataParallel(auto_shard_dataset=True) needs the same data on every process, but process " +
                       std::to_string(r) + " passed " + std::to_string(int64_t(rows_of[r])) + " rows and process 0 passed " +
                       std::to_string(int64_t(rows_of[0])) + ". Pass each process's own shard with auto_shard_dataset=False.");
}

// What every process must share: a process that runs other steps, epochs or validations, or
// sums a buffer of another size, would leave the others waiting in an allreduce (or meet them in
// the wrong one). `what`: "fit" or "evaluate".
void check_same_values(Communicator& comm, const std::vector<std::pair<const char*, double>>& settings,
                       const char* what) {
  const size_t k = settings.size(), processes = static_cast<size_t>(comm.size());
  std::vector<double> all(k * processes, 0.0);
  for (size_t i = 0; i < k; ++i) all[static_cast<size_t>(comm.rank()) * k + i] = settings[i].second;
  comm.allreduce_sum(all.data(), static_cast<int64_t>(all.size()));
  for (size_t r = 1; r < processes; ++r)
    for (size_t i = 0; i < k; ++i)
      if (all[r * k + i] != all[i])
        throw ValueError(std::string("Data-parallel ") + what + " needs the same " + settings[i].first +
                         " on every process, but process " + std::to_string(r) + " has " +
                         std::to_string(int64_t(all[r * k + i])) + " and process 0 has " + std::to_string(int64_t(all[i])) +
                         "." +
                         (std::string(settings[i].first) == "batch_size"
                              ? " (With a per-process shard and steps_per_epoch, pass batch_size: it is otherwise "
                                "derived from each process's own rows.)"
                              : ""));
}

// The model every process must have: the same weights to broadcast and sum, the same metric
// accumulators to sum; and one way of sharding the data.
std::vector<std::pair<const char*, double>> model_settings(int64_t params, size_t accumulators, bool auto_shard) {
  return {{"number of parameters (the same model)", double(params)},
          {"number of loss and metric accumulators (the same compile() losses and metrics)", double(accumulators)},
          {"DataParallel auto_shard_dataset (1: True)", auto_shard ? 1.0 : 0.0}};
}

void check_same_settings(Communicator& comm, const FitOptions& o, bool validation, int64_t params,
                         size_t accumulators, bool auto_shard, size_t optimizer_slots) {
  std::vector<std::pair<const char*, double>> settings = {
      {"batch_size", double(o.batch_size)}, {"steps_per_epoch", double(o.steps_per_epoch)},
      {"epochs", double(o.epochs)}, {"initial_epoch", double(o.initial_epoch)},
      {"validation data (1: given)", validation ? 1.0 : 0.0}, {"validation_freq", double(o.validation_freq)},
      {"validation epochs (their count)", double(o.validation_epochs.size())},
      {"validation_batch_size", double(o.validation_batch_size)}};
  for (const auto& setting : model_settings(params, accumulators, auto_shard)) settings.push_back(setting);
  settings.push_back({"number of optimizer slots per weight (the same optimizer)", double(optimizer_slots)});
  check_same_values(comm, settings, "fit");
}

// train_step_data_parallel combines the processes' gradients as means over the global batch,
// which is the gradient of a loss averaged over its rows; a loss summed over them, or divided by
// the sum of the sample weights, would be scaled wrongly.
void check_data_parallel_losses(const std::vector<Loss>& losses, bool weighted, const Graph& graph) {
  for (const Node& node : graph.nodes()) {
    const auto* added = dynamic_cast<const AddLoss*>(node.layer.get());
    if (added && added->reduction() == "sum")
      throw ValueError("Data-parallel training averages the gradients over the global batch, which the loss added by '" +
                       node.layer->name() + "' does not: it sums over the batch (ops.sum in add_loss), so each process "
                       "would add only its own rows' part. Use ops.mean under a distribution (scaled as you need).");
  }
  for (size_t k = 0; k < losses.size(); ++k) {
    const Reduction r = losses[k].reduction;
    if (r == Reduction::Sum || (r == Reduction::MeanWithSampleWeight && weighted))
      throw ValueError(std::string("Data-parallel training averages the gradients over the global batch, which the loss of "
                                   "output ") + std::to_string(k) + " does not: its reduction is " +
                       (r == Reduction::Sum ? "\"sum\"" : "\"mean_with_sample_weight\" with sample weights") +
                       ". Use the default reduction, \"sum_over_batch_size\", under a distribution.");
  }
}

ShardPlan plan_shards(Communicator& comm, bool auto_shard, Index rows, int64_t batch_size) {
  const std::vector<double> rows_of = gather_values(comm, double(rows));
  if (auto_shard) {
    check_same_rows(rows_of);
    const Index bs = std::min<Index>(batch_size, rows);
    return {(rows + bs - 1) / bs, bs};
  }
  if (batch_size < comm.size())
    throw ValueError("DataParallel over " + std::to_string(comm.size()) + " processes needs a global batch_size of at least " +
                     std::to_string(comm.size()) + ". Received: batch_size=" + std::to_string(batch_size));
  const Index bs = rank_share(batch_size, comm.rank(), comm.size()).count;
  int64_t steps = 0;
  for (size_t r = 0; r < rows_of.size(); ++r) {
    const int64_t part = rank_share(batch_size, static_cast<int>(r), comm.size()).count;
    steps = std::max<int64_t>(steps, (int64_t(rows_of[r]) + part - 1) / part);
  }
  return {steps, bs};
}

}  // namespace

void Model::fit(const Data& train, const Data* validation, const FitOptions& options, const FitHooks& hooks) {
  const LoopScope scope(*this, "fit");
  require_compiled();
  if (options.batch_size <= 0)
    throw ValueError("Argument `batch_size` must be a positive integer. Received: batch_size=" + std::to_string(options.batch_size));
  if (options.steps_per_epoch < 0)
    throw ValueError("Argument `steps_per_epoch` must be a positive integer. Received: steps_per_epoch=" +
                     std::to_string(options.steps_per_epoch));
  if (options.validation_freq <= 0)
    throw ValueError("Argument `validation_freq` must be a positive integer. Received: validation_freq=" +
                     std::to_string(options.validation_freq));
  check_data(train, true);
  if (validation) check_data(*validation, true);
  // class_weight weighs the training data only, not the validation data (as in Keras).
  std::vector<float> class_sample_weights;
  Data weighted_train;
  if (!options.class_weight.empty()) {
    class_sample_weights = class_weights_to_sample_weights(train, options.class_weight, positions(0));
    weighted_train = train;
    weighted_train.sample_weight = class_sample_weights.data();
  }
  const Data& data = options.class_weight.empty() ? train : weighted_train;
  resolve(data);
  build_optimizer();

  std::optional<SigintGuard> sigint;
  if (options.handle_sigint) sigint.emplace();
  auto check_interrupt = [&] {
    if (options.handle_sigint) SigintGuard::check();
  };

  Communicator* comm = distribution_.communicator.get();
  const Index n = data.rows;
  ShardPlan plan{0, std::min<Index>(options.batch_size, n)};
  plan.steps = n / plan.batch + (n % plan.batch != 0);  // (n + batch - 1 may overflow)
  if (comm) {
    check_data_parallel_losses(compile_.losses, train.sample_weight || !options.class_weight.empty(), *graph_);
    check_same_settings(*comm, options, validation != nullptr, graph_->param_count(), accumulator_count(),
                        distribution_.auto_shard_dataset, optimizer_->slots().size());
    plan = plan_shards(*comm, distribution_.auto_shard_dataset, n, options.batch_size);
    start_data_parallel();
  }
  const Index bs = plan.batch;
  const int64_t steps = plan.steps;
  std::vector<int64_t> order(static_cast<size_t>(n));
  Batcher batcher;
  const int64_t val_bs = options.validation_batch_size > 0 ? options.validation_batch_size : options.batch_size;
  auto validate_after = [&](int epoch) {
    if (!options.validation_epochs.empty())
      return std::find(options.validation_epochs.begin(), options.validation_epochs.end(), epoch + 1) !=
             options.validation_epochs.end();
    return (epoch + 1) % options.validation_freq == 0;
  };
  // This process's rows of step `step`: its share of the global batch, or its own batch.
  auto local_rows = [&](int64_t step) -> RowRange {
    if (!comm) return {step * bs, std::min<Index>(bs, n - step * bs)};
    if (distribution_.auto_shard_dataset) {
      const Index start = step * bs, rows = std::min<Index>(bs, n - start);
      const RowRange share = rank_share(rows, comm->rank(), comm->size());
      return {start + share.begin, share.count};
    }
    const Index start = std::min<Index>(step * bs, n);
    return {start, std::min<Index>(bs, n - start)};
  };

  // Batches an epoch, and the next batch of the current pass over the data (epochs of
  // steps_per_epoch batches go on from where the previous one stopped).
  const int64_t epoch_steps = options.steps_per_epoch > 0 ? options.steps_per_epoch : steps;
  int64_t position = 0;
  for (int epoch = options.initial_epoch; epoch < options.epochs; ++epoch) {
    reset_metrics();
    bool stop = hooks.epoch_begin && hooks.epoch_begin(epoch);
    if (options.shuffle && position == 0) {
      for (Index i = 0; i < n; ++i) order[i] = i;
      for (Index i = n - 1; i > 0; --i) std::swap(order[i], order[rng_.below(static_cast<uint64_t>(i + 1))]);
    }
    Throttle throttle(options.batch_hook_interval);
    for (int64_t step = 0; step < epoch_steps && position < steps; ++step) {  // a pass that runs out ends the epoch
      const RowRange rows = local_rows(position++);
      const bool stop_asked = stop;  // by a hook after the previous batch
      if (!comm) check_interrupt();  // between batches: a batch is applied whole or not at all
      if (hooks.batch_begin) stop = hooks.batch_begin(epoch, step) || stop;
      const Data& batch = batcher.view(data, rows.begin, rows.count, options.shuffle ? &order : nullptr);
      if (!comm) {
        train_step(batch);
      } else if (train_step_data_parallel(batch, stop_asked || (options.handle_sigint && SigintGuard::requested()))) {
        // A stop or Ctrl-C on any process, asked for after the previous batch, stops all of
        // them before this one (the flag travels with the gradients).
        break;
      }
      stop = stop || stop_requested();
      // This epoch's batches: fewer than epoch_steps when the pass runs out first.
      const int64_t epoch_batches = std::min(epoch_steps, step + 1 + (steps - position));
      if (hooks.batch_end && options.batch_hook_interval >= 0.0 && throttle.due(step, epoch_batches, stop))
        stop = hooks.batch_end(epoch, step, current_logs()) || stop;
      if (stop && !comm) break;
    }
    if (comm) {
      reduce_accumulators();
      // Layers' own state (BatchNormalization's moving statistics) follows each process's
      // rows: rank 0's is kept everywhere, so the weights stay identical.
      const Graph::Use use(*graph_, Graph::Use::kWrites);
      comm->broadcast(graph_->params(), int64_t(sizeof(float)) * graph_->param_count(), 0);
    }
    if (position == steps) position = 0;  // the next epoch starts a new pass
    Logs logs = current_logs();
    if (validation && validate_after(epoch)) {
      // (Under a distribution a Ctrl-C is acted on below, by every process together.)
      const Logs val = run_evaluation(*validation, val_bs, hooks.validation, options.handle_sigint && !comm);
      for (const auto& [name, value] : val) logs.emplace_back("val_" + name, value);
    }
    if (comm) {
      // A Ctrl-C on any process ends the fit of every process here, before the epoch's hooks:
      // the interrupted ones raise below, the others return, and none waits in a collective
      // call the others have left.
      std::array<double, 2> flags = {stop ? 1.0 : 0.0, options.handle_sigint && SigintGuard::requested() ? 1.0 : 0.0};
      comm->allreduce_sum(flags.data(), 2);
      if (flags[1] > 0.0) break;
      stop = flags[0] > 0.0;
    } else {
      check_interrupt();
    }
    if (hooks.epoch_end) stop = hooks.epoch_end(epoch, logs) || stop;
    stop = stop || stop_requested();
    if (comm) stop = any_process(*comm, stop);
    if (stop) break;
  }
  check_interrupt();
  if (options.epochs > 0) {
    // Outside a step, the weights are reached through a Use too: a model sharing layers with
    // this one may be computing on another thread, and this one waits for it (Graph::Use).
    const Graph::Use use(*graph_, Graph::Use::kWrites);
    optimizer_->finalize(graph_->params());
  }
}

void Model::set_distribution(DataParallel distribution, const std::string& caller) {
  // (Python hands the distribution over before every fit and evaluate, a callback's too.)
  const LoopScope scope(*this, caller.c_str());
  const Communicator* comm = distribution.communicator.get();
  if (comm && comm->size() < 1) throw ValueError("set_distribution(): the communicator has no processes.");
  if (comm && (comm->rank() < 0 || comm->rank() >= comm->size()))
    throw ValueError("set_distribution(): the communicator's rank " + std::to_string(comm->rank()) +
                     " is not one of its " + std::to_string(comm->size()) + " processes.");
  // A callback's fit or evaluate hands over the same distribution; a different one would pull
  // the communicator out from under the running loop.
  if (scope.nested() && (comm != distribution_.communicator.get() ||
                         distribution.auto_shard_dataset != distribution_.auto_shard_dataset))
    throw Error(caller + " cannot change the distribution while this model runs fit, evaluate or train_on_batch "
                "(from a callback): the running loop holds its communicator.");
  distribution_ = std::move(distribution);
}

void Model::check_same_model(Communicator& comm, const char* what) const {
  check_same_values(comm, model_settings(graph_->param_count(), accumulator_count(), distribution_.auto_shard_dataset),
                    what);
}

// Every process starts from rank 0's weights, optimizer state and shuffling generator (a
// process that resumed from another checkpoint, or trained alone, would otherwise apply other
// moments and step counts to the same gradients); each draws dropout from its own generator.
void Model::start_data_parallel() {
  Communicator& comm = *distribution_.communicator;
  const Graph::Use use(*graph_, Graph::Use::kWrites);
  comm.broadcast(graph_->params(), int64_t(sizeof(float)) * graph_->param_count(), 0);
  // (fit built the optimizer for these weights on every process: the slots have one size)
  for (Buffer& slot : optimizer_->slots())
    comm.broadcast(slot.data(), int64_t(sizeof(float)) * static_cast<int64_t>(slot.size()), 0);
  std::array<double, 2> progress = {double(optimizer_->raw_iterations()), optimizer_->rule_state()};
  comm.broadcast(progress.data(), int64_t(sizeof(progress)), 0);
  optimizer_->restore_progress(static_cast<int64_t>(progress[0]), progress[1]);
  std::array<uint64_t, 4> state = rng_.state();
  comm.broadcast(state.data(), int64_t(sizeof(state)), 0);
  rng_.set_state(state);
  local_rng_.reseed(state[0] ^ (0x9e3779b97f4a7c15ull * static_cast<uint64_t>(comm.rank() + 1)));
}

Logs Model::evaluate(const Data& data, int64_t batch_size, const LoopHooks& hooks) {
  const LoopScope scope(*this, "evaluate");
  require_compiled();
  if (batch_size <= 0)
    throw ValueError("Argument `batch_size` must be a positive integer. Received: batch_size=" + std::to_string(batch_size));
  check_data(data, true);
  resolve(data);
  std::optional<SigintGuard> sigint;
  if (hooks.handle_sigint) sigint.emplace();
  Communicator* comm = distribution_.communicator.get();
  if (!comm) return run_evaluation(data, batch_size, hooks, hooks.handle_sigint);
  check_data_parallel_losses(compile_.losses, data.sample_weight != nullptr, *graph_);
  check_same_model(*comm, "evaluate");
  // A Ctrl-C is raised once the processes have summed their results, so none is left waiting.
  Logs logs = run_evaluation(data, batch_size, hooks, false);
  if (hooks.handle_sigint) SigintGuard::check();
  return logs;
}

Logs Model::run_evaluation(const Data& all, int64_t batch_size, const LoopHooks& hooks, bool handle_sigint) {
  if (hooks.begin) hooks.begin();
  reset_metrics();
  Communicator* comm = distribution_.communicator.get();
  // Data-parallel: each process evaluates its contiguous share (or its own data), then the
  // accumulators are summed.
  Data shard;
  if (comm && distribution_.auto_shard_dataset) {
    check_same_rows(gather_values(*comm, double(all.rows)));  // (else every process gets the same, meaningless figure)
    const RowRange share = rank_share(all.rows, comm->rank(), comm->size());
    slice_rows(all, share.begin, share.count, shard);
  }
  const Data& data = comm && distribution_.auto_shard_dataset ? shard : all;
  Batcher batcher;
  const int64_t steps = data.rows / batch_size + (data.rows % batch_size != 0);
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
  if (comm) reduce_accumulators();
  Logs logs = current_logs();
  if (hooks.end) hooks.end(logs);
  return logs;
}

Logs Model::train_on_batch(const Data& given, const std::vector<std::pair<int64_t, double>>& class_weight) {
  const LoopScope scope(*this, "train_on_batch");
  require_compiled();
  if (distribution_.communicator && distribution_.communicator->size() > 1)
    throw ValueError("train_on_batch() does not train data-parallel: each process would apply its own batch's gradients "
                     "and the models would drift apart. Use fit() under a distribution.");
  check_data(given, true);
  std::vector<float> class_sample_weights;
  Data data = given;
  if (!class_weight.empty()) {
    class_sample_weights = class_weights_to_sample_weights(given, class_weight, positions(0));
    data.sample_weight = class_sample_weights.data();
  }
  resolve(data);
  build_optimizer();
  reset_metrics();
  train_step(data);
  return current_logs();
}

Logs Model::test_on_batch(const Data& data) {
  const LoopScope scope(*this, "test_on_batch");
  require_compiled();
  check_data(data, true);
  resolve(data);
  reset_metrics();
  step_loss(eval_ws_, data, false);
  update_metrics(eval_ws_, data);
  return current_logs();
}

}  // namespace densekit
