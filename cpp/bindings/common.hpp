// Conversions shared by the binding files: numpy arrays to densekit views and back.
#pragma once

#include <densekit/densekit.hpp>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace densekit_py {

namespace py = pybind11;

// float32, C-contiguous: these map onto densekit views without a copy (Python converts first).
using FloatArray = py::array_t<float, py::array::c_style>;
using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

// Rows are the first axis; everything after it is one sample.
inline densekit::ConstView view_of(const FloatArray& a) {
  const densekit::Index rows = a.ndim() == 0 ? 1 : a.shape(0);
  const densekit::Index cols = rows == 0 ? 0 : a.size() / rows;
  return {a.data(), rows, a.ndim() <= 1 ? 1 : cols};
}

// A C++ layer argument: pybind11 passes None as a null pointer, which no C++ function accepts.
inline densekit::Layer& layer_ref(const densekit::LayerPtr& layer) {
  if (!layer) throw py::type_error("Expected a densekit C++ layer; received None (a layer without a C++ implementation).");
  return *layer;
}

template <class T>
py::array_t<T> new_array(const std::vector<py::ssize_t>& shape) {
  return py::array_t<T>(shape);
}

void init_functions(py::module_& m);
void init_layers(py::module_& m);
void init_model(py::module_& m);
void init_io(py::module_& m);

}  // namespace densekit_py
