// Matrices, views and shapes shared by every part of densekit.
#pragma once

#include <Eigen/Core>
#include <Eigen/StdVector>

#include <cstdint>
#include <string>
#include <vector>

namespace densekit {

using Index = Eigen::Index;
// Rows are samples; row-major so numpy's C-ordered float32 arrays map without a copy.
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<Matrix>;
using ConstMatrixMap = Eigen::Map<const Matrix>;

// Buffers densekit owns are aligned for the widest SIMD loads, so a kernel's path (and so its
// rounding) never depends on where an allocation happened to land.
using Buffer = std::vector<float, Eigen::aligned_allocator<float>>;

// A per-sample shape: the batch dimension is never part of it.
using Shape = std::vector<int64_t>;

// The most values one tensor (or one model's parameters) may hold: 2^36 floats = 256 GiB.
// Larger shapes come only from corrupt files or typos and are refused before any allocation.
constexpr int64_t kMaxValues = int64_t(1) << 36;
// The number of values of one sample of `shape`, throwing ValueError (naming `what`) for a
// negative dimension or more than kMaxValues: the product never overflows.
int64_t checked_shape_size(const Shape& shape, const std::string& what);
// checked_shape_size for shapes that have already passed a named check (a layer's output shape
// once the graph accepted it); still checked, so a shape never wraps around.
int64_t shape_size(const Shape& shape);
// How large a model may be, checked while it is built or loaded and before anything is
// allocated: a corrupt file, a hostile config or a typo (`Dense(10**9)`) is refused with a
// ValueError instead of taking the machine's memory. The defaults sit far above the networks
// densekit is for; a genuinely larger model raises them (Python: densekit.config.set_limits).
struct Limits {
  int64_t max_parameters = int64_t(1) << 32;         // all weights of one model: 16 GiB of float32
  int64_t max_values_per_sample = int64_t(1) << 28;  // one layer's output for one sample: 1 GiB
  int64_t max_layers = 100000;                       // layers (and calls of them) in one model
};
// The limits in force (process-wide).
Limits limits();
// Replaces them; throws ValueError for a limit below 1 or above kMaxValues.
void set_limits(const Limits& limits);
// Throws ValueError naming `what` when one sample of `shape` exceeds max_values_per_sample.
void check_sample_size(const Shape& shape, const std::string& what);

// "(None, 30)"-style rendering, as Keras prints output shapes.
std::string shape_to_string(const Shape& shape);
// "(8, 3)"-style rendering, as Python prints a weight's shape.
std::string tuple_to_string(const Shape& shape);

// A non-owning view of `rows` contiguous rows of `cols` floats.
struct View {
  float* data = nullptr;
  Index rows = 0;
  Index cols = 0;
  MatrixMap map() const { return MatrixMap(data, rows, cols); }
  // The same memory seen as (rows*cols/last, last): how Dense sees rank > 2 inputs.
  MatrixMap map_last(Index last) const { return MatrixMap(data, rows * cols / last, last); }
};

struct ConstView {
  const float* data = nullptr;
  Index rows = 0;
  Index cols = 0;
  ConstView() = default;
  ConstView(const float* d, Index r, Index c) : data(d), rows(r), cols(c) {}
  ConstView(const View& v) : data(v.data), rows(v.rows), cols(v.cols) {}  // NOLINT: implicit on purpose
  ConstMatrixMap map() const { return ConstMatrixMap(data, rows, cols); }
  ConstMatrixMap map_last(Index last) const { return ConstMatrixMap(data, rows * cols / last, last); }
  ConstView slice_rows(Index start, Index count) const { return {data + start * cols, count, cols}; }
};

}  // namespace densekit
