// The checksum a native file records of its data region (docs/format.md, "checksum").
#pragma once

#include <cstddef>
#include <string>

namespace densekit {

// "crc32:" and the CRC-32 (zlib's polynomial) of the bytes, as eight lowercase hex digits.
std::string crc32_checksum(const char* data, size_t n);

}  // namespace densekit
