#include "gemm.hpp"

#include "gemm_kernels.hpp"
#include "gemm_packing.hpp"
#include "gemm_simd.hpp"

#include "parallel_for.hpp"

#include <algorithm>

namespace densekit {
namespace {

#if defined(DENSEKIT_OWN_GEMM)
constexpr Index kBlockCols = kVecs * Simd::W;
// Rows of A processed together against all of B: 96 rows of a 784-wide input are 300 KB.
constexpr Index kChunkRows = 96;

// Columns come in blocks of kVecs vectors, except that a single vector left over makes the
// last two blocks two vectors each: a block of one vector does a third of the work per load
// (measured: 8% of a batched predict went to the 12 columns left over from 300).
struct ColumnBlocks {
  Index count, vectors;
  explicit ColumnBlocks(Index n) : vectors((n + Simd::W - 1) / Simd::W) {
    count = (vectors + kVecs - 1) / kVecs;  // 3k+1 vectors: k-1 blocks of 3 and 2 of 2
  }
  bool split_last() const { return kVecs == 3 && vectors > kVecs && vectors % kVecs == 1; }
  // The first column of block `blk`; start(count) is the column count rounded up to vectors.
  Index start(Index blk) const {
    const Index wide = split_last() ? count - 2 : count;
    return (std::min(blk, wide) * kVecs + std::max<Index>(blk - wide, 0) * 2) * Simd::W;
  }
};

// B as the tiles read it: in place (column j0 at data + j0, rows ld apart), or packed by
// pack_b_panel, one panel a column block (block blk's panel at data + blk * panel_stride, rows
// kPanelWidth apart). In place, a 2048-wide B has its rows 8 KB apart: each k step touches a new
// page, the L1 sets alias and the prefetcher cannot follow (measured: 24 GFLOP/s at
// 256x2048x2048, against 82 packed and 78 for OpenBLAS).
constexpr Index kPanelWidth = kBlockCols;  // floats a packed row: 3 whole cache lines
struct BPanels {
  const float* data;
  Index ld;
  Index panel_stride = 0;  // 0 when B is read in place
  const float* column_block(Index blk, Index j0) const { return panel_stride ? data + blk * panel_stride : data + j0; }
  Index row_stride() const { return panel_stride ? kPanelWidth : ld; }
};

// Packing pays for wide products with many rows: B's rows are far apart, and every row chunk
// passes over the panels packed once. A panel must stay within half the L2 cache. (With k = 0
// there is nothing to pack: C is its epilogue alone.) The crossover, measured per instruction set
// (benchmarks/gemm_products.py): 512 columns with AVX-512, whose in-place kernel kept up at 300;
// with AVX2 and the SSE2 baseline from 256 when k is deep, not for batch 32's weight gradient
// (docs/performance.md: "Wide products on Intel", "Where W1 loses to the peak on this CPU: each
// product alone", "The SSE2 baseline uses densekit's kernel too").
constexpr Index kPackMinCols = 512;
#if defined(__AVX512F__)
constexpr Index kPackMinColsDeep = kPackMinCols;
#else
constexpr Index kPackMinColsDeep = 256;
#endif
constexpr Index kPackDeepK = 128;
bool packs(Index m, Index n, Index k) {
  const bool wide = n >= kPackMinCols || (n >= kPackMinColsDeep && k >= kPackDeepK);
  return k > 0 && m > kChunkRows && wide && k * kPanelWidth * Index(sizeof(float)) <= l2_cache_bytes() / 2;
}

// Rows [r0, r1) × column blocks [b0, b1): column block outer, so a panel of B (k × its
// columns) stays in cache while every row tile passes over it.
void block_range(Index r0, Index r1, Index b0, Index b1, const ColumnBlocks& blocks, Index n, Depth d,
                 const ARows& a, const BPanels& b, float* c, Index ldc, const Epilogue& ep) {
  const Index ahead = b.panel_stride ? 0 : rows_ahead(d.k, b.ld);  // a panel is read forward
  for (Index blk = b0; blk < b1; ++blk) {
    const Index j0 = blocks.start(blk), cols = std::min(blocks.start(blk + 1), n) - j0;
    const BColumn bcol{b.column_block(blk, j0), b.row_stride(), ahead};
    switch ((cols + Simd::W - 1) / Simd::W) {
      case 1: column_block_any<1>(r0, r1, j0, cols, d, a, bcol, c, ldc, ep); break;
      case 2: column_block_any<2>(r0, r1, j0, cols, d, a, bcol, c, ldc, ep); break;
      default: column_block_any<3>(r0, r1, j0, cols, d, a, bcol, c, ldc, ep); break;
    }
  }
}

// Rows [begin, end) of C from B's panels: this thread packs A's rows chunk by chunk, each chunk
// half the L2 cache, and passes every panel over each chunk. A receiver hears of each chunk once
// done; its rows of C and the three arrays an update reads beside them then fill 4/5 of L2
// (docs/performance.md, "Wide weight gradients handed over by chunks").
void rows_on_panels(Index begin, Index end, const StridedMatrix& a, const ColumnBlocks& blocks, Index n, Depth d,
                    const BPanels& b, float* c, Index ldc, const Epilogue& ep, const FinishedBlock* finished) {
  thread_local Scratch packed_a;
  const Index k = d.k, bytes = Index(sizeof(float));
  const Index chunk_rows = finished ? std::max<Index>(kRows, l2_cache_bytes() * 4 / 5 / (4 * n * bytes) / kRows * kRows)
                                    : std::max(kChunkRows, l2_cache_bytes() / 2 / (k * bytes));
  const Index chunks = (end - begin + chunk_rows - 1) / chunk_rows;
  const Index chunk = ((end - begin + chunks - 1) / chunks + kRows - 1) / kRows * kRows;
  for (Index r0 = begin; r0 < end; r0 += chunk) {
    const Index r1 = std::min(r0 + chunk, end);
    // A job must not throw: short of memory, these rows are read in place instead.
    float* rows = packed_a.try_reserve((r1 - r0 + kPanelRows - 1) / kPanelRows * kPanelRows * k);
    if (rows) {
      pack_a_panels(a, r0, r1, k, kPanelRows, rows);
      const ARows a_packed{rows, 1, kPanelRows, kPanelRows * k};
      block_range(0, r1 - r0, 0, blocks.count, blocks, n, d, a_packed, b, c + r0 * ldc, ldc, ep);
    } else {
      block_range(r0, r1, 0, blocks.count, blocks, n, d, ARows::in_place(a), b, c, ldc, ep);
    }
    if (finished) finished->fn(finished->context, r0, r1, 0, n);
  }
}

// C = first + second, then the epilogue, as tile() finishes a sum of two runs (first and second
// are m × n, dense).
void add_runs(Index m, Index n, const float* first, const float* second, float* c, Index ldc, const Epilogue& ep) {
  for (Index i = 0; i < m; ++i) {
    const float* f = first + i * n;
    const float* s = second + i * n;
    float* crow = c + i * ldc;
    for (Index j = 0; j < n; j += Simd::W) {
      const Simd::Mask mask = Simd::mask(n - j);
      Simd::V out = Simd::add(Simd::load(f + j, mask), Simd::load(s + j, mask));
      if (ep.accumulate) out = Simd::add(out, Simd::load(crow + j, mask));
      else if (ep.bias) out = Simd::add(out, Simd::load(ep.bias + j, mask));
      if (ep.relu) out = Simd::relu(out);
      Simd::store(crow + j, out, mask);
    }
  }
}
#endif

}  // namespace

bool gemm_preferred(Index m, Index n, Index k) {
#if defined(DENSEKIT_OWN_GEMM)
  // Measured: at the MNIST shapes this kernel matches or beats Eigen's packed product (196 vs
  // 160 GFLOP/s forward at batch 32, one core) and it is faster for small layers whose
  // products Eigen blocks and packs (64x30x15: 1.1 vs 1.9 µs); for fewer than 8 columns
  // (a one-unit output) Eigen's matrix-vector kernels win (0.2 vs 0.7 µs). On AVX2 and SSE2 a W1
  // epoch takes about as long either way, and only this kernel sums each row in one order
  // whatever the batch (docs/performance.md: "AVX2 without AVX-512: densekit's kernel serves
  // Dense", "The SSE2 baseline uses densekit's kernel too").
  return n >= 8;
#else
  return false;
#endif
}

bool has_own_gemm() {
#if defined(DENSEKIT_OWN_GEMM)
  return true;
#else
  return false;
#endif
}

namespace {
// Deeper than this, each output is summed in two runs. Measured on Zen 4 (2026-12-05): W1's
// first two layers at batch 32 (k = 784 and 300) split between two threads by depth instead of
// by columns took a training step from 311-327 to 284-295 µs. Each tile then saves its first
// run's sums and adds them at the end: that cost 1-4 % on products of depth 256 (a batch-256
// weight gradient; W5's 2048x2048x256 4 %) and less than 1 % from 784 on, so the weight
// gradients of batches up to 256 keep one run.
constexpr Index kOneRunMaxDepth = 256;
}  // namespace

Index depth_half(Index k) {
  // Rows of B in whole tiles of 8, half of them rounded down: where the weight gradient's row
  // tiles split between two threads (RowChunks, kRows = 8 with AVX-512).
  return k > kOneRunMaxDepth ? (k + 7) / 8 / 2 * 8 : 0;
}

bool splits_by_depth(Index m, Index k, bool b_rows_apart) {
#if defined(DENSEKIT_OWN_GEMM)
  // In training the kernel's halves sit in different cores (b_rows_apart): a split by rows has
  // each thread read the half the other core updated, k·n/2 values, against m·n/2 for the runs'
  // sum (docs/performance.md, "In training, a kernel's product splits by depth"). Not in predict.
  if (num_threads() != 2 || !depth_half(k)) return false;
  return (4 * m <= k && m <= kChunkRows) || (b_rows_apart && 2 * m <= k);
#else
  return false;
#endif
}

GemmPath gemm_path(Index m, Index n, Index k, bool b_transposed, bool b_rows_apart) {
#if defined(DENSEKIT_OWN_GEMM)
  if (m == 1) return GemmPath::OneRow;
  // Two threads, each summing one run over its own rows of B, when B is many times deeper than
  // A is tall: adding the runs reads m × n values from the other core, where splitting columns
  // reads a quarter of B's k × n (a layer's kernel, whose rows the other core updated last).
  // (A product that packs then packs each run's B apart, in the thread that reads it; unless
  // half of B is more than L2 holds, as W5's 2048 x 2048 kernel: no core holds its half then, and
  // the shared packing saves the runs' sum.)
  const bool halves_beyond_l2 = k * n * Index(sizeof(float)) / 2 > l2_cache_bytes(), wide = packs(m, n, k);
  if (!b_transposed && splits_by_depth(m, k, b_rows_apart) && !(halves_beyond_l2 && wide) &&
      double(m) * double(n) * double(k) >= 2 * kMinWorkPerThread)
    return GemmPath::DepthSplit;
  // A transposed B: each thread packs the panels it computes, in its own cache, rather than half
  // of one packing the other core then reads; the shared packing won only from 1,024 rows when
  // shallow (docs/performance.md, "Input gradients of wide layers, the depth split's limit").
  if (wide) return b_transposed && (m <= 1024 || k >= 1024) ? GemmPath::ColumnBlocks : GemmPath::Packed;
  if (m > kChunkRows) return GemmPath::RowChunks;
  // Column blocks when there are enough of them for every thread (or too few rows to share).
  return ColumnBlocks(n).count >= 2 * num_threads() || m < 4 * kRows ? GemmPath::ColumnBlocks : GemmPath::RowBlocks;
#else
  return GemmPath::Eigen;
#endif
}

GemmLayout gemm_layout() {
#if defined(DENSEKIT_OWN_GEMM)
  return {Simd::W, kVecs, kRows, kAccumulators, kChunkRows, kRowVecs};
#else
  return {0, 0, 0, 0, 0, 0};
#endif
}

namespace {

// B as a caller hands it over: k × n row-major, or the transpose of a row-major n × k matrix.
struct BOperand {
  const float* data;
  Index ld;
  bool transposed;
  bool rows_apart = false;  // gemm()'s b_rows_apart
};

void product(Index m, Index n, Index k, StridedMatrix a, BOperand b, float* c, Index ldc, const Epilogue& ep,
             const FinishedBlock* finished) {
  auto done = [finished](Index r0, Index r1, Index c0, Index c1) {
    if (finished && r1 > r0 && c1 > c0) finished->fn(finished->context, r0, r1, c0, c1);
  };
#if defined(DENSEKIT_OWN_GEMM)
  const ColumnBlocks column_blocks(n);
  const Index blocks = column_blocks.count;
  const GemmPath path = gemm_path(m, n, k, b.transposed, b.rows_apart);
  const Depth depth{k, depth_half(k)};
  if (b.transposed && path != GemmPath::Packed && path != GemmPath::ColumnBlocks) {
    // Packing reads a transposed B directly, and so do column blocks (below); the other paths
    // read a transposed copy.
    thread_local Scratch copy;
    float* bt = copy.reserve(k * n);
    if (b.ld == k) {
      transpose(b.data, n, k, bt);
    } else {
      for (Index j = 0; j < n; ++j)
        for (Index p = 0; p < k; ++p) bt[p * n + j] = b.data[j * b.ld + p];
    }
    b = {bt, n, false};
  }
  const ARows in_place = ARows::in_place(a);
  const BPanels b_in_place{b.data, b.ld};
  // B in panels, one a column block (block blk's at panels + blk * panel): on the packed path,
  // and on the column-block path when B comes transposed.
  thread_local Scratch packed_b;
  const Index panel = k * kPanelWidth;
  const bool packs_b = path == GemmPath::Packed || (path == GemmPath::ColumnBlocks && b.transposed);
  float* panels = packs_b ? packed_b.reserve(blocks * panel) : nullptr;
  auto pack = [&](Index blk, Index p0, Index p1) {
    const Index j0 = column_blocks.start(blk), cols = std::min(column_blocks.start(blk + 1), n) - j0;
    pack_b_panel(b.data, b.ld, b.transposed, j0, cols, p0, p1, kPanelWidth, panels + blk * panel);
  };
  switch (path) {
    case GemmPath::OneRow: {
      // Reading the weights is the cost here: count each weight as work, so a big layer splits
      // its weights between two cores (in whole vectors of columns, evenly), each keeping its
      // part in its own L2 cache across calls. An odd vector goes to the calling thread, which
      // starts while the helper wakes (docs/performance.md, "One-row `predict()`: the odd vector").
      const Index vectors = (n + Simd::W - 1) / Simd::W;
      parallel_rows<true>(vectors, 4.0 * double(k) * double(Simd::W), [&](int64_t v0, int64_t v1) {
        const Index j0 = v0 * Simd::W, j1 = std::min<Index>(v1 * Simd::W, n);
        one_row_range(j0, j1 - j0, depth, a, b.data, b.ld, c, ep);
        done(0, 1, j0, j1);
      });
      return;
    }
    case GemmPath::Packed: {
      // B packed once, its panels shared by the threads (each packs its share of them); then
      // every thread packs its rows of A chunk by chunk, each chunk half the L2 cache, and
      // passes every panel over it.
      if (b.transposed) {
        // A panel's columns are rows of the stored matrix: panel by panel reads them forward.
        parallel_rows(blocks, double(panel), [&](int64_t b0, int64_t b1) {
          for (Index blk = b0; blk < b1; ++blk) pack(blk, 0, k);
        });
      } else {
        // A few rows of B at a time across every panel: B is read forward, a page after another
        // (panel by panel, every row of a panel is on a page of its own).
        constexpr Index kSlab = 16;
        parallel_rows(k, double(n), [&](int64_t p0, int64_t p1) {
          for (Index s = p0; s < p1; s += kSlab)
            for (Index blk = 0; blk < blocks; ++blk) pack(blk, s, std::min<Index>(s + kSlab, p1));
        });
      }
      const BPanels b_packed{panels, kPanelWidth, panel};
      const Index row_tiles = (m + kRows - 1) / kRows;
      parallel_rows(row_tiles, double(kRows) * double(k) * double(n), [&](int64_t t0, int64_t t1) {
        const Index begin = t0 * kRows, end = std::min<Index>(t1 * kRows, m);
        rows_on_panels(begin, end, a, column_blocks, n, depth, b_packed, c, ldc, ep, finished);
      });
      return;
    }
    case GemmPath::RowChunks: {
      // Many rows: every thread takes an equal share of whole row tiles and goes through it in
      // even chunks small enough to stay in cache while every column block passes over them
      // (otherwise each column block streams all of A from memory again). Each output is still
      // summed in the same order, whatever the split.
      const Index row_tiles = (m + kRows - 1) / kRows;
      parallel_rows(row_tiles, double(kRows) * double(k) * double(n), [&](int64_t t0, int64_t t1) {
        const Index begin = t0 * kRows, end = std::min<Index>(t1 * kRows, m);
        const Index chunks = (end - begin + kChunkRows - 1) / kChunkRows;
        const Index chunk = ((end - begin + chunks - 1) / chunks + kRows - 1) / kRows * kRows;
        for (Index r0 = begin; r0 < end; r0 += chunk)
          block_range(r0, std::min(r0 + chunk, end), 0, blocks, column_blocks, n, depth, in_place, b_in_place, c, ldc, ep);
        done(begin, end, 0, n);
      });
      return;
    }
    case GemmPath::DepthSplit: {
      // Each thread sums one run of every output over its own rows of B into `runs`, with no
      // epilogue; then the threads add the two runs as the tiles do and apply the epilogue. A
      // wide B is packed, each thread packing the panels of its own rows.
      thread_local Scratch runs_scratch;
      float* runs = runs_scratch.reserve(2 * m * n);
      const bool wide = packs(m, n, k);
      parallel_rows(2, double(m) * double(n) * double(depth.half), [&](int64_t r0, int64_t r1) {
        for (Index run = r0; run < r1; ++run) {
          const Index p0 = run ? depth.half : 0, p1 = run ? k : depth.half, depth_run = p1 - p0;
          const StridedMatrix a_run{a.data + p0 * a.col_stride, a.row_stride, a.col_stride};
          const float* b_run = b.data + p0 * b.ld;
          thread_local Scratch run_panels;
          const Index run_panel = depth_run * kPanelWidth;
          float* own = wide ? run_panels.try_reserve(blocks * run_panel) : nullptr;  // a job must not throw
          if (!own) {
            block_range(0, m, 0, blocks, column_blocks, n, Depth{depth_run}, ARows::in_place(a_run), {b_run, b.ld},
                        runs + run * m * n, n, Epilogue{});
            continue;
          }
          constexpr Index kSlab = 16;  // as the packed path: B read forward, a page after another
          for (Index s = 0; s < depth_run; s += kSlab)
            for (Index blk = 0; blk < blocks; ++blk) {
              const Index j0 = column_blocks.start(blk), cols = std::min(column_blocks.start(blk + 1), n) - j0;
              pack_b_panel(b_run, b.ld, false, j0, cols, s, std::min(s + kSlab, depth_run), kPanelWidth,
                           own + blk * run_panel);
            }
          rows_on_panels(0, m, a_run, column_blocks, n, Depth{depth_run}, {own, kPanelWidth, run_panel},
                         runs + run * m * n, n, Epilogue{}, nullptr);
        }
      });
      // (Each thread adds rows of its own: half of every row's values come from the other core.)
      parallel_rows(m, 4.0 * double(n), [&](int64_t r0, int64_t r1) {
        add_runs(r1 - r0, n, runs + r0 * n, runs + m * n + r0 * n, c + r0 * ldc, ldc, ep);
      });
      done(0, m, 0, n);
      return;
    }
    case GemmPath::ColumnBlocks: {
      // A transposed B is packed, each thread packing the blocks it computes: the copy is then in
      // the cache of the core that reads it. (Copied whole by the calling thread, half of it was
      // read from the other core's cache: 32x300x100 took twice as long as with B as stored.)
      const double work_per_block = double(m) * double(k) * double(kBlockCols);
      parallel_rows(blocks, work_per_block, [&](int64_t b0, int64_t b1) {
        BPanels own = b_in_place;
        if (panels) {
          for (Index blk = b0; blk < b1; ++blk) pack(blk, 0, k);
          own = {panels, kPanelWidth, panel};
        }
        block_range(0, m, b0, b1, column_blocks, n, depth, in_place, own, c, ldc, ep);
        done(0, m, column_blocks.start(b0), std::min(column_blocks.start(b1), n));
      });
      return;
    }
    case GemmPath::RowBlocks:
    default: {
      // Few columns: threads take row blocks (whole multiples of the tile height).
      const Index row_blocks = (m + kRows - 1) / kRows;
      parallel_rows(row_blocks, double(kRows) * double(k) * double(n), [&](int64_t r0, int64_t r1) {
        block_range(r0 * kRows, std::min<Index>(r1 * kRows, m), 0, blocks, column_blocks, n, depth, in_place, b_in_place,
                    c, ldc, ep);
        done(r0 * kRows, std::min<Index>(r1 * kRows, m), 0, n);
      });
      return;
    }
  }
#else
  // A build without SSE2 (not x86-64): Eigen's product, on rows split across threads.
  using Strided = Eigen::Map<const Matrix, Eigen::Unaligned, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;
  using Out = Eigen::Map<Matrix, Eigen::Unaligned, Eigen::OuterStride<>>;
  const Strided am(a.data, m, k, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(a.row_stride, a.col_stride));
  // A transposed B is the same memory read column-major.
  const Strided bm(b.data, k, n,
                   b.transposed ? Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(1, b.ld)
                                : Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(b.ld, 1));
  parallel_rows(m, double(n) * double(k), [&](int64_t r0, int64_t r1) {
    Out cm(c + r0 * ldc, r1 - r0, n, Eigen::OuterStride<>(ldc));
    if (ep.accumulate) {
      cm.noalias() += am.middleRows(r0, r1 - r0) * bm;
    } else {
      cm.noalias() = am.middleRows(r0, r1 - r0) * bm;
      if (ep.bias) cm.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(ep.bias, n);
    }
    if (ep.relu) cm = cm.unaryExpr([](float v) { return std::max(v, 0.0f); });
    done(r0, r1, 0, n);
  });
#endif
}

}  // namespace

void gemm(Index m, Index n, Index k, StridedMatrix a, const float* b, Index ldb, float* c, Index ldc, const Epilogue& ep,
          const FinishedBlock* finished, bool b_rows_apart) {
  product(m, n, k, a, {b, ldb, false, b_rows_apart}, c, ldc, ep, finished);
}

void gemm_transposed_b(Index m, Index n, Index k, StridedMatrix a, const float* bt, Index ldbt, float* c, Index ldc,
                       const Epilogue& ep, const FinishedBlock* finished) {
  product(m, n, k, a, {bt, ldbt, true}, c, ldc, ep, finished);
}

}  // namespace densekit
