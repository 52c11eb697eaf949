#include <densekit/errors.hpp>
#include <densekit/tensor.hpp>

namespace densekit {

int64_t checked_shape_size(const Shape& shape, const std::string& what) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && n > kMaxValues / d))
      throw ValueError(what + " has the shape " + shape_to_string(shape) + ", too large (more than 2^36 values) or negative.");
    n *= d;
  }
  return n;
}

int64_t shape_size(const Shape& shape) { return checked_shape_size(shape, "A tensor"); }

std::string shape_to_string(const Shape& shape) {
  std::string s = "(None";
  for (int64_t d : shape) s += ", " + std::to_string(d);
  return s + ")";
}

const char* version() { return DENSEKIT_VERSION; }

}  // namespace densekit
