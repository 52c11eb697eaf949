// Packed copies of gemm()'s operands for large products (cpp/src/gemm.cpp). Packing changes
// where a product reads its operands from, never the order in which it sums them, so a packed
// product is bitwise identical to the same product read in place.
#pragma once

#include <densekit/tensor.hpp>

#include "gemm.hpp"

#include <cstddef>
#include <memory>

namespace densekit {

// Scratch memory that grows and never shrinks: one allocation for the largest product met.
class Scratch {
 public:
  float* reserve(Index floats);        // throws std::bad_alloc when memory is short
  float* try_reserve(Index floats) noexcept;  // nullptr then (inside a parallel job)

 private:
  struct Free {
    void operator()(float* p) const;
  };
  std::unique_ptr<float[], Free> data_;
  Index capacity_ = 0;
};

// This core's L2 cache in bytes, read once (1 MB where the system does not say). It sets how
// far loops reach before they come back over the same data, never the order of a sum.
Index l2_cache_bytes();

// Rows [p0, p1) of the panel of B's columns [j0, j0 + cols), into `panel` (its row p at
// panel + p * width). B is k × n row-major (ldb apart), or with `transposed` the transpose of a
// row-major n × k matrix (a layer's kernel, for d(x) = dz · kernelᵀ): packing reads it directly,
// with no transposed copy.
void pack_b_panel(const float* b, Index ldb, bool transposed, Index j0, Index cols, Index p0, Index p1, Index width,
                  float* panel);

// Rows [r0, r1) of A into panels of `panel_rows` rows, one after another, each holding its k
// columns in turn (panel_rows floats a column); the last panel may be partly filled.
void pack_a_panels(const StridedMatrix& a, Index r0, Index r1, Index k, Index panel_rows, float* out);

}  // namespace densekit
