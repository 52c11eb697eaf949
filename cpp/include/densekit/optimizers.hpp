// Optimizers (keras/src/optimizers/) over the model's flat parameter buffer: every slot mirrors
// the parameter layout, so a step is one loop per trainable tensor.
#pragma once

#include <densekit/schedules.hpp>
#include <densekit/tensor.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace densekit {

enum class OptimizerKind { SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Ftrl, Lion, Lamb };

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::RMSprop;
  double learning_rate = 0.001;
  double beta_1 = 0.9, beta_2 = 0.999, epsilon = 1e-7;
  bool amsgrad = false;
  double momentum = 0.0;
  bool nesterov = false;
  double rho = 0.9;
  bool centered = false;
  double initial_accumulator_value = 0.1;
  // Ftrl's (keras/src/optimizers/ftrl.py).
  double learning_rate_power = -0.5;
  double l1_regularization_strength = 0.0, l2_regularization_strength = 0.0;
  double l2_shrinkage_regularization_strength = 0.0, beta = 0.0;
  std::optional<double> weight_decay, clipnorm, clipvalue, global_clipnorm;
  // Whether a clipping argument clips: set and above 0 (Keras's `if self.clipnorm and
  // self.clipnorm > 0`; a file Keras wrote with clipnorm=0.0 does not clip).
  static bool clips(const std::optional<double>& limit) { return limit && *limit > 0.0; }
  std::string name;  // "adam", "adam_1", ...
  // Exponential moving average of the weights (use_ema in keras/src/optimizers/base_optimizer.py).
  bool use_ema = false;
  double ema_momentum = 0.99;
  int64_t ema_overwrite_frequency = 0;  // 0: only at the end of fit
  // Gradients are divided by this (the train step multiplied the loss by it).
  std::optional<double> loss_scale_factor;
  // Update once every N steps with the mean of the N gradients; 0: every step.
  int64_t gradient_accumulation_steps = 0;
  // When set, the learning rate at every step (learning_rate is then unused).
  std::optional<LearningRateSchedule> schedule;

  // Keras's defaults for `kind` ("adam", "SGD", ... case-insensitive); throws ValueError.
  static OptimizerConfig defaults(OptimizerKind kind);
  static OptimizerConfig from_name(const std::string& name);
  static std::vector<std::string> names();
  std::string class_name() const;
  void validate() const;
};

// The learning rate and the update rule's coefficients for the current step, fixed once per
// step by Optimizer::begin_update.
struct StepConstants {
  float lr = 0.0f, eps = 0.0f;
  float b1 = 0.0f, b2 = 0.0f;          // 1 − β1, 1 − β2 (a rule may set others)
  float a = 0.0f, b = 0.0f, c = 0.0f;  // the rule's own coefficients
  float decay = 1.0f;                  // decoupled weight decay: 1 − wd·lr
};

// One optimizer family's update rule (cpp/src/optimizers/): slots, config fields, update.
struct OptimizerRule;

// One trainable tensor inside the flat buffer.
struct Segment {
  int64_t offset = 0;
  int64_t size = 0;
};

// The learning rate as a function of the step, supplied by the application (a Python
// callable, say). Called once per update, only when set.
using LearningRateFunction = std::function<double(int64_t step)>;

class Optimizer {
 public:
  explicit Optimizer(OptimizerConfig config);
  const OptimizerConfig& config() const { return config_; }

  // Allocates slots for a buffer of `size` floats of which `segments` are trainable. `owner`
  // holds that buffer (a model's graph): slots are positional, so another buffer of the same
  // size would silently take over moments that belong to other weights.
  void build(int64_t size, std::vector<Segment> segments, std::weak_ptr<const void> owner = {});
  // build() unless built already, as one step: two models compiled with one optimizer may start
  // fit at once on two threads (the second is then refused: built_for). Returns whether it built.
  bool build_once(int64_t size, std::vector<Segment> segments, std::weak_ptr<const void> owner);
  bool built() const { return built_; }
  // Whether the slots were built for `owner`'s buffer. Never true once that owner is gone: the
  // weak pointer keeps its control block, so no later object can pass for it.
  bool built_for(const std::shared_ptr<const void>& owner) const {
    return built_ && owner && !owner_.owner_before(owner) && !owner.owner_before(owner_);
  }
  // The size of the parameter buffer build() sized the slots for.
  int64_t built_size() const { return built_size_; }
  // Whether every slot buffer is there and holds `size` floats (slots() hands them out to edit).
  bool slots_sized_for(int64_t size) const;
  // Whether its slots are those of `owner`'s buffer of `size` parameters (both checks above): what
  // reading or writing them for that buffer needs.
  bool state_for(const std::shared_ptr<const void>& owner, int64_t size) const {
    return built_for(owner) && slots_sized_for(size);
  }
  // One step from `grads` (which may be scaled, accumulated and clipped in place): with
  // gradient accumulation only every N-th step changes `params`. Then the EMA.
  void apply(float* params, float* grads);

  // The same step taken range by range, so that a layer's weights can be updated during
  // backward as soon as their gradient is final (while it is still in cache) instead of in one
  // pass over every weight at the end. Possible when nothing needs the whole gradient first:
  // no gradient accumulation, loss scaling, clipnorm or global_clipnorm.
  bool updates_by_range() const;
  // Fixes the step's learning rate and constants; it may throw (a learning-rate function),
  // before anything has changed.
  void begin_update();
  // Updates params[offset, offset + n) from grads (clipped in place by clipvalue). Disjoint
  // ranges may be updated at the same time from several threads.
  void update_range(float* params, float* grads, int64_t offset, int64_t n);
  // update_range() over whole segments, on the pool's threads.
  void update_segments(float* params, float* grads, const std::vector<Segment>& segments);
  // Ends the step: the EMA, then the step counter.
  void end_step(float* params);
  // End of fit: with use_ema, the weights take their moving averages.
  void finalize(float* params);
  // Exchanges the weights and their moving averages (SwapEMAWeights); needs use_ema.
  void swap_ema(float* params);
  // averages ← weights (SwapEMAWeights keeps the EMA weights it swapped in at the end of fit).
  void assign_ema(const float* params);

  // Keras's exclude_from_weight_decay: no weight decay for these ranges of the parameter buffer
  // (whole weights; Model::exclude_from_weight_decay finds them). Replaces any set before; only
  // before build() (ValueError after, in Keras's words).
  void exclude_from_weight_decay(std::vector<Segment> excluded);
  const std::vector<Segment>& decay_excluded() const { return decay_excluded_; }

  // Keras's `optimizer.iterations`: updates applied (steps / N with gradient accumulation).
  int64_t iterations() const;
  // Steps taken, accumulation steps included (Keras's `optimizer._iterations`); schedules
  // are evaluated at this count. Save and restore this one.
  int64_t raw_iterations() const { return raw_iterations_; }
  void set_raw_iterations(int64_t it) { raw_iterations_ = it; }
  // Either count set before the first step is kept by build(): training resumes from it.
  void set_iterations(int64_t it);

  // The learning rate the next update uses: the schedule or function at the current step, or
  // the learning-rate variable (float32, like Keras's).
  double learning_rate() const;
  // Sets the variable; a TypeError when a schedule or function decides the learning rate.
  void set_learning_rate(double lr);
  void set_schedule(const LearningRateSchedule& schedule);
  void set_learning_rate_function(LearningRateFunction fn);
  // As the two above, returning the function replaced (empty if none), for the caller to
  // destroy where it must (a Python callable: with the GIL). All of these may be called while
  // another thread trains: they wait for an update reading the learning rate to have read it.
  LearningRateFunction exchange_schedule(const LearningRateSchedule& schedule);
  LearningRateFunction exchange_learning_rate_function(LearningRateFunction fn);
  std::optional<LearningRateSchedule> schedule() const;
  bool has_learning_rate_function() const;

  // What Keras counts as the optimizer's variables: iteration, learning_rate (when it is a
  // variable), the slots, EMA averages and gradient accumulators.
  int64_t variable_count() const;
  // Slot buffers (each the size of the parameter buffer), for saving and tests: the update
  // rule's slots, then the EMA averages (use_ema), then the gradient accumulators.
  std::vector<Buffer>& slots() { return slots_; }
  // Keras's names of the update rule's slots, in slots() order (the EMA averages and gradient
  // accumulators, when present, follow them as "average" and "gradient_accumulator").
  std::vector<std::string> slot_names() const;
  // The rule's running value kept across steps (Nadam's product of momentum coefficients) and
  // its name in a model file; nullptr when the rule keeps none.
  const char* rule_state_name() const;
  double rule_state() const { return rule_state_; }
  // Resumes a loaded optimizer where it stopped (slots are restored through slots()):
  // `raw_iterations` counts accumulation steps too.
  void restore_progress(int64_t raw_iterations, double rule_state) {
    raw_iterations_ = raw_iterations;
    rule_state_ = rule_state;
  }

 private:
  void clip(float* grads) const;
  void update_segment(float* w, const float* g, int64_t offset, int64_t n) const;
  void update_ema(float* params);
  void decay_range(float* params, int64_t offset, int64_t n) const;
  void clip_and_decay(float* params, float* grads, int64_t offset, int64_t n) const;
  void update_whole_weight(float* params, float* grads, const Segment& s);

  OptimizerConfig config_;
  const OptimizerRule* rule_;
  bool built_ = false;
  int64_t built_size_ = 0;
  std::weak_ptr<const void> owner_;
  int64_t raw_iterations_ = 0;
  float learning_rate_ = 0.001f;
  LearningRateFunction lr_function_;
  // Guards the schedule, the function and the variable while one is read or replaced (shared:
  // an optimizer stays copyable).
  std::shared_ptr<std::recursive_mutex> rate_mutex_ = std::make_shared<std::recursive_mutex>();
  std::vector<Segment> segments_;
  std::vector<Segment> decay_excluded_;  // by offset
  std::vector<Buffer> slots_;
  int rule_slots_ = 0, ema_slot_ = -1, accumulator_slot_ = -1;
  double rule_state_ = 1.0;
  StepConstants step_;
  std::vector<double> block_sums_;  // update_whole_weight's, kept to reuse
};

}  // namespace densekit
