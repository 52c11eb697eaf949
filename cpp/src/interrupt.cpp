#include <densekit/interrupt.hpp>
#include <densekit/parallel.hpp>

#include <atomic>
#include <csignal>
#include <mutex>

namespace densekit {
namespace {

std::atomic<bool> g_requested{false};
ForkSafeMutex g_mutex;  // guards installation (not the handler)
int g_depth = 0;
bool g_installed = false;

#ifndef _WIN32
struct sigaction g_previous;

void chain_to_previous(int sig, siginfo_t* info, void* context) {
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction) g_previous.sa_sigaction(sig, info, context);
    return;
  }
  if (g_previous.sa_handler == SIG_IGN) return;
  if (g_previous.sa_handler == SIG_DFL) {
    // Restore the default action and deliver the signal again: the process ends as it would
    // have without us.
    sigaction(sig, &g_previous, nullptr);
    raise(sig);
    return;
  }
  g_previous.sa_handler(sig);
}

extern "C" void on_sigint(int sig, siginfo_t* info, void* context) {
  // Async-signal-safe: a lock-free atomic exchange and, on the second press, the previous
  // handler, which then acts for both presses (nothing stays pending to deliver again).
  if (g_requested.exchange(true)) {
    g_requested.store(false);
    chain_to_previous(sig, info, context);
  }
}

bool install() {
  struct sigaction current;
  if (sigaction(SIGINT, nullptr, &current) != 0) return false;
  if (!(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_IGN) return false;
  struct sigaction ours {};
  ours.sa_sigaction = &on_sigint;
  ours.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&ours.sa_mask);
  if (sigaction(SIGINT, &ours, &g_previous) != 0) return false;
  return true;
}

void uninstall() {
  struct sigaction current;
  if (sigaction(SIGINT, nullptr, &current) != 0) return;
  // Someone replaced our handler meanwhile (signal.signal in a callback): leave theirs.
  if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == &on_sigint) sigaction(SIGINT, &g_previous, nullptr);
}
#else
using Handler = void (*)(int);
Handler g_previous = SIG_DFL;

extern "C" void on_sigint(int sig) {
  if (g_requested.exchange(true)) {
    g_requested.store(false);
    std::signal(sig, g_previous);
    if (g_previous != SIG_DFL && g_previous != SIG_IGN) g_previous(sig);
    else if (g_previous == SIG_DFL) std::raise(sig);
    return;
  }
  std::signal(sig, &on_sigint);  // Windows resets the handler on delivery
}

bool install() {
  Handler previous = std::signal(SIGINT, &on_sigint);
  if (previous == SIG_ERR) return false;
  if (previous == SIG_IGN) {
    std::signal(SIGINT, SIG_IGN);
    return false;
  }
  g_previous = previous;
  return true;
}

void uninstall() {
  Handler current = std::signal(SIGINT, g_previous);
  if (current != &on_sigint) std::signal(SIGINT, current);
}
#endif

}  // namespace

SigintGuard::SigintGuard() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_depth++ == 0) {
    g_requested.store(false);
    g_installed = install();
  }
}

SigintGuard::~SigintGuard() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (--g_depth == 0 && g_installed) {
    uninstall();
    g_installed = false;
    // A SIGINT that came after the loop's last check was never acted on: deliver it again, now
    // to the previous handler (Python's raises KeyboardInterrupt at its next chance), so that
    // Ctrl-C is never lost.
    if (g_requested.exchange(false)) std::raise(SIGINT);
  }
}

bool SigintGuard::requested() { return g_requested.load(std::memory_order_relaxed); }

void SigintGuard::check() {
  if (g_requested.exchange(false)) throw Interrupted();  // acted on: not delivered again
}

}  // namespace densekit
