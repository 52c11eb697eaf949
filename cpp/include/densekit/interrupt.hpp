// Ctrl-C during a long loop: while a SigintGuard lives, SIGINT only sets a flag that the
// training loop checks between batches (a batch is applied whole or not at all); the loop then
// throws Interrupted. A second SIGINT while the first is pending goes to the previous handler
// (Python's raises KeyboardInterrupt at its next chance; the default handler ends the process).
#pragma once

#include <densekit/errors.hpp>

namespace densekit {

// Thrown by fit / evaluate / predict when SIGINT arrived while they ran under a SigintGuard.
class Interrupted : public Error {
 public:
  Interrupted() : Error("Interrupted by SIGINT (Ctrl-C).") {}
};

// Installs the SIGINT handler for its lifetime and restores the previous one afterwards.
// Guards nest (only the outermost installs); a SIGINT that is ignored (SIG_IGN) stays ignored.
class SigintGuard {
 public:
  SigintGuard();
  ~SigintGuard();
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;

  // Whether a SIGINT arrived since the outermost guard was installed and was not acted on yet.
  static bool requested();
  // Throws Interrupted if requested(). The outermost guard's destructor delivers a SIGINT that
  // no check() acted on to the previous handler.
  static void check();
};

}  // namespace densekit
