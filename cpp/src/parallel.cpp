#include <densekit/parallel.hpp>

#include <algorithm>
#include <cstdlib>
#include <thread>

#ifdef _OPENMP
#include <omp.h>
#include <pthread.h>
#endif

namespace densekit {
namespace {

int default_threads() {
  if (const char* env = std::getenv("OMP_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

int& thread_setting() {
  static int n = default_threads();
  return n;
}

#ifdef _OPENMP
// A child forked after a parallel region would hang in libgomp's pool: it runs serially.
void serial_in_child() { thread_setting() = 1; }
const bool fork_handler_installed = [] {
  pthread_atfork(nullptr, nullptr, serial_in_child);
  return true;
}();
#endif

bool in_parallel_region() {
#ifdef _OPENMP
  return omp_in_parallel();
#else
  return false;
#endif
}

}  // namespace

int num_threads() { return thread_setting(); }

void set_num_threads(int n) { thread_setting() = std::max(1, n); }

void parallel_rows(int64_t rows, double work_per_row, const std::function<void(int64_t, int64_t)>& fn) {
  if (rows <= 0) return;
  const double work = static_cast<double>(rows) * std::max(work_per_row, 1.0);
  const int64_t by_work = static_cast<int64_t>(work / kMinWorkPerThread);
  const int threads = static_cast<int>(std::clamp<int64_t>(std::min<int64_t>(by_work, rows), 1, num_threads()));
  // Already inside a parallel region (a layer's row block): stay on this thread.
  if (threads == 1 || in_parallel_region()) {
    fn(0, rows);
    return;
  }
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
  {
    const int64_t t = omp_get_thread_num();
    const int64_t n = omp_get_num_threads();
    const int64_t begin = rows * t / n, end = rows * (t + 1) / n;
    if (end > begin) fn(begin, end);
  }
#else
  fn(0, rows);
#endif
}

}  // namespace densekit
