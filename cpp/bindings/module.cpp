// densekit._core: the C++ core seen from Python. Thin by design: conversion only.
#include "common.hpp"

#include <cstring>

namespace densekit_py {

namespace {

// Messages may quote bytes from a corrupt file: invalid UTF-8 becomes U+FFFD, never a second error.
void set_error(PyObject* type, const char* message) {
  PyObject* text = PyUnicode_DecodeUTF8(message, static_cast<Py_ssize_t>(std::strlen(message)), "replace");
  PyErr_SetObject(type, text);
  Py_XDECREF(text);
}

}  // namespace

// The module's contents; entry_point.cpp names the module (one name per instruction set).
void init_core(py::module_& m) {
  m.doc() = "densekit's C++ core";
  m.attr("__version__") = densekit::version();

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const densekit::Interrupted&) {
      PyErr_SetNone(PyExc_KeyboardInterrupt);
    } catch (const densekit::ValueError& e) {
      set_error(PyExc_ValueError, e.what());
    } catch (const densekit::TypeError& e) {
      set_error(PyExc_TypeError, e.what());
    } catch (const densekit::IOError& e) {
      set_error(PyExc_OSError, e.what());
    } catch (const densekit::Error& e) {
      set_error(PyExc_RuntimeError, e.what());
    }
  });

  m.def("set_random_seed", &densekit::set_random_seed, py::arg("seed"));
  m.def("draw_seed", &densekit::draw_seed);
  m.def("set_num_threads", &densekit::set_num_threads, py::arg("n"));
  m.def("num_threads", &densekit::num_threads);
  py::class_<densekit::Limits>(m, "Limits")
      .def(py::init<>())
      .def_readwrite("max_parameters", &densekit::Limits::max_parameters)
      .def_readwrite("max_values_per_sample", &densekit::Limits::max_values_per_sample)
      .def_readwrite("max_layers", &densekit::Limits::max_layers);
  m.def("limits", &densekit::limits);
  m.def("set_limits", &densekit::set_limits, py::arg("limits"));
  m.def("to_snake_case", &densekit::to_snake_case);
  m.def("uniquify", &densekit::uniquify);
  m.def("auto_name", &densekit::auto_name);
  m.def("reset_names", &densekit::reset_names);

  init_functions(m);
  init_layers(m);
  init_model(m);
  init_io(m);
  init_distribution(m);
  init_batch_stream(m);
  init_testing(m);  // the submodule _testing
}

}  // namespace densekit_py
