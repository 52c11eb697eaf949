// The checksum a native file records of its data region (docs/format.md, "checksum").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace densekit {

// CRC-32 (zlib's polynomial) over several pieces: start from 0 and feed each piece in order;
// the result is the CRC of the pieces joined.
uint32_t crc32_update(uint32_t crc, const char* data, size_t n);
// "crc32:" and the CRC as eight lowercase hex digits.
std::string crc32_checksum(uint32_t crc);
inline std::string crc32_checksum(const char* data, size_t n) { return crc32_checksum(crc32_update(0, data, n)); }

}  // namespace densekit
