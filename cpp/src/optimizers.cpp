#include <densekit/errors.hpp>
#include <densekit/optimizers.hpp>
#include "float_mode.hpp"
#include "parallel_for.hpp"
#include "optimizers/rule.hpp"

#include <algorithm>
#include <limits>
#include <mutex>
#include <cctype>
#include <cmath>
#include <utility>

namespace densekit {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// An update costs about as much per weight as 32 multiply-adds (a square root and a division
// for most rules): the unit parallel_rows() weighs work in.
constexpr double kUpdateWorkPerWeight = 32.0;

}  // namespace

OptimizerConfig OptimizerConfig::defaults(OptimizerKind kind) {
  OptimizerConfig c;
  c.kind = kind;
  rule_of(kind).set_defaults(c);
  return c;
}

OptimizerConfig OptimizerConfig::from_name(const std::string& name) {
  for (const OptimizerRule* rule : optimizer_rules())
    if (lower(name) == lower(rule->class_name)) return defaults(rule->kind);
  std::string known;
  for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
  throw ValueError("Could not interpret optimizer identifier: " + name + ". Valid names are: " + known + ".");
}

std::vector<std::string> OptimizerConfig::names() {
  std::vector<std::string> out;
  for (const OptimizerRule* rule : optimizer_rules()) out.push_back(lower(rule->class_name));
  return out;
}

std::string OptimizerConfig::class_name() const { return rule_of(kind).class_name; }

void OptimizerConfig::validate() const {
  if (!(learning_rate >= 0.0) || !std::isfinite(learning_rate))
    throw ValueError("Argument `learning_rate` must be a non-negative finite float. Received: learning_rate=" +
                     std::to_string(learning_rate));
  rule_of(kind).validate(*this);
  if (weight_decay && !std::isfinite(*weight_decay))  // (a NaN decay would turn every weight NaN)
    throw ValueError("Argument `weight_decay` must be a finite float. Received: weight_decay=" + std::to_string(*weight_decay));
  const int clips = int(clipnorm.has_value()) + int(clipvalue.has_value()) + int(global_clipnorm.has_value());
  if (clips > 1)
    throw ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: clipnorm=" +
                     (clipnorm ? std::to_string(*clipnorm) : "None") + ", clipvalue=" +
                     (clipvalue ? std::to_string(*clipvalue) : "None") + ", global_clipnorm=" +
                     (global_clipnorm ? std::to_string(*global_clipnorm) : "None"));
  for (auto [what, v] : {std::pair{"clipnorm", clipnorm}, {"clipvalue", clipvalue}, {"global_clipnorm", global_clipnorm}})
    if (v && !(*v >= 0.0 && std::isfinite(*v)))  // (0 is Keras's "no clipping"; a negative limit is a slip)
      throw ValueError(std::string("Argument `") + what + "` must be a non-negative finite float. Received: " + std::to_string(*v));
  if (use_ema && !(ema_momentum >= 0.0 && ema_momentum <= 1.0))
    throw ValueError("`ema_momentum` must be in the range [0, 1]. Received: ema_momentum=" + std::to_string(ema_momentum));
  if (ema_overwrite_frequency < 0)
    throw ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. Received: ema_overwrite_frequency=" +
                     std::to_string(ema_overwrite_frequency));
  if (gradient_accumulation_steps != 0 && gradient_accumulation_steps < 2)
    throw ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: gradient_accumulation_steps=" +
                     std::to_string(gradient_accumulation_steps));
  if (schedule) schedule->validate();
  // (the factor scales float32 gradients, whose denormals are flushed to 0: it must be a normal float32)
  const float scale = loss_scale_factor ? static_cast<float>(*loss_scale_factor) : 1.0f;
  if (!(scale >= std::numeric_limits<float>::min() && std::isfinite(scale)))
    throw ValueError("Argument `loss_scale_factor` must be a positive finite float. Received: loss_scale_factor=" +
                     std::to_string(*loss_scale_factor));
}

Optimizer::Optimizer(OptimizerConfig config) : config_(std::move(config)), rule_(&rule_of(config_.kind)) {
  config_.validate();
  learning_rate_ = static_cast<float>(config_.learning_rate);
}

double Optimizer::learning_rate() const {
  const std::lock_guard<std::recursive_mutex> lock(*rate_mutex_);
  if (config_.schedule) return (*config_.schedule)(raw_iterations_);
  if (lr_function_) {
    const CallerFloatMode caller;  // the function is the user's (Python): their floating-point mode
    return static_cast<double>(static_cast<float>(lr_function_(raw_iterations_)));
  }
  return learning_rate_;
}

void Optimizer::set_learning_rate(double lr) {
  const std::lock_guard<std::recursive_mutex> lock(*rate_mutex_);
  if (config_.schedule)
    throw TypeError("This optimizer was created with a `LearningRateSchedule` object as its `learning_rate` constructor "
                    "argument, hence its learning rate is not settable. If you need the learning rate to be settable, "
                    "you should instantiate the optimizer with a float `learning_rate` argument.");
  if (lr_function_)
    throw TypeError("This optimizer's learning rate is a callable, hence it is not settable to a float. Set it to a "
                    "new callable or schedule, or instantiate the optimizer with a float `learning_rate` argument.");
  OptimizerConfig c = config_;
  c.learning_rate = lr;
  c.validate();
  config_ = c;
  learning_rate_ = static_cast<float>(lr);
}

void Optimizer::set_schedule(const LearningRateSchedule& schedule) { exchange_schedule(schedule); }

void Optimizer::set_learning_rate_function(LearningRateFunction fn) { exchange_learning_rate_function(std::move(fn)); }

LearningRateFunction Optimizer::exchange_schedule(const LearningRateSchedule& schedule) {
  schedule.validate();
  const std::lock_guard<std::recursive_mutex> lock(*rate_mutex_);
  config_.schedule = schedule;
  return std::exchange(lr_function_, nullptr);
}

LearningRateFunction Optimizer::exchange_learning_rate_function(LearningRateFunction fn) {
  if (!fn) throw ValueError("The learning-rate function is empty.");
  const std::lock_guard<std::recursive_mutex> lock(*rate_mutex_);
  config_.schedule.reset();
  return std::exchange(lr_function_, std::move(fn));
}

std::optional<LearningRateSchedule> Optimizer::schedule() const {
  const std::lock_guard<std::recursive_mutex> lock(*rate_mutex_);
  return config_.schedule;
}

bool Optimizer::has_learning_rate_function() const {
  const std::lock_guard<std::recursive_mutex> lock(*rate_mutex_);
  return static_cast<bool>(lr_function_);
}

int64_t Optimizer::iterations() const {
  const int64_t n = config_.gradient_accumulation_steps;
  return n > 0 ? raw_iterations_ / n : raw_iterations_;
}

void Optimizer::set_iterations(int64_t it) {
  const int64_t n = config_.gradient_accumulation_steps;
  // (A negative count would make Adam's bias correction divide by zero at the next step.)
  if (it < 0 || (n > 0 && it > std::numeric_limits<int64_t>::max() / n))
    throw ValueError("The iteration count must be a non-negative integer that fits in 64 bits. Received: " +
                     std::to_string(it));
  raw_iterations_ = n > 0 ? it * n : it;
}

bool Optimizer::build_once(int64_t size, std::vector<Segment> segments, std::weak_ptr<const void> owner) {
  static std::mutex building;  // builds are rare: once per optimizer and model
  const std::lock_guard<std::mutex> lock(building);
  if (built_) return false;
  build(size, std::move(segments), std::move(owner));
  return true;
}

void Optimizer::build(int64_t size, std::vector<Segment> segments, std::weak_ptr<const void> owner) {
  if (size < 0) throw ValueError("An optimizer cannot be built for " + std::to_string(size) + " parameters.");
  for (const Segment& s : segments)  // (updates write inside them)
    if (s.offset < 0 || s.size < 0 || s.offset > size - s.size)
      throw ValueError("An optimizer segment [" + std::to_string(s.offset) + ", +" + std::to_string(s.size) +
                       ") lies outside the " + std::to_string(size) + " parameters it was built for.");
  segments_ = std::move(segments);
  owner_ = std::move(owner);
  rule_slots_ = static_cast<int>(rule_->slot_names(config_).size());
  ema_slot_ = config_.use_ema ? rule_slots_ : -1;
  accumulator_slot_ = config_.gradient_accumulation_steps > 0 ? rule_slots_ + (config_.use_ema ? 1 : 0) : -1;
  const int total = rule_slots_ + (ema_slot_ >= 0 ? 1 : 0) + (accumulator_slot_ >= 0 ? 1 : 0);
  slots_.assign(total, Buffer(static_cast<size_t>(size), 0.0f));
  if (rule_->initial_slot_value)
    for (int s = 0; s < rule_slots_; ++s) std::fill(slots_[s].begin(), slots_[s].end(), rule_->initial_slot_value(config_, s));
  // raw_iterations_ is kept: Keras makes the count with the optimizer, not in build(), so one
  // assigned before the first step (iterations.assign) is where training resumes.
  rule_state_ = 1.0;
  built_size_ = size;
  built_ = true;
}

int64_t Optimizer::variable_count() const {
  int64_t trainable = 0;
  for (const auto& s : segments_) trainable += s.size;
  const bool lr_variable = !config_.schedule && !lr_function_;
  const int64_t per_weight = static_cast<int64_t>(rule_->slot_names(config_).size()) + (config_.use_ema ? 1 : 0) +
                             (config_.gradient_accumulation_steps > 0 ? 1 : 0);
  return 1 + (lr_variable ? 1 : 0) + per_weight * trainable + (rule_->state_name ? 1 : 0);
}

std::vector<std::string> Optimizer::slot_names() const { return rule_->slot_names(config_); }

bool Optimizer::slots_sized_for(int64_t size) const {
  const size_t total = size_t(rule_slots_) + (ema_slot_ >= 0 ? 1 : 0) + (accumulator_slot_ >= 0 ? 1 : 0);
  if (!built_ || built_size_ != size || slots_.size() != total) return false;
  return std::all_of(slots_.begin(), slots_.end(), [&](const Buffer& b) { return int64_t(b.size()) == size; });
}

const char* Optimizer::rule_state_name() const { return rule_->state_name; }

void Optimizer::clip(float* grads) const {
  auto norm = [&](const Segment& s) {
    double sq = 0.0;
    for (int64_t i = s.offset; i < s.offset + s.size; ++i) sq += double(grads[i]) * grads[i];
    return std::sqrt(sq);
  };
  auto scale = [&](const Segment& s, double f) {
    for (int64_t i = s.offset; i < s.offset + s.size; ++i) grads[i] = static_cast<float>(grads[i] * f);
  };
  if (OptimizerConfig::clips(config_.clipnorm)) {
    const double c = *config_.clipnorm;
    for (const auto& s : segments_) scale(s, c / std::max(norm(s), c));  // g·c / max(‖g‖, c)
  } else if (OptimizerConfig::clips(config_.global_clipnorm)) {
    double sq = 0.0;
    for (const auto& s : segments_) sq += std::pow(norm(s), 2);
    const double total = std::sqrt(sq), c = *config_.global_clipnorm;
    if (total > c)
      for (const auto& s : segments_) scale(s, c / total);
  }
  // clipvalue is element-wise: update_range() applies it.
}

// The per-step pipeline of BaseOptimizer.apply (keras/src/optimizers/base_optimizer.py): unscale,
// accumulate, clip, decay, update, EMA, count.
void Optimizer::apply(float* params, float* grads) {
  if (!built_) throw ValueError("The optimizer must be built before it applies gradients.");
  if (config_.loss_scale_factor) {
    const float scale = static_cast<float>(*config_.loss_scale_factor);
    for (const auto& s : segments_)
      for (int64_t i = s.offset; i < s.offset + s.size; ++i) grads[i] /= scale;
  }
  const int64_t n = config_.gradient_accumulation_steps;
  const bool update = accumulator_slot_ < 0 || (raw_iterations_ + 1) % n == 0;
  // Evaluated before any state changes: a throwing learning-rate function leaves all as it was.
  if (update) begin_update();
  if (accumulator_slot_ >= 0) {
    float* acc = slots_[accumulator_slot_].data();
    const float inv_n = static_cast<float>(n);
    for (const auto& s : segments_)
      for (int64_t i = s.offset; i < s.offset + s.size; ++i) {
        if (update) {
          grads[i] = (grads[i] + acc[i]) / inv_n;  // the mean of the N gradients
          acc[i] = 0.0f;
        } else {
          acc[i] += grads[i];
        }
      }
  }
  if (update) {
    clip(grads);
    update_segments(params, grads, segments_);
  }
  end_step(params);
}

bool Optimizer::updates_by_range() const {
  return built_ && !config_.loss_scale_factor && config_.gradient_accumulation_steps == 0 &&
         !OptimizerConfig::clips(config_.clipnorm) && !OptimizerConfig::clips(config_.global_clipnorm) && !rule_->measure;
}

void Optimizer::begin_update() {
  if (!built_) throw ValueError("The optimizer must be built before it applies gradients.");
  const OptimizerConfig& c = config_;
  const double lr = learning_rate();
  if (!std::isfinite(static_cast<float>(lr)))  // (a schedule's or a function's: a fixed rate is checked when set)
    throw ValueError("The learning rate for step " + std::to_string(iterations() + 1) + " is " +
                     (std::isnan(lr) ? std::string("nan") : std::to_string(lr)) +
                     ": a learning-rate schedule or function must give finite float32 values.");
  const double t = double(iterations() + 1);
  StepConstants k;
  k.lr = static_cast<float>(lr);
  k.eps = static_cast<float>(c.epsilon);
  k.b1 = static_cast<float>(1.0 - c.beta_1);
  k.b2 = static_cast<float>(1.0 - c.beta_2);
  k.decay = static_cast<float>(c.weight_decay ? 1.0 - *c.weight_decay * lr : 1.0);
  rule_->step_constants(c, lr, t, rule_state_, k);
  step_ = k;
}

void Optimizer::update_range(float* params, float* grads, int64_t offset, int64_t n) {
  clip_and_decay(params, grads, offset, n);
  update_segment(params, grads, offset, n);
}

// What comes before the family's update of a range: clipvalue and the decoupled weight decay.
void Optimizer::clip_and_decay(float* params, float* grads, int64_t offset, int64_t n) const {
  if (OptimizerConfig::clips(config_.clipvalue)) {
    const float v = static_cast<float>(*config_.clipvalue);
    for (int64_t i = offset; i < offset + n; ++i) grads[i] = std::clamp(grads[i], -v, v);
  }
  if (config_.weight_decay && *config_.weight_decay != 0.0) decay_range(params, offset, n);
}

// Decoupled: w ← w − w·wd·lr before the update, but in the weights excluded from it.
void Optimizer::decay_range(float* params, int64_t offset, int64_t n) const {
  int64_t at = offset;
  const int64_t end = offset + n;
  for (const Segment& excluded : decay_excluded_) {
    if (excluded.offset >= end) break;
    for (int64_t i = at; i < excluded.offset; ++i) params[i] *= step_.decay;
    at = std::max(at, excluded.offset + excluded.size);
  }
  for (int64_t i = at; i < end; ++i) params[i] *= step_.decay;
}

void Optimizer::exclude_from_weight_decay(std::vector<Segment> excluded) {
  if (built_) throw ValueError("`exclude_from_weight_decay()` can only be configured before the optimizer is built.");
  std::sort(excluded.begin(), excluded.end(), [](const Segment& a, const Segment& b) { return a.offset < b.offset; });
  decay_excluded_ = std::move(excluded);
}

void Optimizer::update_segments(float* params, float* grads, const std::vector<Segment>& segments) {
  if (rule_->measure) {
    for (const auto& s : segments) update_whole_weight(params, grads, s);
    return;
  }
  for (const auto& s : segments)
    // Element-wise: the result does not depend on how threads split the range.
    parallel_rows(s.size, kUpdateWorkPerWeight, [&](int64_t b, int64_t e) { update_range(params, grads, s.offset + b, e - b); });
}

// A family that measures the whole weight first (rule.hpp): its sums are taken over blocks of a
// fixed size and added in block order, so the weights come out the same bit for bit whatever
// the number of threads.
void Optimizer::update_whole_weight(float* params, float* grads, const Segment& s) {
  constexpr int64_t kBlock = 4096;
  const int64_t blocks = (s.size + kBlock - 1) / kBlock;
  block_sums_.assign(size_t(2 * blocks), 0.0);  // (capacity kept: no allocation after the first step)
  float* slots[8];
  for (int k = 0; k < rule_slots_; ++k) slots[k] = slots_[k].data();
  parallel_rows(blocks, kUpdateWorkPerWeight * kBlock, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t begin = s.offset + b * kBlock, n = std::min(kBlock, s.size - b * kBlock);
      clip_and_decay(params, grads, begin, n);
      rule_->measure(config_, step_, slots, params, grads, begin, begin + n, &block_sums_[size_t(2 * b)]);
    }
  });
  double sums[2] = {0.0, 0.0};
  for (int64_t b = 0; b < blocks; ++b) sums[0] += block_sums_[size_t(2 * b)], sums[1] += block_sums_[size_t(2 * b + 1)];
  StepConstants k = step_;
  k.c = rule_->scale(step_, sums);
  parallel_rows(s.size, kUpdateWorkPerWeight, [&](int64_t b, int64_t e) {
    rule_->update(config_, k, slots, params, grads, s.offset + b, s.offset + e);
  });
}

void Optimizer::end_step(float* params) {
  if (ema_slot_ >= 0) update_ema(params);
  ++raw_iterations_;
}

// avg ← m·avg + (1−m)·w, m = 0 before the first update; every `ema_overwrite_frequency`
// updates the weights take the averages. Runs at every step, like Keras's.
void Optimizer::update_ema(float* params) {
  float* avg = slots_[ema_slot_].data();
  const float m = iterations() == 0 ? 0.0f : static_cast<float>(config_.ema_momentum);
  const bool overwrite = config_.ema_overwrite_frequency > 0 && (iterations() + 1) % config_.ema_overwrite_frequency == 0;
  for (const auto& s : segments_)
    for (int64_t i = s.offset; i < s.offset + s.size; ++i) {
      avg[i] = m * avg[i] + (1.0f - m) * params[i];
      if (overwrite) params[i] = avg[i];
    }
}

void Optimizer::finalize(float* params) {
  if (ema_slot_ < 0 || raw_iterations_ == 0) return;
  const float* avg = slots_[ema_slot_].data();
  for (const auto& s : segments_) std::copy(avg + s.offset, avg + s.offset + s.size, params + s.offset);
}

void Optimizer::assign_ema(const float* params) {
  if (!config_.use_ema)
    throw ValueError("SwapEMAWeights requires the optimizer to be created with `use_ema=True`.");
  if (ema_slot_ < 0) return;
  float* avg = slots_[ema_slot_].data();
  for (const auto& s : segments_) std::copy(params + s.offset, params + s.offset + s.size, avg + s.offset);
}

void Optimizer::swap_ema(float* params) {
  if (!config_.use_ema)
    throw ValueError("SwapEMAWeights requires the optimizer to be created with `use_ema=True`.");
  if (ema_slot_ < 0) return;  // not built: nothing averaged yet
  float* avg = slots_[ema_slot_].data();
  for (const auto& s : segments_)
    for (int64_t i = s.offset; i < s.offset + s.size; ++i) std::swap(avg[i], params[i]);
}

// The family's update_step on one range, with the constants begin_update() fixed for this step.
void Optimizer::update_segment(float* w, const float* g, int64_t offset, int64_t n) const {
  float* slots[8];
  for (int s = 0; s < rule_slots_; ++s) slots[s] = const_cast<float*>(slots_[s].data());
  rule_->update(config_, step_, slots, w, g, offset, offset + n);
}

}  // namespace densekit
