// Writing a file so that its path holds the old file or the whole new one, never a part.
#pragma once

#include <string>

namespace densekit {

// Writes `bytes` to `path` through a temporary file renamed over it (IOError naming `path` on
// failure): symbolic links are followed, the old file's permissions kept, and a device or pipe
// written in place (cpp/src/file_writing.cpp).
void write_atomic(const std::string& path, const std::string& bytes);

}  // namespace densekit
