// Time in the loops: when a batch_end hook is due (fit, evaluate and predict share it).
#pragma once

#include <chrono>
#include <cstdint>

namespace densekit {

inline double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

// Calls a batch_end hook at most every `interval` seconds, and always for the first and last
// batch (and when asked to): the progress bar's redraws without a Python call per batch.
class Throttle {
 public:
  explicit Throttle(double interval) : interval_(interval) {}
  bool due(int64_t step, int64_t steps, bool force) {
    if (interval_ <= 0.0) return true;
    const double t = now_seconds();
    if (step == 0 || step + 1 == steps || force || t - last_ >= interval_) {
      last_ = t;
      return true;
    }
    return false;
  }

 private:
  double interval_;
  double last_ = -1e300;
};

}  // namespace densekit
