// The activations that see a row whole (softmax, log_softmax, sparsemax, glu); activations.cpp
// dispatches to them.
#pragma once

#include <densekit/activations.hpp>

namespace densekit {

template <class T>
void row_wise_forward(const Activation& act, const T* z, T* a, Index rows, Index cols);
template <class T>
void row_wise_backward(const Activation& act, const T* z, const T* a, const T* da, T* dz, Index rows, Index cols);

}  // namespace densekit
