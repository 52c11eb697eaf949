// One optimizer family's part of a step: what Keras's optimizer subclasses define (their
// arguments, slots and update_step, keras/src/optimizers/<family>.py). The machinery every
// family shares — building slots, clipping, loss scaling, gradient accumulation, weight decay,
// the EMA, schedules, the step counter — is the Optimizer (cpp/src/optimizers.cpp).
#pragma once

#include "serialization/fields.hpp"

#include <densekit/optimizers.hpp>

#include <string>
#include <vector>

namespace densekit {

struct OptimizerRule {
  const char* class_name;  // Keras's: "Adam"
  OptimizerKind kind;
  // Keras's defaults for the family's arguments, over OptimizerConfig's common ones.
  void (*set_defaults)(OptimizerConfig& c);
  // ValueError, in Keras's words, for an argument out of range.
  void (*validate)(const OptimizerConfig& c);
  // The family's config fields, in Keras's order (after the common ones), and back.
  void (*write_config)(const OptimizerConfig& c, Json& config);
  void (*read_config)(const Json& config, OptimizerConfig& c);
  // Keras's names of the per-weight slots, in slot order ("momentum", "velocity").
  std::vector<std::string> (*slot_names)(const OptimizerConfig& c);
  // A slot's starting value (Adagrad's accumulator); nullptr: zeros.
  float (*initial_slot_value)(const OptimizerConfig& c, size_t slot);
  // Step t's coefficients into k (lr, eps, b1, b2 and decay are already set). `state` is the
  // family's running value kept across steps and saved with the optimizer (see state_name).
  void (*step_constants)(const OptimizerConfig& c, double lr, double t, double& state, StepConstants& k);
  // The update of w[i] for i in [begin, end), from g[i] and the slots. Each element's values are
  // all read before any is written: the arrays are allocations of the same size, so element i
  // sits at the same offset within a page in each, and a load following a store to another
  // array's element i waits for that store (4K aliasing: Adam's update took twice as long on an
  // AMD EPYC, docs/performance.md, "Optimizer updates read before they write").
  void (*update)(const OptimizerConfig& c, const StepConstants& k, float* const* slots, float* w, const float* g,
                 int64_t begin, int64_t end);
  // The name of `state` in a model file when the family keeps one (Nadam's "u_product").
  const char* state_name = nullptr;
  // A family whose step for a weight depends on the whole weight (Lamb's trust ratio) sets both:
  // `measure` updates the slots of [begin, end) and adds what the family sums over the weight to
  // sums[0] and sums[1]; `scale` turns the weight's sums into k.c, with which `update` then
  // changes the weight. Such a family updates whole weights only (updates_by_range() is false).
  void (*measure)(const OptimizerConfig& c, const StepConstants& k, float* const* slots, const float* w, const float* g,
                  int64_t begin, int64_t end, double* sums) = nullptr;
  float (*scale)(const StepConstants& k, const double* sums) = nullptr;
};

const OptimizerRule& sgd_rule();
const OptimizerRule& adam_rule();
const OptimizerRule& adamw_rule();
const OptimizerRule& rmsprop_rule();
const OptimizerRule& adagrad_rule();
const OptimizerRule& adadelta_rule();
const OptimizerRule& adamax_rule();
const OptimizerRule& nadam_rule();
const OptimizerRule& ftrl_rule();
const OptimizerRule& lion_rule();
const OptimizerRule& lamb_rule();

// Every family, in the order error messages list them.
const std::vector<const OptimizerRule*>& optimizer_rules();
const OptimizerRule& rule_of(OptimizerKind kind);

// The arguments of the families that take Adam's β1, β2 and ε (Adam adds amsgrad): their range
// checks in Keras's words (Lamb has none), and their config fields.
void validate_betas_epsilon(const OptimizerConfig& c);
void write_betas_epsilon(const OptimizerConfig& c, Json& config);
void read_betas_epsilon(const Json& config, OptimizerConfig& c);

// ValueError "Argument `what` must be in [lo, hi]" (Keras's range checks).
void require_range(const char* what, double v, double lo, double hi);
// A number as Python prints it in Keras's messages (0.1, -1e-09, 1.0).
std::string number_text(double v);

}  // namespace densekit
