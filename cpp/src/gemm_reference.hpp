// The plainest form of what gemm.hpp computes, for tests to compare every kernel path with
// (tests/cpp/test_gemm.py): no blocking, no vectors, no threads. Each output is summed over k
// in double precision, in order, and rounded to float once, after the epilogue.
#pragma once

#include "gemm.hpp"

namespace densekit {

// What gemm() computes, without the FinishedBlock hand-over (a single block would be the whole
// of C): C (m×n) = or += A (m×k) · B (k×n), then + bias per column (not with accumulate, as
// gemm.hpp says), then max(·, 0) as std::max computes it.
void gemm_reference(Index m, Index n, Index k, StridedMatrix a, const float* b, Index ldb, float* c, Index ldc,
                    const Epilogue& epilogue);

// What transpose() computes: dst (cols × rows) = srcᵀ (rows × cols).
void transpose_reference(const float* src, Index rows, Index cols, float* dst);

}  // namespace densekit
