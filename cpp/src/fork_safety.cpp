// The registry behind ForkSafeMutex (parallel.hpp): around fork(), the forking thread holds every
// registered mutex, so the child starts with all of them unlocked and their data consistent.
#include <densekit/parallel.hpp>

#include <pthread.h>

#include <algorithm>
#include <vector>

namespace densekit {
namespace {

// Never destroyed: mutexes may still be registered or released during static destruction.
std::mutex& registry_mutex() {
  static std::mutex* m = new std::mutex;
  return *m;
}
std::vector<ForkSafeMutex*>& registry() {
  static auto* r = new std::vector<ForkSafeMutex*>;
  return *r;
}

// Each registered mutex is a leaf lock: taking them one after another cannot deadlock with a
// thread that holds one, since it releases it without waiting for another.
void before_fork() {
  registry_mutex().lock();
  for (ForkSafeMutex* m : registry()) m->lock();
}
void after_fork() {
  for (auto it = registry().rbegin(); it != registry().rend(); ++it) (*it)->unlock();
  registry_mutex().unlock();
}

const bool handlers_installed = [] {
  pthread_atfork(before_fork, after_fork, after_fork);
  return true;
}();

}  // namespace

ForkSafeMutex::ForkSafeMutex() {
  std::lock_guard<std::mutex> lock(registry_mutex());
  registry().push_back(this);
}

ForkSafeMutex::~ForkSafeMutex() {
  std::lock_guard<std::mutex> lock(registry_mutex());
  auto& r = registry();
  r.erase(std::find(r.begin(), r.end(), this));
}

}  // namespace densekit
