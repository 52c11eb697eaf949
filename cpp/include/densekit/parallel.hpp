// Threading at our level: one OpenMP region per layer operation, over blocks of rows.
#pragma once

#include <cstdint>
#include <functional>

namespace densekit {

// Threads used by densekit's parallel regions (OMP_NUM_THREADS, else all cores).
int num_threads();
void set_num_threads(int n);

// Split [0, rows) into contiguous blocks, one per thread, so that every thread gets at least
// `min_work` units (work = rows * work_per_row); small problems stay on the calling thread.
// fn(begin, end) must only touch its own rows.
void parallel_rows(int64_t rows, double work_per_row, const std::function<void(int64_t, int64_t)>& fn);

// Work (multiply-adds) below which a second thread costs more than it saves.
constexpr double kMinWorkPerThread = 1 << 17;

}  // namespace densekit
