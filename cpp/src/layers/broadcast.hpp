// Keras's broadcasting of two per-sample shapes (keras/src/layers/merging/base_merge.py's
// _compute_elemwise_op_output_shape): right-aligned, a dimension of 1 broadcasts. Used by the
// merge layers and the binary ops.
#pragma once

#include <densekit/tensor.hpp>

#include <string>
#include <vector>

namespace densekit {

// The broadcast shape of a and b; ValueError naming both when they are incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b);

// For each element of `out` (row-major), the element of `in` it reads when `in` broadcasts to
// `out`; empty when the shapes are equal (element j reads element j).
std::vector<Index> broadcast_index(const Shape& in, const Shape& out);

}  // namespace densekit
