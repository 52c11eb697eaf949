#include <densekit/errors.hpp>
#include <densekit/schedules.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace densekit {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Python's repr of a number: integral values without decimals, others in the shortest form
// that reads back the same.
std::string number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::abs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

// PiecewiseConstantDecay's lists of mismatched lengths, in Keras's words (validate() and
// operator() both refuse them).
ValueError piecewise_lengths_error(size_t boundaries, size_t values) {
  return ValueError("The length of boundaries should be 1 less than the length of values. Received: " +
                    std::to_string(boundaries) + " boundaries and " + std::to_string(values) + " values.");
}

}  // namespace

std::string LearningRateSchedule::class_name() const {
  switch (kind) {
    case ScheduleKind::ExponentialDecay: return "ExponentialDecay";
    case ScheduleKind::PiecewiseConstantDecay: return "PiecewiseConstantDecay";
    case ScheduleKind::PolynomialDecay: return "PolynomialDecay";
    case ScheduleKind::InverseTimeDecay: return "InverseTimeDecay";
    case ScheduleKind::CosineDecay: return "CosineDecay";
    case ScheduleKind::CosineDecayRestarts: return "CosineDecayRestarts";
  }
  return "LearningRateSchedule";
}

void LearningRateSchedule::validate() const {
  if (kind == ScheduleKind::PiecewiseConstantDecay) {
    if (boundaries.size() + 1 != values.size()) throw piecewise_lengths_error(boundaries.size(), values.size());
    if (!std::is_sorted(boundaries.begin(), boundaries.end()))
      throw ValueError("The boundaries of PiecewiseConstantDecay must be increasing.");
    return;
  }
  const char* what = kind == ScheduleKind::CosineDecayRestarts ? "first_decay_steps" : "decay_steps";
  if (!(decay_steps > 0.0))
    throw ValueError(std::string("Argument `") + what + "` must be > 0. Received: " + what + "=" + number(decay_steps));
  if (kind == ScheduleKind::CosineDecay && warmup_target && !(warmup_steps >= 0.0))
    throw ValueError("Argument `warmup_steps` must be >= 0. Received: warmup_steps=" + number(warmup_steps));
  if (kind == ScheduleKind::CosineDecayRestarts && !(t_mul > 0.0))
    throw ValueError("Argument `t_mul` must be > 0. Received: t_mul=" + number(t_mul));
}

double LearningRateSchedule::operator()(double step) const {
  const double lr0 = initial_learning_rate;
  double lr = lr0;
  switch (kind) {
    case ScheduleKind::ExponentialDecay: {
      double p = step / decay_steps;
      if (staircase) p = std::floor(p);
      lr = lr0 * std::pow(decay_rate, p);
      break;
    }
    case ScheduleKind::PiecewiseConstantDecay: {
      // values[i] for boundaries[i-1] < step <= boundaries[i]. The fields are public and may
      // have changed since validate() (a default-constructed schedule has no values): without
      // this check (one comparison a step, no allocation) values[i] would be read out of bounds.
      if (boundaries.size() + 1 != values.size()) throw piecewise_lengths_error(boundaries.size(), values.size());
      size_t i = 0;
      while (i < boundaries.size() && step > boundaries[i]) ++i;
      lr = values[i];
      break;
    }
    case ScheduleKind::PolynomialDecay: {
      double s = step, d = decay_steps;
      if (cycle) d *= step == 0.0 ? 1.0 : std::ceil(step / decay_steps);
      else s = std::min(s, d);
      lr = (lr0 - end_learning_rate) * std::pow(1.0 - s / d, power) + end_learning_rate;
      break;
    }
    case ScheduleKind::InverseTimeDecay: {
      double p = step / decay_steps;
      if (staircase) p = std::floor(p);
      lr = lr0 / (1.0 + decay_rate * p);
      break;
    }
    case ScheduleKind::CosineDecay: {
      auto decay = [&](double s, double from) {
        const double cosine = 0.5 * (1.0 + std::cos(kPi * s / decay_steps));
        return from * ((1.0 - alpha) * cosine + alpha);
      };
      if (!warmup_target) {
        lr = decay(std::min(step, decay_steps), lr0);
        break;
      }
      const double s = std::min(step, decay_steps + warmup_steps);
      lr = s < warmup_steps ? (*warmup_target - lr0) * (s / warmup_steps) + lr0
                            : decay(s - warmup_steps, *warmup_target);
      break;
    }
    case ScheduleKind::CosineDecayRestarts: {
      double fraction = step / decay_steps, restart;
      if (t_mul == 1.0) {
        restart = std::floor(fraction);
        fraction -= restart;
      } else {
        // Periods grow geometrically: restart i starts after (1 - t_mul^i) / (1 - t_mul) periods.
        restart = std::floor(std::log(1.0 - fraction * (1.0 - t_mul)) / std::log(t_mul));
        const double done = (1.0 - std::pow(t_mul, restart)) / (1.0 - t_mul);
        fraction = (fraction - done) / std::pow(t_mul, restart);
      }
      const double cosine = 0.5 * std::pow(m_mul, restart) * (1.0 + std::cos(kPi * fraction));
      lr = lr0 * ((1.0 - alpha) * cosine + alpha);
      break;
    }
  }
  return static_cast<double>(static_cast<float>(lr));
}

}  // namespace densekit
