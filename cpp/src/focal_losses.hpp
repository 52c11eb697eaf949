// The focal cross-entropies (keras/src/losses/losses.py, binary_focal_crossentropy and
// categorical_focal_crossentropy; Lin et al., 2018): losses.cpp computes each row with them.
#pragma once

#include <densekit/losses.hpp>

namespace densekit {

// The loss of one row of `cols` predictions p against targets y and, when g is non-null, its
// gradient with respect to p (to the logits when loss.from_logits).
template <class T>
T binary_focal_row(const Loss& loss, const T* y, const T* p, Index cols, T* g);
template <class T>
T categorical_focal_row(const Loss& loss, const T* y, const T* p, Index cols, T* g);

}  // namespace densekit
