#include <densekit/random.hpp>

#include <densekit/parallel.hpp>

#include <cmath>
#include <mutex>
#include <random>

namespace densekit {
namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

std::mutex& global_mutex() {
  static auto* m = new ForkSafeMutex;  // never destroyed: seeds may be drawn during shutdown
  return *m;
}

}  // namespace

// xoshiro256** (Blackman & Vigna), seeded through splitmix64 as its authors recommend.
void Rng::reseed(uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

uint64_t Rng::next_u64() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

float Rng::uniform() { return static_cast<float>(next_u64() >> 40) * (1.0f / 16777216.0f); }

uint64_t Rng::below(uint64_t n) {
  // Lemire's multiply-shift with rejection: unbiased.
  unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next_u64()) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

double Rng::normal() {
  // 53-bit uniforms; u1 in (0, 1] so the log is finite.
  const double u1 = (static_cast<double>(next_u64() >> 11) + 1.0) * (1.0 / 9007199254740992.0);
  const double u2 = static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

Rng& global_rng() {
  static Rng rng(std::random_device{}() ^ (static_cast<uint64_t>(std::random_device{}()) << 32));
  return rng;
}

void set_random_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(global_mutex());
  global_rng().reseed(seed);
}

uint64_t draw_seed() {
  std::lock_guard<std::mutex> lock(global_mutex());
  return global_rng().next_u64();
}

}  // namespace densekit
