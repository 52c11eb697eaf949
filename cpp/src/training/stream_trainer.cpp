// fit and evaluate over streamed batches (Keras's generators and PyDataset): the loop of
// trainer.cpp with the batches taken from a BatchStream instead of cut from arrays.
#include <densekit/batch_stream.hpp>
#include <densekit/errors.hpp>
#include <densekit/interrupt.hpp>
#include <densekit/model.hpp>
#include "loop_timing.hpp"

#include <algorithm>
#include <optional>

namespace densekit {

const Data& Model::stream_batch(const Data& batch, const std::vector<std::pair<int64_t, double>>& class_weight,
                                std::vector<float>& weights, Data& weighted) {
  check_data(batch, true);
  resolve(batch);
  if (class_weight.empty()) return batch;
  weights = class_weights_to_sample_weights(batch, class_weight, positions(0));
  weighted = batch;
  weighted.sample_weight = weights.data();
  return weighted;
}

void Model::fit(BatchStream& train, BatchStream* validation, const FitOptions& options, const FitHooks& hooks) {
  const LoopScope scope(*this, "fit");
  require_compiled();
  if (distribution_.communicator)
    throw ValueError("Data-parallel training takes arrays: pass x and y as arrays (each process's shard with "
                     "DataParallel(auto_shard_dataset=False)), not a generator or PyDataset.");
  if (options.validation_freq <= 0)
    throw ValueError("Argument `validation_freq` must be a positive integer. Received: validation_freq=" +
                     std::to_string(options.validation_freq));
  std::optional<SigintGuard> sigint;
  if (options.handle_sigint) sigint.emplace();
  auto check_interrupt = [&] {
    if (options.handle_sigint) SigintGuard::check();
  };
  auto validate_after = [&](int epoch) {
    if (!options.validation_epochs.empty())
      return std::find(options.validation_epochs.begin(), options.validation_epochs.end(), epoch + 1) !=
             options.validation_epochs.end();
    return (epoch + 1) % options.validation_freq == 0;
  };
  std::vector<float> class_weights;
  Data weighted;
  bool trained = false;
  for (int epoch = options.initial_epoch; epoch < options.epochs; ++epoch) {
    reset_metrics();
    bool stop = hooks.epoch_begin && hooks.epoch_begin(epoch);
    Throttle throttle(options.batch_hook_interval);
    int64_t step = 0;
    for (;; ++step) {
      check_interrupt();  // between batches: a batch is applied whole or not at all
      const Data* next = train.next();  // waits for the producer, without the GIL
      if (!next) break;
      const Data& batch = stream_batch(*next, options.class_weight, class_weights, weighted);
      if (!trained) build_optimizer(), trained = true;
      if (hooks.batch_begin) stop = hooks.batch_begin(epoch, step) || stop;
      train_step(batch);
      stop = stop || stop_requested();
      // The step count is unknown: the last batch's call is not forced (-1 never matches).
      if (hooks.batch_end && options.batch_hook_interval >= 0.0 && throttle.due(step, -1, stop))
        stop = hooks.batch_end(epoch, step, current_logs()) || stop;
      if (stop) break;
    }
    if (step == 0) break;  // the data ran out: no epoch to report
    Logs logs = current_logs();
    if (validation && validate_after(epoch)) {
      int64_t batches = 0;
      const Logs val = run_stream_evaluation(*validation, hooks.validation, options.handle_sigint, &batches);
      // A pass without batches (a generator that ended) measured nothing: zeros would pass for
      // the best epoch with EarlyStopping and ModelCheckpoint, so the epoch has no val_ figures.
      if (batches > 0)
        for (const auto& [name, value] : val) logs.emplace_back("val_" + name, value);
    }
    check_interrupt();
    if (hooks.epoch_end) stop = hooks.epoch_end(epoch, logs) || stop;
    if (stop || stop_requested()) break;
  }
  check_interrupt();
  if (trained) {
    const Graph::Use use(*graph_, Graph::Use::kWrites);  // as at the end of the array fit
    optimizer_->finalize(graph_->params());
  }
}

Logs Model::evaluate(BatchStream& data, const LoopHooks& hooks) {
  const LoopScope scope(*this, "evaluate");
  require_compiled();
  std::optional<SigintGuard> sigint;
  if (hooks.handle_sigint) sigint.emplace();
  return run_stream_evaluation(data, hooks, hooks.handle_sigint);
}

Logs Model::run_stream_evaluation(BatchStream& data, const LoopHooks& hooks, bool handle_sigint, int64_t* batches) {
  if (hooks.begin) hooks.begin();
  reset_metrics();
  std::vector<float> unused_weights;
  Data unused;
  Throttle throttle(hooks.batch_end_interval);
  bool stop = false;
  for (int64_t step = 0;; ++step) {
    if (handle_sigint) SigintGuard::check();
    if (stop && !batches) break;  // stop_evaluating in evaluate(): done (an endless generator never drains)
    const Data* next = data.next();
    if (!next) break;
    if (batches) ++*batches;
    if (stop) continue;  // in fit's validation: the rest of this pass is drained, not evaluated
    const Data& batch = stream_batch(*next, {}, unused_weights, unused);
    stop = hooks.batch_begin && hooks.batch_begin(step);
    step_loss(eval_ws_, batch, false);
    update_metrics(eval_ws_, batch);
    if (hooks.batch_end && throttle.due(step, -1, stop)) stop = hooks.batch_end(step, current_logs()) || stop;
  }
  // Data-parallel: each process streamed its own batches; the figures are those of all of them,
  // as an evaluation of arrays gives.
  if (distribution_.communicator) {
    // (a process whose stream had no batch has no metric accumulators to sum: refused together)
    check_same_model(*distribution_.communicator, "evaluate");
    reduce_accumulators();
  }
  Logs logs = current_logs();
  if (hooks.end) hooks.end(logs);
  return logs;
}

}  // namespace densekit
