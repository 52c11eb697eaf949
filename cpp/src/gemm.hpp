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

// C = A·B (+ bias per column, when bias is non-null), or C += A·B when accumulate.
// Threads split columns (or rows when there are few columns); small products stay serial.
void gemm(Index m, Index n, Index k, StridedMatrix a, const float* b, Index ldb, float* c, Index ldc, bool accumulate,
          const float* bias = nullptr);

// Whether gemm() beats Eigen's packed product for this shape on this build's instruction set.
bool gemm_preferred(Index m, Index n, Index k);

}  // namespace densekit
