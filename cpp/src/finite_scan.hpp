// Whether an array holds only finite values: the scan fit, evaluate and predict run over all
// their data before the first batch.
#pragma once

#include <densekit/tensor.hpp>

namespace densekit {

// True when every one of data[0, n) is finite. Large arrays are scanned on the pool's threads.
bool all_finite(const float* data, Index n);

}  // namespace densekit
