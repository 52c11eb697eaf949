#include "parallel_for.hpp"

#include "float_mode.hpp"

#include <densekit/errors.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <new>

#include <pthread.h>
#include <sched.h>

namespace densekit {
namespace {

// More threads than this is a mistake (OMP_NUM_THREADS=100000), not a machine: each is an OS
// thread, and every job wakes them all.
constexpr int kMaxThreads = 256;

int default_threads() {
  if (const char* env = std::getenv("OMP_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return std::min(n, kMaxThreads);
  }
  return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, static_cast<unsigned>(kMaxThreads)));
}

std::atomic<int>& thread_setting() {
  static std::atomic<int> n{default_threads()};
  return n;
}

// One spin-wait step: the pause instruction (no system call; it eases the core for its sibling).
inline void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

// Set on pool helpers and on a thread running a job's blocks: nested jobs run serially.
thread_local bool in_job = false;

// How long an idle helper keeps polling for the next job before it sleeps. Training posts a
// job every few microseconds, so helpers stay awake through a fit; the bound keeps an idle
// process from burning a core another program could use.
constexpr auto kSpin = std::chrono::microseconds(200);

struct Job {
  void (*body)(const void*, int64_t) = nullptr;
  const void* context = nullptr;
  int64_t blocks = 0;
  unsigned float_mode = 0;  // the poster's: helpers compute as it does (denormals flushed or not)
  std::atomic<int64_t> next{0};  // the next block to claim
  std::atomic<int64_t> done{0};  // blocks finished
};

class Pool {
 public:
  static Pool& instance() {
    static Pool* pool = new Pool();  // never destroyed: helpers may outlive static destructors
    return *pool;
  }

  void run(int64_t blocks, void (*body)(const void*, int64_t), const void* context) {
    if (blocks <= 0) return;
    ensure_helpers(static_cast<int>(std::min<int64_t>(blocks, num_threads())) - 1);
    Job job;
    job.body = body, job.context = context, job.blocks = blocks, job.float_mode = float_mode();
    // Block 0 is the posting thread's, always: callers split work so that a thread's block
    // reads what its core computed or read last time (a kernel's rows in training, a one-row
    // product's columns), and the first block is the one that starts without waking. Left to
    // the race, a spinning helper claimed block 0 in about a fifth of the jobs (Intel Xeon,
    // 2026-12-05), and its core then read the other core's data.
    job.next.store(1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_.store(&job);
      ++generation_;
    }
    wake_.notify_all();
    in_job = true;
    job.body(job.context, 0);
    job.done.fetch_add(1, std::memory_order_acq_rel);
    work_on(job);
    in_job = false;
    // Blocks other threads claimed must finish; blocks nobody claimed were all taken above.
    for (int spins = 0; job.done.load(std::memory_order_acquire) < blocks; ++spins)
      if (spins < 4096) relax();
      else std::this_thread::yield();  // that thread was descheduled mid-block: let it run
    // A helper that picked up the job pointer may still be looking at it: wait until it lets go.
    // (Sequentially consistent: the helper's increment-then-load and this store-then-load
    // cannot both miss each other.)
    job_.store(nullptr);
    for (int spins = 0; inside_.load() != 0; ++spins)
      if (spins < 4096) relax();
      else std::this_thread::yield();
  }

  // Helpers beyond the new count park until it rises again: awake, each would still poll for
  // every job and be woken by each (measured: 2 threads after 64 ran a fit 6x slower than 2 from
  // the start, on 2 cores).
  void threads_changed() {
    { std::lock_guard<std::mutex> lock(mutex_); }  // a helper parking now sees the new count first
    park_.notify_all();
  }

  // After fork the child has no helpers (only the forking thread survives): start afresh.
  void forget_helpers_after_fork() {
    new (&mutex_) std::mutex();
    new (&start_mutex_) std::mutex();
    new (&wake_) std::condition_variable();
    new (&park_) std::condition_variable();
    started_ = 0;
    job_.store(nullptr);
    inside_.store(0);
  }

 private:
  static void work_on(Job& job) {
    for (int64_t b; (b = job.next.fetch_add(1, std::memory_order_acq_rel)) < job.blocks;) {
      job.body(job.context, b);
      job.done.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  void ensure_helpers(int wanted) {
    if (started_ >= wanted) return;
    std::lock_guard<std::mutex> lock(start_mutex_);
    while (started_ < wanted) {
      std::thread(&Pool::helper, this, started_).detach();
      ++started_;
    }
  }

  // Helper `index` (0-based) serves while num_threads() - 1 > index.
  void helper(int index) {
    in_job = true;
    uint64_t seen = 0;
    for (;;) {
      if (index >= num_threads() - 1) {
        std::unique_lock<std::mutex> lock(mutex_);
        park_.wait(lock, [&] { return index < num_threads() - 1; });
        seen = generation_.load(std::memory_order_acquire);  // jobs posted while parked are done
        continue;
      }
      // Poll for a new job for a while, then sleep until one is posted.
      const auto spin_until = std::chrono::steady_clock::now() + kSpin;
      for (int spins = 1; generation_.load(std::memory_order_acquire) == seen; ++spins) {
        relax();
        if (spins % 64 == 0 && std::chrono::steady_clock::now() >= spin_until) break;
      }
      if (generation_.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
      }
      seen = generation_.load(std::memory_order_acquire);
      inside_.fetch_add(1);
      if (Job* job = job_.load()) {
        set_float_mode(job->float_mode);
        work_on(*job);
      }
      inside_.fetch_sub(1);
    }
  }

  std::mutex mutex_, start_mutex_;
  std::condition_variable wake_;
  std::condition_variable park_;  // helpers beyond the thread count wait here
  std::atomic<uint64_t> generation_{0};
  std::atomic<Job*> job_{nullptr};
  std::atomic<int> inside_{0};
  int started_ = 0;

};

// A child forked after densekit ran threads has lost the helpers (fork copies only the calling
// thread): it starts new ones when it first needs them, instead of waiting for dead ones.
void after_fork_in_child() { Pool::instance().forget_helpers_after_fork(); }
const bool fork_handler_installed = [] {
  pthread_atfork(nullptr, nullptr, after_fork_in_child);
  return true;
}();

// Waits until `flag` holds `value`, spinning, then yielding (on one core the other thread needs
// the time slice to move).
void wait_for(const std::atomic<int64_t>& flag, int64_t value) {
  for (int64_t spins = 0; flag.load(std::memory_order_acquire) != value; ++spins)
    if (spins < (1 << 14)) relax();
    else std::this_thread::yield();
}

}  // namespace

int num_threads() { return thread_setting(); }

void set_num_threads(int n) {
  if (n < 1) throw ValueError("`n` must be a positive integer. Received: n=" + std::to_string(n));
  thread_setting() = std::min(n, kMaxThreads);
  Pool::instance().threads_changed();
}

int threads_for(int64_t rows, double work_per_row) {
  if (in_job) return 1;
  const double work = static_cast<double>(rows) * std::max(work_per_row, 1.0);
  const int64_t by_work = static_cast<int64_t>(work / kMinWorkPerThread);
  return static_cast<int>(std::clamp<int64_t>(std::min<int64_t>(by_work, rows), 1, num_threads()));
}

void run_blocks(int64_t blocks, void (*body)(const void*, int64_t), const void* context) {
  Pool::instance().run(blocks, body, context);
}

// Nanoseconds for a flag to go from one thread to another and back, the best of `repeats` runs of
// `trips` round trips: how far apart the system placed two threads. On a virtual machine this
// changes while a process runs (the hypervisor moves the vCPUs), and with it the speed of every
// step that hands data between the cores, so benchmarks print it beside their figures.
double cross_core_round_trip_ns(int64_t trips, int64_t repeats) {
  if (trips < 1 || repeats < 1 || trips > 1000000000 || repeats > 1000)
    throw ValueError("cross_core_round_trip_ns: `trips` must be in [1, 1e9] and `repeats` in [1, 1000]. Received: trips=" +
                     std::to_string(trips) + ", repeats=" + std::to_string(repeats));
  // The CPUs this process may run on (taskset, cgroups), not the machine's: with one, the two
  // threads would take turns on it and the figure would measure the scheduler.
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0 || CPU_COUNT(&allowed) < 2)
    return std::numeric_limits<double>::quiet_NaN();
  struct alignas(64) Line {
    std::atomic<int64_t> flag{0};
  } line;  // a cache line of its own
  std::atomic<int64_t>& flag = line.flag;
  const int64_t total = trips * repeats;
  std::thread echo([&flag, total] {
    for (int64_t i = 0; i < total; ++i) {
      wait_for(flag, 2 * i + 1);
      flag.store(2 * i + 2, std::memory_order_release);
    }
  });
  double best = std::numeric_limits<double>::infinity();
  for (int64_t r = 0, i = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    for (int64_t t = 0; t < trips; ++t, ++i) {
      flag.store(2 * i + 1, std::memory_order_release);
      wait_for(flag, 2 * i + 2);
    }
    const std::chrono::duration<double, std::nano> spent = std::chrono::steady_clock::now() - start;
    best = std::min(best, spent.count() / double(trips));
  }
  echo.join();
  return best;
}

}  // namespace densekit
