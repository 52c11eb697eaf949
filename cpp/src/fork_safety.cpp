// The registry behind ForkSafeMutex (parallel.hpp): around fork(), the forking thread holds every
// registered mutex, so the child starts with all of them unlocked and their data consistent.
#include <densekit/parallel.hpp>

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <vector>

namespace densekit {
namespace {

// Never destroyed: mutexes may still be registered or released during static destruction.
std::mutex& registered_mutexes_mutex() {
  static std::mutex* m = new std::mutex;
  return *m;
}
std::vector<ForkSafeMutex*>& registered_mutexes() {
  static auto* r = new std::vector<ForkSafeMutex*>;
  return *r;
}

// Each registered mutex is a leaf lock: taking them one after another cannot deadlock with a
// thread that holds one, since it releases it without waiting for another.
void before_fork() {
  registered_mutexes_mutex().lock();
  for (ForkSafeMutex* m : registered_mutexes()) m->lock();
}
void after_fork() {
  for (auto it = registered_mutexes().rbegin(); it != registered_mutexes().rend(); ++it) (*it)->unlock();
  registered_mutexes_mutex().unlock();
}

std::atomic<unsigned long> generation{0};

void after_fork_in_child() {
  generation.fetch_add(1, std::memory_order_relaxed);
  after_fork();
}

const bool handlers_installed = [] {
  pthread_atfork(before_fork, after_fork, after_fork_in_child);
  return true;
}();

}  // namespace

unsigned long fork_generation() { return generation.load(std::memory_order_relaxed); }

ForkSafeMutex::ForkSafeMutex() {
  std::lock_guard<std::mutex> lock(registered_mutexes_mutex());
  registered_mutexes().push_back(this);
}

ForkSafeMutex::~ForkSafeMutex() {
  std::lock_guard<std::mutex> lock(registered_mutexes_mutex());
  auto& r = registered_mutexes();
  r.erase(std::find(r.begin(), r.end(), this));
}

}  // namespace densekit
