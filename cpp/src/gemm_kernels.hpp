// The register-level kernels of this build's GEMM (cpp/src/gemm.cpp, their only user): a tile
// of C summed over all of k in registers, the column blocks and row tiles that cover a block of C
// with it, and the one-row product of a single-sample predict. gemm.cpp chooses the paths, the
// packing and the threads around them. Compiled per instruction set with gemm.cpp.
#pragma once

#include "gemm.hpp"
#include "gemm_simd.hpp"

#include <algorithm>

namespace densekit {
namespace {

#if defined(DENSEKIT_OWN_GEMM)
// How far each output's sum runs: over p in [0, k), in one run, or with `half` set in two,
// [0, half) and [half, k), each from zero, added at the end (gemm.hpp, depth_half).
struct Depth {
  Index k;
  Index half = 0;
  Index end_of_first() const { return half ? half : k; }
};

// A as the tiles read it: strided in place, or packed by pack_a_panels in panels of kPanelRows
// rows (each panel's k columns one after another, kPanelRows floats each): a tile then reads A
// as one forward stream, a cache line serving two k steps, instead of one stream per row (rows
// of a 2048-wide A are 8 KB apart and share L1 sets) or, transposed, a new line every k step.
constexpr Index kPanelRows = 8;
struct ARows {
  const float* data;
  Index row_stride, col_stride;
  Index panel_stride = 0;  // floats from one panel to the next; 0 when A is read in place
  static ARows in_place(const StridedMatrix& a) { return {a.data, a.row_stride, a.col_stride}; }
  const float* row(Index i) const {
    return panel_stride ? data + (i / kPanelRows) * panel_stride + i % kPanelRows : data + i * row_stride;
  }
};

// Rows of B a kernel reading B in place prefetches ahead of the row it reads: 16 KB on (2 to 16
// rows), when B is more than L1 holds. The hardware prefetchers do not follow reads that jump a
// row of B at each step of k (docs/performance.md, "One-row products in wider pieces,
// prefetching B's rows, relu's backward vectorized").
inline Index rows_ahead(Index k, Index ldb) {
  const Index row_bytes = ldb * Index(sizeof(float));
  return k * row_bytes > (64 << 10) ? std::clamp<Index>((16 << 10) / row_bytes, 2, 16) : 0;
}
// Vectors a cache line holds (at least one).
constexpr int kLineVectors = Simd::W >= 16 ? 1 : 16 / Simd::W;

// Column j0 of B as the tiles read it: B itself or a packed panel of it, rows `ld` apart, with
// `ahead` rows prefetched (0: none, for a panel, which is read forward).
struct BColumn {
  const float* data;
  Index ld, ahead;
};

// One tile: rows [i0, i0+R) × columns [j0, j0+cols) of C (cols ≤ V vectors), summed over all of
// k in one fixed order. Masked: a partial last vector, read and written through a mask; the
// others take plain loads and stores (a masked store is microcoded on AMD's Zen 1 and 2).
template <int R, int V, bool Masked>
void tile(Index i0, Index j0, Index cols, Depth d, const ARows& a, const BColumn& b, float* __restrict c, Index ldc,
          const Epilogue& ep) {
  // Every loop over r and v is unrolled so that the accumulators live in registers (left to
  // itself GCC keeps a 24 x 1 tile's accumulators on the stack).
  const typename Simd::Mask last = Simd::mask(cols - (V - 1) * Simd::W);
  auto load = [&](const float* p, int v) { return Masked && v == V - 1 ? Simd::load(p, last) : Simd::loadu(p); };
  typename Simd::V acc[R][V];
#pragma GCC unroll 32
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) acc[r][v] = Simd::zero();
  const float* __restrict arow = a.row(i0);
  const float* __restrict bcol = b.data;
  const Index ldb = b.ld, ahead = b.ahead;
  const Index rs = a.row_stride, cs = a.col_stride;
  // The first run's sums, when there are two. Zeroed only for GCC, which cannot tell that d.half
  // means the loop below ran twice (-Wmaybe-uninitialized); the zeros are never read.
  typename Simd::V first[R][V] = {};
  for (Index p0 = 0, p1 = d.end_of_first();; p0 = p1, p1 = d.k) {
    for (Index p = p0; p < p1; ++p) {
      if (ahead)
#pragma GCC unroll 8
        for (int v = 0; v < V; v += kLineVectors) __builtin_prefetch(bcol + (p + ahead) * ldb + v * Simd::W);
      typename Simd::V bv[V];
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) bv[v] = load(bcol + p * ldb + v * Simd::W, v);
#pragma GCC unroll 32
      for (int r = 0; r < R; ++r) {
        const typename Simd::V av = Simd::broadcast(arow + r * rs + p * cs);
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) acc[r][v] = Simd::fma(av, bv[v], acc[r][v]);
      }
    }
    if (p1 == d.k) break;
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) first[r][v] = acc[r][v], acc[r][v] = Simd::zero();
  }
  if (d.half) {
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) acc[r][v] = Simd::add(first[r][v], acc[r][v]);
  }
#pragma GCC unroll 32
  for (int r = 0; r < R; ++r) {
    float* crow = c + (i0 + r) * ldc + j0;
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) {
      typename Simd::V out = acc[r][v];
      if (ep.accumulate) out = Simd::add(out, load(crow + v * Simd::W, v));
      else if (ep.bias) out = Simd::add(out, load(ep.bias + j0 + v * Simd::W, v));
      if (ep.relu) out = Simd::relu(out);
      if (Masked && v == V - 1) Simd::store(crow + v * Simd::W, out, last);
      else Simd::storeu(crow + v * Simd::W, out);
    }
  }
}

// A column block of V vectors over rows [r0, r1), in tiles of R rows, then smaller ones.
template <int R, int V, bool Masked>
void tiles(Index r0, Index r1, Index j0, Index cols, Depth d, const ARows& a, const BColumn& b, float* c,
           Index ldc, const Epilogue& ep) {
  Index i = r0;
  for (; i + R <= r1; i += R) tile<R, V, Masked>(i, j0, cols, d, a, b, c, ldc, ep);
  if constexpr (R > 8)
    for (; i + 8 <= r1; i += 8) tile<8, V, Masked>(i, j0, cols, d, a, b, c, ldc, ep);
  if constexpr (R > 4)
    for (; i + 4 <= r1; i += 4) tile<4, V, Masked>(i, j0, cols, d, a, b, c, ldc, ep);
  for (; i < r1; ++i) tile<1, V, Masked>(i, j0, cols, d, a, b, c, ldc, ep);
}

// Tiles of as many rows as the registers hold accumulators for, when A's rows can all be
// addressed from one register (a transposed A, row_stride 1). A row-major A needs a register
// for each row's address, and beyond 8 rows GCC spills them (measured: a 24-row tile of a
// 10-unit layer's forward ran 10x slower than its FLOPs).
template <int V, bool Masked>
void column_block(Index r0, Index r1, Index j0, Index cols, Depth d, const ARows& a, const BColumn& b, float* c,
                  Index ldc, const Epilogue& ep) {
  constexpr int tall = kAccumulators / V, row_major = tall < 8 ? tall : 8;
  // A packed tile must not cross panels: a height that divides kPanelRows (AVX2's 2-vector
  // blocks would take 6 rows).
  constexpr int packed = row_major >= 8 ? 8 : row_major >= 4 ? 4 : row_major >= 2 ? 2 : 1;
  static_assert(kPanelRows % packed == 0, "packed tiles divide the panels");
  if (a.panel_stride) tiles<packed, V, Masked>(r0, r1, j0, cols, d, a, b, c, ldc, ep);
  else if (a.row_stride == 1) tiles<tall, V, Masked>(r0, r1, j0, cols, d, a, b, c, ldc, ep);
  else tiles<row_major, V, Masked>(r0, r1, j0, cols, d, a, b, c, ldc, ep);
}

template <int V>
void column_block_any(Index r0, Index r1, Index j0, Index cols, Depth d, const ARows& a, const BColumn& b,
                      float* c, Index ldc, const Epilogue& ep) {
  if (cols == V * Simd::W) column_block<V, false>(r0, r1, j0, cols, d, a, b, c, ldc, ep);
  else column_block<V, true>(r0, r1, j0, cols, d, a, b, c, ldc, ep);
}

// One row (a single-sample predict): C[j0, j0+cols) = a · B, cols ≤ V vectors, the last one
// masked. With one row a tile has one accumulator per vector, each waiting on its own previous
// FMA; eight in flight keep the FMA units busy. AVX-512's 32 registers hold sixteen: a core's
// share of a 300-unit layer is then one pass over its columns of each row, not two passes each
// reading part of a row (docs/performance.md, the section named above rows_ahead). B's rows are
// prefetched `ahead` rows on (rows_ahead), as the tiles do.
constexpr int kRowVecs = Simd::W == 16 ? 16 : 8;
template <int V, bool Masked>
void one_row(Index j0, Index cols, Depth d, const StridedMatrix& a, const float* __restrict b, Index ldb,
             float* __restrict c, const Epilogue& ep, Index ahead) {
  const typename Simd::Mask last = Simd::mask(cols - (V - 1) * Simd::W);
  auto load = [&](const float* p, int v) { return Masked && v == V - 1 ? Simd::load(p, last) : Simd::loadu(p); };
  typename Simd::V acc[V];
#pragma GCC unroll 16
  for (int v = 0; v < V; ++v) acc[v] = Simd::zero();
  const float* __restrict bcol = b + j0;
  typename Simd::V first[V] = {};  // the first run's sums, when there are two (zeroed: see tile)
  for (Index p0 = 0, p1 = d.end_of_first();; p0 = p1, p1 = d.k) {
    for (Index p = p0; p < p1; ++p) {
      if (ahead)
#pragma GCC unroll 16
        for (int v = 0; v < V; v += kLineVectors) __builtin_prefetch(bcol + (p + ahead) * ldb + v * Simd::W);
      const typename Simd::V av = Simd::broadcast(a.data + p * a.col_stride);
#pragma GCC unroll 16
      for (int v = 0; v < V; ++v) acc[v] = Simd::fma(av, load(bcol + p * ldb + v * Simd::W, v), acc[v]);
    }
    if (p1 == d.k) break;
#pragma GCC unroll 16
    for (int v = 0; v < V; ++v) first[v] = acc[v], acc[v] = Simd::zero();
  }
  if (d.half) {
#pragma GCC unroll 16
    for (int v = 0; v < V; ++v) acc[v] = Simd::add(first[v], acc[v]);
  }
#pragma GCC unroll 16
  for (int v = 0; v < V; ++v) {
    typename Simd::V out = acc[v];
    if (ep.accumulate) out = Simd::add(out, load(c + j0 + v * Simd::W, v));
    else if (ep.bias) out = Simd::add(out, load(ep.bias + j0 + v * Simd::W, v));
    if (ep.relu) out = Simd::relu(out);
    if (Masked && v == V - 1) Simd::store(c + j0 + v * Simd::W, out, last);
    else Simd::storeu(c + j0 + v * Simd::W, out);
  }
}

template <int V>  // a piece of `vectors` vectors, 1 to V
void one_row_piece(Index vectors, Index j0, Index cols, Depth d, const StridedMatrix& a, const float* b, Index ldb,
                   float* c, const Epilogue& ep, Index ahead) {
  if constexpr (V > 1)
    if (vectors < V) return one_row_piece<V - 1>(vectors, j0, cols, d, a, b, ldb, c, ep, ahead);
  if (cols == V * Simd::W) one_row<V, false>(j0, cols, d, a, b, ldb, c, ep, ahead);
  else one_row<V, true>(j0, cols, d, a, b, ldb, c, ep, ahead);
}

// Columns [j0, j0 + cols) of one row, in pieces of at most kRowVecs vectors, as even as possible
// (a piece of one or two vectors would wait on its FMAs' latency).
void one_row_range(Index j0, Index cols, Depth d, const StridedMatrix& a, const float* b, Index ldb, float* c,
                   const Epilogue& ep) {
  const Index vectors = (cols + Simd::W - 1) / Simd::W, pieces = (vectors + kRowVecs - 1) / kRowVecs;
  const Index ahead = rows_ahead(d.k, ldb);
  for (Index i = 0; i < pieces; ++i) {
    const Index v0 = vectors * i / pieces, v1 = vectors * (i + 1) / pieces;
    const Index start = j0 + v0 * Simd::W, width = std::min<Index>(j0 + v1 * Simd::W, j0 + cols) - start;
    one_row_piece<kRowVecs>(v1 - v0, start, width, d, a, b, ldb, c, ep, ahead);
  }
}

#endif

}  // namespace
}  // namespace densekit
