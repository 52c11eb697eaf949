// The matrix products of dense layers: C (m×n) = or += A (m×k) · B (k×n), where B and C are
// row-major and A is any strided view (a row-major matrix or the transpose of one). Small
// products read their operands in place; wide ones with many rows read packed copies
// (gemm_packing.hpp). Each output element is summed in one fixed order, the same whether its
// operands are packed or not and however threads split the work: over p in order, or, from a
// depth of 257 on, in two runs (see depth_half).
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
// `b_rows_apart` says B is a layer's kernel in training, whose rows the weight gradient and the
// optimizer split between two threads at depth_half(k): each core holds the half it updated last.
// It only chooses how threads share the work, never a sum's order.
void gemm(Index m, Index n, Index k, StridedMatrix a, const float* b, Index ldb, float* c, Index ldc,
          const Epilogue& epilogue, const FinishedBlock* finished = nullptr, bool b_rows_apart = false);

// C (op)= A·Bᵀ for B a row-major n × k matrix (ldbt apart): d(x) = dz · kernelᵀ, with the
// kernel read as it is stored. Same sums, in the same order, as gemm() on a transposed copy.
void gemm_transposed_b(Index m, Index n, Index k, StridedMatrix a, const float* bt, Index ldbt, float* c, Index ldc,
                       const Epilogue& epilogue, const FinishedBlock* finished = nullptr);

// dst = srcᵀ: src is rows × cols, dst cols × rows, both row-major and dense.
void transpose(const float* src, Index rows, Index cols, float* dst);

// Where this build's kernel splits a sum over k in two runs: each output is then the sum over
// p in [0, half) plus the sum over [half, k), each run in order from zero, on every path. Two
// threads can then each take a run over their own rows of B: a layer's kernel at small batches,
// whose rows the weight gradient (and the optimizer after it) split between the threads at the
// same place. 0: one run (k up to 256, the weight gradient of a batch of up to 256 rows).
Index depth_half(Index k);

// Whether a product of m rows and depth k (B as stored, enough work for two threads) is split by
// depth: 2 threads, k over 256, and k at least 4 times m with m at most a chunk of
// rows, or, for a kernel in training (gemm()'s b_rows_apart), k at least twice m.
bool splits_by_depth(Index m, Index k, bool b_rows_apart = false);

// Whether gemm() beats Eigen's packed product for this shape on this build's instruction set.
bool gemm_preferred(Index m, Index n, Index k);
// Whether this build has gemm()'s own kernels (x86-64). They sum each row of C in one order
// whatever the row count, where Eigen's products choose their kernel by shape: a layer whose
// outputs predict returns uses them, so a row's prediction does not depend on its batch.
bool has_own_gemm();

// The ways gemm() goes through a product, as it chooses them (with the current thread count);
// tests/cpp/test_gemm.py compares each with gemm_reference.hpp.
enum class GemmPath {
  Eigen,         // a build for a CPU without SSE2 (not x86-64): Eigen's product, threads over rows
  OneRow,        // m == 1: one row, threads over whole vectors of columns
  RowChunks,     // many rows: threads over whole row tiles, each share in cache-sized chunks
  Packed,        // many rows and wide: B packed once into panels, each thread's rows packed by chunks
  ColumnBlocks,  // threads over column blocks
  RowBlocks,     // too few column blocks for the threads: threads over row tiles
  DepthSplit,    // few rows (or a kernel in training), deep, 2 threads: each thread one run of the sum
};
GemmPath gemm_path(Index m, Index n, Index k, bool b_transposed = false, bool b_rows_apart = false);

// The register blocking of this build's kernels (all 0 for the Eigen build), so tests can pick
// shapes at its edges.
struct GemmLayout {
  Index vector_width;   // floats a vector
  Index block_vectors;  // vectors of columns a block
  Index tile_rows;      // rows of a full-width tile; threads share rows in whole tiles
  Index accumulators;   // vector registers a tile sums into (narrower blocks take taller tiles,
                        // up to 8 rows for a row-major A)
  Index chunk_rows;     // more rows than this take the RowChunks path
  Index row_vectors;    // vectors of columns a piece of a one-row product
};
GemmLayout gemm_layout();

}  // namespace densekit
