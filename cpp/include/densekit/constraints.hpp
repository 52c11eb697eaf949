// Weight constraints (keras/src/constraints/constraints.py), applied to a weight right after
// every optimizer update: w ← constraint(w).
#pragma once

#include <densekit/tensor.hpp>

#include <string>
#include <vector>

namespace densekit {

enum class ConstraintKind { None, MaxNorm, NonNeg, UnitNorm, MinMaxNorm };

struct Constraint {
  ConstraintKind kind = ConstraintKind::None;
  double max_value = 2.0;  // MaxNorm (2), MinMaxNorm (1)
  double min_value = 0.0;  // MinMaxNorm
  double rate = 1.0;       // MinMaxNorm
  // Axes the norms are taken over (negative counts from the end), e.g. {0}: one norm per
  // column of a Dense kernel (the weights into each unit).
  std::vector<int64_t> axis{0};

  bool active() const { return kind != ConstraintKind::None; }
  std::string class_name() const;
  // Throws ValueError when an axis does not exist for a weight of `shape`.
  void check(const Shape& shape, const std::string& weight) const;
  // w ← constraint(w) for a weight of `shape` (row-major). `norms` is the caller's scratch
  // (grown once, then reused: no allocation per step).
  void apply(float* w, const Shape& shape, std::vector<double>& norms) const;

  static constexpr size_t kMaxRank = 8;
};

}  // namespace densekit
