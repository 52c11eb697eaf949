#include "parallel_for.hpp"

#include <algorithm>
#include <cstdlib>
#include <thread>

#ifdef _OPENMP
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

}  // namespace

int num_threads() { return thread_setting(); }

void set_num_threads(int n) { thread_setting() = std::max(1, n); }

int threads_for(int64_t rows, double work_per_row) {
#ifdef _OPENMP
  if (omp_in_parallel()) return 1;
#endif
  const double work = static_cast<double>(rows) * std::max(work_per_row, 1.0);
  const int64_t by_work = static_cast<int64_t>(work / kMinWorkPerThread);
  return static_cast<int>(std::clamp<int64_t>(std::min<int64_t>(by_work, rows), 1, num_threads()));
}

}  // namespace densekit
