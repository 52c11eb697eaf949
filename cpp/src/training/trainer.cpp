// The loops of fit and evaluate (keras/src/trainers/trainer.py and epoch_iterator.py): epochs,
// shuffling, batching, validation, the application's hooks and Ctrl-C.
#include <densekit/errors.hpp>
#include <densekit/interrupt.hpp>
#include <densekit/model.hpp>
#include "../parallel_for.hpp"
#include "loop_timing.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

namespace densekit {
namespace {

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

}  // namespace

void Model::fit(const Data& train, const Data* validation, const FitOptions& options, const FitHooks& hooks) {
  require_compiled();
  if (options.batch_size <= 0)
    throw ValueError("Argument `batch_size` must be a positive integer. Received: batch_size=" + std::to_string(options.batch_size));
  if (options.validation_freq <= 0)
    throw ValueError("Argument `validation_freq` must be a positive integer. Received: validation_freq=" +
                     std::to_string(options.validation_freq));
  check_data(train, true);
  if (validation) check_data(*validation, true);
  // class_weight weighs the training data only, not the validation data (as in Keras).
  std::vector<float> class_sample_weights;
  Data weighted_train;
  if (!options.class_weight.empty()) {
    class_sample_weights = class_weights_to_sample_weights(train, options.class_weight);
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

  const Index n = data.rows, bs = std::min<Index>(options.batch_size, n);
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
      const Data& batch = batcher.view(data, start, rows, options.shuffle ? &order : nullptr);
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

Logs Model::train_on_batch(const Data& given, const std::vector<std::pair<int64_t, double>>& class_weight) {
  require_compiled();
  check_data(given, true);
  std::vector<float> class_sample_weights;
  Data data = given;
  if (!class_weight.empty()) {
    class_sample_weights = class_weights_to_sample_weights(given, class_weight);
    data.sample_weight = class_sample_weights.data();
  }
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

}  // namespace densekit
