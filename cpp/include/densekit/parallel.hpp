// Threads densekit uses: one parallel job per layer operation, on a pool of helper threads.
#pragma once

#include <mutex>

namespace densekit {

// Default: OMP_NUM_THREADS, else all cores. Safe across fork: a child starts its own helpers.
int num_threads();
// At most 256 (more are taken as 256); throws ValueError for n < 1.
void set_num_threads(int n);

// A mutex a forked child may need. fork() copies only the calling thread: a mutex another thread
// held at that moment would stay locked in the child for ever, and the child's first prediction
// or random draw would hang. Every ForkSafeMutex alive is taken by the forking thread just
// before fork() and released on both sides after it (pthread_atfork), so none is held by a
// thread the child does not have. Only for leaf locks (held briefly, never while taking another).
class ForkSafeMutex : public std::mutex {
 public:
  ForkSafeMutex();
  ~ForkSafeMutex();
  ForkSafeMutex(const ForkSafeMutex&) = delete;
  ForkSafeMutex& operator=(const ForkSafeMutex&) = delete;
};

// How many fork()s led to this process (0 in the first): state that counts what threads are
// doing (WeightStorage's running computations) tells a child's from its parent's by it.
unsigned long fork_generation();

}  // namespace densekit
