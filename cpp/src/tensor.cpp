#include <densekit/tensor.hpp>

namespace densekit {

int64_t shape_size(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_to_string(const Shape& shape) {
  std::string s = "(None";
  for (int64_t d : shape) s += ", " + std::to_string(d);
  return s + ")";
}

const char* version() { return DENSEKIT_VERSION; }

}  // namespace densekit
