// The matrix products of dense layers, without packing: C (m×n) = or += A (m×k) · B (k×n),
// where B and C are row-major and A is any strided view (a row-major matrix or the transpose of
// one). Weights are read in place, each output element summed in one fixed order, so results
// do not depend on how threads split the work.
#pragma once

#include <densekit/tensor.hpp>

namespace densekit {

struct StridedMatrix {
  const float* data;
  Index row_stride;  // elements between A(i, p) and A(i+1, p)
  Index col_stride;  // elements between A(i, p) and A(i, p+1)
};

// Told that rows [r0, r1) × columns [c0, c1) of C are final, on the thread that computed them
// and while they are still in cache (Dense hands its weight gradient to the optimizer so).
struct FinishedBlock {
  void (*fn)(const void* context, Index r0, Index r1, Index c0, Index c1);
  const void* context;
};

// What becomes of a product's values on their way to C, while they are in registers.
struct Epilogue {
  bool accumulate = false;      // C += A·B (else C = A·B)
  const float* bias = nullptr;  // C = A·B + bias per column (not with accumulate)
  bool relu = false;            // then max(·, 0), as std::max computes it
};

// C (op)= A·B as the epilogue says. Threads split columns (or rows when there are many rows);
// small products stay serial. `finished`, when given, hears of every block of C once it is final.
void gemm(Index m, Index n, Index k, StridedMatrix a, const float* b, Index ldb, float* c, Index ldc,
          const Epilogue& epilogue, const FinishedBlock* finished = nullptr);

// dst = srcᵀ: src is rows × cols, dst cols × rows, both row-major and dense.
void transpose(const float* src, Index rows, Index cols, float* dst);

// Whether gemm() beats Eigen's packed product for this shape on this build's instruction set.
bool gemm_preferred(Index m, Index n, Index k);

}  // namespace densekit
