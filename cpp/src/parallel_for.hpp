// Threading at our level: one OpenMP region per layer operation, over blocks of rows.
#pragma once

#include <densekit/parallel.hpp>

#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace densekit {

// Work (multiply-adds) below which a second thread costs more than it saves.
constexpr double kMinWorkPerThread = 1 << 17;

// How many threads `rows` rows of `work_per_row` each deserve: at least kMinWorkPerThread
// each, at most num_threads(), and 1 inside a region that is already parallel.
int threads_for(int64_t rows, double work_per_row);

// Splits [0, rows) into one contiguous block per thread; fn(begin, end) must touch only its
// own rows and must not throw. Small problems run on the calling thread, with no region.
template <class Fn>
void parallel_rows(int64_t rows, double work_per_row, const Fn& fn) {
  if (rows <= 0) return;
  const int threads = threads_for(rows, work_per_row);
  if (threads == 1) {
    fn(int64_t(0), rows);
    return;
  }
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
  {
    const int64_t t = omp_get_thread_num(), n = omp_get_num_threads();
    const int64_t begin = rows * t / n, end = rows * (t + 1) / n;
    if (end > begin) fn(begin, end);
  }
#else
  fn(int64_t(0), rows);
#endif
}

}  // namespace densekit
