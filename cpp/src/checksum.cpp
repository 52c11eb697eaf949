#include "checksum.hpp"

#include <array>
#include <cstdio>
#include <cstring>

namespace densekit {
namespace {

// Slicing by 8 (eight bytes per step through eight tables): about 5 times the speed of the
// byte-at-a-time loop, which took about half of a 190 MB save or load.
using Tables = std::array<std::array<uint32_t, 256>, 8>;

const Tables& tables() {
  static const Tables t = [] {
    Tables out{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      out[0][i] = c;
    }
    for (size_t k = 1; k < 8; ++k)
      for (uint32_t i = 0; i < 256; ++i) out[k][i] = (out[k - 1][i] >> 8) ^ out[0][out[k - 1][i] & 0xFF];
    return out;
  }();
  return t;
}

}  // namespace

uint32_t crc32_update(uint32_t crc, const char* data, size_t n) {
  const Tables& t = tables();
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  uint32_t c = crc ^ 0xFFFFFFFFu;
  for (; n >= 8; p += 8, n -= 8) {  // (little-endian words, as the file format is)
    uint32_t low, high;
    std::memcpy(&low, p, 4);
    std::memcpy(&high, p + 4, 4);
    low ^= c;
    c = t[7][low & 0xFF] ^ t[6][(low >> 8) & 0xFF] ^ t[5][(low >> 16) & 0xFF] ^ t[4][low >> 24] ^ t[3][high & 0xFF] ^
        t[2][(high >> 8) & 0xFF] ^ t[1][(high >> 16) & 0xFF] ^ t[0][high >> 24];
  }
  for (; n > 0; ++p, --n) c = t[0][(c ^ *p) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::string crc32_checksum(uint32_t crc) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", crc);
  return std::string("crc32:") + hex;
}

}  // namespace densekit
