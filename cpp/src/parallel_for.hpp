// Threading at our level: one parallel job per layer operation, over fixed blocks of rows.
//
// The pool is ours rather than OpenMP's because of contention: an OpenMP region ends in a
// barrier that waits for every thread of the team, so when another process holds a core and
// one of our threads is descheduled, every region stalls for a scheduler time slice (measured:
// an MNIST-shaped epoch went from 0.5 s to 78 s on a loaded 2-core machine). Here the calling
// thread claims blocks itself and waits only for blocks already being worked on: a helper that
// wakes late finds nothing left, and the worst case is single-threaded speed.
#pragma once

#include <densekit/parallel.hpp>

#include <cstdint>

namespace densekit {

// Work (multiply-adds, or a call site's estimate in those units) below which a second thread
// costs more than it saves. Handing a block to a helper that is already polling costs well under
// a microsecond; one woken from sleep costs tens, and far more on a busy machine. At 1 << 18
// the last layer of W1 at batch 256 (256 x 10 x 100, whose narrow tiles ran at 11-17 GFLOP/s
// where a core's best is 39) and relu's backward over 256 x 300 ran on one core while the
// other waited. 1 << 16 made that fit 2.5-2.8 % faster on an AMD EPYC (Zen 1) and batch 128
// 2-3 %, and left batch 32 (quiet and contended), W5 and one-row predict() as they were
// (docs/performance.md, "Smaller jobs on two threads").
constexpr double kMinWorkPerThread = 1 << 16;

// How many threads `rows` rows of `work_per_row` each deserve: at least kMinWorkPerThread
// each, at most num_threads(), and 1 inside a job that is already parallel.
int threads_for(int64_t rows, double work_per_row);

// Nanoseconds for a flag to go from one of two threads to the other and back (the best of
// `repeats` runs of `trips`), NaN when the process may use fewer than 2 CPUs: how far apart the
// system placed them, which benchmarks print beside their figures. ValueError for counts out of
// range.
double cross_core_round_trip_ns(int64_t trips, int64_t repeats);

// Runs body(context, block) for blocks 0..blocks-1, on the calling thread and the pool's helpers.
void run_blocks(int64_t blocks, void (*body)(const void* context, int64_t block), const void* context);

// Splits [0, rows) into one contiguous block per thread; fn(begin, end) must touch only its
// own rows and must not throw. The blocks depend only on the thread count (not on which thread
// runs which block), so results are reproducible for a given thread count. Small problems run
// on the calling thread. With FirstTakesMore, the rows an uneven split leaves over go to the
// first blocks (else to the last): the calling thread starts block 0 at once while a helper
// wakes, which pays where a block lasts a few microseconds (a one-row product).
template <bool FirstTakesMore = false, class Fn>
void parallel_rows(int64_t rows, double work_per_row, const Fn& fn) {
  if (rows <= 0) return;
  const int threads = threads_for(rows, work_per_row);
  if (threads == 1) {
    fn(int64_t(0), rows);
    return;
  }
  struct Context {
    const Fn* fn;
    int64_t rows, blocks;
  } context{&fn, rows, threads};
  run_blocks(threads, [](const void* c, int64_t block) {
    const auto& ctx = *static_cast<const Context*>(c);
    const int64_t round = FirstTakesMore ? ctx.blocks - 1 : 0;
    const int64_t begin = (ctx.rows * block + round) / ctx.blocks, end = (ctx.rows * (block + 1) + round) / ctx.blocks;
    if (end > begin) (*ctx.fn)(begin, end);
  }, &context);
}

}  // namespace densekit
