// Learning-rate schedules (keras/src/optimizers/schedules/learning_rate_schedule.py), evaluated
// by the optimizer at every step with step = the number of updates already applied (0 for the
// first batch).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace densekit {

enum class ScheduleKind {
  ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay, CosineDecay, CosineDecayRestarts,
};

struct LearningRateSchedule {
  ScheduleKind kind = ScheduleKind::ExponentialDecay;
  double initial_learning_rate = 0.0;
  // ExponentialDecay, PolynomialDecay, InverseTimeDecay, CosineDecay; CosineDecayRestarts'
  // first_decay_steps.
  double decay_steps = 1.0;
  double decay_rate = 0.0;           // ExponentialDecay, InverseTimeDecay
  bool staircase = false;            // ExponentialDecay, InverseTimeDecay
  std::vector<double> boundaries;    // PiecewiseConstantDecay
  std::vector<double> values;        // PiecewiseConstantDecay: one more than boundaries
  double end_learning_rate = 1e-4;   // PolynomialDecay
  double power = 1.0;                // PolynomialDecay
  bool cycle = false;                // PolynomialDecay
  double alpha = 0.0;                // CosineDecay, CosineDecayRestarts
  std::optional<double> warmup_target;  // CosineDecay
  double warmup_steps = 0.0;         // CosineDecay
  double t_mul = 2.0, m_mul = 1.0;   // CosineDecayRestarts
  std::string name;                  // Keras's `name` argument (saved in configs)

  // The class name, e.g. "ExponentialDecay".
  std::string class_name() const;
  // Throws ValueError for arguments Keras rejects (decay_steps <= 0, mismatched lists).
  void validate() const;
  // The learning rate at `step` (computed in double, returned as the float32 value the
  // optimizer uses). A fractional step is not truncated: Keras casts the step to a float.
  // Throws validate()'s ValueError for PiecewiseConstantDecay lists of mismatched lengths (the
  // fields are public: they may have changed since validate()).
  double operator()(double step) const;
};

}  // namespace densekit
