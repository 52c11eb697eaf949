// The random generator behind initializers, shuffling and dropout: small, fast, and the same
// stream on every platform (std:: distributions are implementation-defined, this is not).
#pragma once

#include <array>
#include <cstdint>

namespace densekit {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { reseed(seed); }
  void reseed(uint64_t seed);

  uint64_t next_u64();
  // Uniform in [0, 1) with 24 random bits (exactly representable in float).
  float uniform();
  // Uniform integer in [0, n).
  uint64_t below(uint64_t n);
  // Standard normal (Box-Muller on doubles).
  double normal();

  // The whole state, for saving and restoring a model's generator.
  std::array<uint64_t, 4> state() const { return {s_[0], s_[1], s_[2], s_[3]}; }
  void set_state(const std::array<uint64_t, 4>& s) { s_[0] = s[0], s_[1] = s[1], s_[2] = s[2], s_[3] = s[3]; }

 private:
  uint64_t s_[4];
};

// The process-wide generator that set_random_seed resets. Everything random that is created
// without an explicit seed (initializers, models) draws its own seed from here, once.
Rng& global_rng();
void set_random_seed(uint64_t seed);
uint64_t draw_seed();

}  // namespace densekit
