#include <densekit/constraints.hpp>
#include <densekit/errors.hpp>
#include <densekit/losses.hpp>  // kEpsilon

#include <algorithm>
#include <array>
#include <cmath>

namespace densekit {
namespace {


// Visits every element of a row-major weight with the index of its norm group (the flat index
// over the kept axes, the reduced axes dropped).
template <class F>
void for_each_grouped(const Shape& shape, const std::vector<int64_t>& axes, F&& f) {
  const size_t rank = shape.size();
  std::array<int64_t, Constraint::kMaxRank> stride{}, coord{};
  std::array<bool, Constraint::kMaxRank> reduced{};
  for (int64_t a : axes) reduced[static_cast<size_t>(a < 0 ? a + int64_t(rank) : a)] = true;
  int64_t groups = 1;
  for (size_t d = rank; d-- > 0;) {
    stride[d] = reduced[d] ? 0 : groups;
    if (!reduced[d]) groups *= shape[d];
  }
  const int64_t n = shape_size(shape);
  int64_t g = 0;
  for (int64_t i = 0; i < n; ++i) {
    f(i, g);
    for (size_t d = rank; d-- > 0;) {  // advance the coordinates and the group index
      g += stride[d];
      if (++coord[d] < shape[d]) break;
      g -= stride[d] * coord[d];
      coord[d] = 0;
    }
  }
}

int64_t group_count(const Shape& shape, const std::vector<int64_t>& axes) {
  int64_t groups = 1;
  for (size_t d = 0; d < shape.size(); ++d)
    if (std::none_of(axes.begin(), axes.end(), [&](int64_t a) { return (a < 0 ? a + int64_t(shape.size()) : a) == int64_t(d); }))
      groups *= shape[d];
  return groups;
}

}  // namespace

std::string Constraint::class_name() const {
  switch (kind) {
    case ConstraintKind::None: return "None";
    case ConstraintKind::MaxNorm: return "MaxNorm";
    case ConstraintKind::NonNeg: return "NonNeg";
    case ConstraintKind::UnitNorm: return "UnitNorm";
    case ConstraintKind::MinMaxNorm: return "MinMaxNorm";
  }
  return "Constraint";
}

void Constraint::check(const Shape& shape, const std::string& weight) const {
  if (kind == ConstraintKind::None || kind == ConstraintKind::NonNeg) return;
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (shape.size() > kMaxRank)
    throw ValueError(class_name() + " constraint on '" + weight + "': weights of rank above " +
                     std::to_string(kMaxRank) + " are not supported.");
  if (axis.empty()) throw ValueError(class_name() + " constraint on '" + weight + "': `axis` must name at least one axis.");
  for (int64_t a : axis)
    if (a < -rank || a >= rank)
      throw ValueError(class_name() + " constraint on '" + weight + "': axis " + std::to_string(a) +
                       " is out of bounds for a weight of rank " + std::to_string(rank) + ".");
}

void Constraint::apply(float* w, const Shape& shape, std::vector<double>& norms) const {
  if (kind == ConstraintKind::None) return;
  const int64_t n = shape_size(shape);
  if (kind == ConstraintKind::NonNeg) {
    for (int64_t i = 0; i < n; ++i) w[i] = std::max(w[i], 0.0f);
    return;
  }
  const int64_t groups = group_count(shape, axis);
  if (norms.size() < static_cast<size_t>(groups)) norms.resize(static_cast<size_t>(groups));
  std::fill(norms.begin(), norms.begin() + groups, 0.0);
  for_each_grouped(shape, axis, [&](int64_t i, int64_t g) { norms[g] += double(w[i]) * w[i]; });
  // Keras: w · desired / (ε + ‖w‖), with desired = clip(‖w‖) (MaxNorm), 1 (UnitNorm),
  // rate·clip(‖w‖, min, max) + (1 − rate)·‖w‖ (MinMaxNorm).
  for (int64_t g = 0; g < groups; ++g) {
    const double norm = std::sqrt(norms[g]);
    double desired;
    switch (kind) {
      case ConstraintKind::MaxNorm: desired = std::clamp(norm, 0.0, max_value); break;
      case ConstraintKind::UnitNorm: desired = 1.0; break;
      default: desired = rate * std::clamp(norm, min_value, max_value) + (1.0 - rate) * norm; break;
    }
    norms[g] = desired / (kEpsilon + norm);
  }
  for_each_grouped(shape, axis, [&](int64_t i, int64_t g) { w[i] = static_cast<float>(w[i] * norms[g]); });
}

}  // namespace densekit
