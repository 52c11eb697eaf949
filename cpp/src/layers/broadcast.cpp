#include "layers/broadcast.hpp"

#include <densekit/errors.hpp>

namespace densekit {

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  if (a.size() < b.size()) return broadcast_shapes(b, a);
  Shape out(a.begin(), a.end() - static_cast<std::ptrdiff_t>(b.size()));
  for (size_t i = 0; i < b.size(); ++i) {
    const int64_t x = a[a.size() - b.size() + i], y = b[i];
    if (x != y && x != 1 && y != 1)
      throw ValueError("Inputs have incompatible shapes. Received shapes " + tuple_to_string(a) + " and " + tuple_to_string(b));
    out.push_back(x == 1 ? y : x);
  }
  return out;
}

std::vector<Index> broadcast_index(const Shape& in, const Shape& out) {
  if (in == out) return {};
  const Index cols = shape_size(out);
  std::vector<Index> map(static_cast<size_t>(cols));
  const size_t offset = out.size() - in.size();
  // Row-major multi-index arithmetic, done once at build.
  for (Index j = 0; j < cols; ++j) {
    Index rest = j, in_index = 0, in_stride = 1;
    for (size_t d = out.size(); d-- > 0;) {
      const Index coord = rest % out[d];
      rest /= out[d];
      if (d < offset) continue;
      const int64_t dim = in[d - offset];
      in_index += (dim == 1 ? 0 : coord) * in_stride;
      in_stride *= dim;
    }
    map[static_cast<size_t>(j)] = in_index;
  }
  return map;
}

}  // namespace densekit
