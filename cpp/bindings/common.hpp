// Conversions shared by the binding files: numpy arrays to densekit views and back.
#pragma once

#include <densekit/densekit.hpp>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#ifdef __GLIBCXX__
#include <cxxabi.h>
#endif
#include <optional>
#include <thread>

namespace densekit_py {

namespace py = pybind11;

// Python's finalization ends the threads still running (daemon threads): one that takes the GIL
// back then is ended with pthread_exit, which unwinds its stack. pybind11's GIL guards may not
// throw from their destructors, so that unwinding aborted the process ("terminate called without
// an active exception"). These guards let it through, and once it has started they leave Python
// alone while the stack unwinds. A thread that finds Python finalizing before it asks for the GIL
// waits for the process to end instead, as CPython 3.14 makes its own threads wait.
inline bool python_finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing();
#else
  return _Py_IsFinalizing();
#endif
}

inline thread_local bool t_python_ends_this_thread = false;

inline void wait_out_finalization() {
  if (!python_finalizing()) return;
  for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}

// Runs `take` (which takes the GIL); notes when Python ends the thread there instead.
template <class Take>
void take_gil_or_end(Take take) {
#ifdef __GLIBCXX__
  try {
    take();
  } catch (abi::__forced_unwind&) {
    t_python_ends_this_thread = true;
    throw;
  }
#else
  take();
#endif
}

// py::gil_scoped_release's work, for the lifetime of the object.
class GilRelease {
 public:
  GilRelease() {
    py::detail::get_internals();  // (as pybind11's guard: the internals exist before any thread asks)
    state_ = PyEval_SaveThread();
  }
  GilRelease(const GilRelease&) = delete;
  GilRelease& operator=(const GilRelease&) = delete;
  ~GilRelease() noexcept(false) {
    if (t_python_ends_this_thread) return;  // unwinding out of Python's end of this thread
    wait_out_finalization();
    take_gil_or_end([&] { PyEval_RestoreThread(state_); });
  }

 private:
  PyThreadState* state_ = nullptr;
};

// Python objects a binding made and holds across a GilRelease (the output arrays predict fills):
// when Python ends the thread as it takes the GIL back (GilRelease above), the stack unwinds
// without the GIL, and freeing them then raced finalization's garbage collection (a segfault at
// exit). Declared after them, this lets go of them without touching their reference counts in
// that case only: the process is ending.
class KeptAcrossRelease {
 public:
  explicit KeptAcrossRelease(py::object& object) : object_(&object) {}  // (no allocation: predict's fast path)
  KeptAcrossRelease(const KeptAcrossRelease&) = delete;
  KeptAcrossRelease& operator=(const KeptAcrossRelease&) = delete;
  ~KeptAcrossRelease() {
    if (t_python_ends_this_thread) object_->release();
  }

 private:
  py::object* object_;
};

// py::gil_scoped_acquire, for a hook C++ calls back.
class GilAcquire {
 public:
  GilAcquire() {
    wait_out_finalization();
    take_gil_or_end([&] { acquire_.emplace(); });
  }

 private:
  std::optional<py::gil_scoped_acquire> acquire_;
};

// Arrays C++ reads in place: C-contiguous and aligned. numpy can hand over float32 data one byte
// past a float's alignment (frombuffer at an offset, a field of a packed record), and C++ reading
// a float there is undefined behaviour (the sanitizer job reported it in Eigen's loops): the
// conversion copies such an array, as it copies one of another dtype or order.
constexpr int kAligned = py::detail::npy_api::NPY_ARRAY_ALIGNED_;
// float32: these map onto densekit views without a copy (Python converts first).
using FloatArray = py::array_t<float, py::array::c_style | kAligned>;
using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast | kAligned>;

// Rows are the first axis; everything after it is one sample.
inline densekit::ConstView view_of(const FloatArray& a) {
  const densekit::Index rows = a.ndim() == 0 ? 1 : a.shape(0);
  const densekit::Index cols = rows == 0 ? 0 : a.size() / rows;
  return {a.data(), rows, a.ndim() <= 1 ? 1 : cols};
}

// x as a view when it is already what a model with one input of `sample_shape` reads: a
// numpy.ndarray itself (not a subclass, whose indexing may differ), float32 in native byte order,
// C-contiguous, aligned, with at least one row of that shape. Otherwise nothing: Python converts
// it first. The shortcut of predict() and of calling a model: these tests cost a single-row
// prediction 1 µs or more in Python (docs/performance.md, "One-row predict(): the tests in C++").
inline std::optional<densekit::ConstView> ready_view(py::handle x, const densekit::Shape& sample_shape) {
  // numpy.ndarray, kept to the process's end (released, so no destructor runs after Python's)
  static PyObject* const ndarray = py::object(py::module_::import("numpy").attr("ndarray")).release().ptr();
  if (Py_TYPE(x.ptr()) != reinterpret_cast<PyTypeObject*>(ndarray) || !FloatArray::check_(x)) return std::nullopt;
  const auto a = py::reinterpret_borrow<py::array>(x);
  if (!(a.flags() & kAligned) || a.ndim() != py::ssize_t(sample_shape.size()) + 1 || a.shape(0) == 0)
    return std::nullopt;
  for (size_t d = 0; d < sample_shape.size(); ++d)
    if (a.shape(py::ssize_t(d) + 1) != sample_shape[d]) return std::nullopt;
  return view_of(py::reinterpret_borrow<FloatArray>(x));
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

// --- array functions in float32 (functions.cpp) and float64 (testing.cpp) ---------------------

template <class T>
using ArrayOf = py::array_t<T, py::array::c_style | py::array::forcecast | kAligned>;

// For a loop that takes over Ctrl-C: installs the SIGINT guard while the GIL is held, then acts
// on a SIGINT that Python's own handler caught just before. Without this check, that signal
// would wait unseen, as Python's pending flag, until the C++ loop ended (never, for a long fit).
inline void take_over_sigint(std::optional<densekit::SigintGuard>& guard, bool handle) {
  if (!handle) return;
  guard.emplace();
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}

inline std::vector<py::ssize_t> shape_of(const py::array& a) { return {a.shape(), a.shape() + a.ndim()}; }

// The activation along the last axis of x (a scalar is one value, a vector one row).
template <class T>
py::array_t<T> activation_forward(const densekit::Activation& act, ArrayOf<T> x) {
  const densekit::Index last = x.ndim() == 0 ? 1 : x.shape(x.ndim() - 1);
  const densekit::Index rows = last == 0 ? 0 : x.size() / last;
  auto shape = shape_of(x);
  if (!shape.empty()) shape.back() = act.output_cols(last);  // glu halves the last axis
  else act.output_cols(last);
  py::array_t<T> out(shape);
  GilRelease release;
  act.forward<T>(x.data(), out.mutable_data(), rows, last);
  return out;
}

// Losses see a sample per row of y_pred's last axis (a vector: one value per sample).
inline densekit::LossBatch loss_batch(const py::array& y_true, const py::array& y_pred) {
  return {y_true.size(), y_pred.size(), y_pred.ndim() <= 1 ? 1 : y_pred.shape(y_pred.ndim() - 1)};
}

template <class T>
py::array_t<T> loss_per_sample(const densekit::Loss& loss, ArrayOf<T> y_true, ArrayOf<T> y_pred) {
  const densekit::LossBatch batch = loss_batch(y_true, y_pred);
  py::array_t<T> out(batch.rows);
  loss.per_sample<T>(batch, y_true.data(), y_pred.data(), out.mutable_data());
  return out;
}

// (value, gradient with respect to y_pred)
template <class T>
py::tuple loss_value_and_grad(const densekit::Loss& loss, ArrayOf<T> y_true, ArrayOf<T> y_pred,
                              const std::optional<ArrayOf<T>>& sample_weight) {
  const densekit::LossBatch batch = loss_batch(y_true, y_pred);
  py::array_t<T> grad(shape_of(y_pred));
  const double value = loss.value_and_grad<T>(batch, y_true.data(), y_pred.data(),
                                              sample_weight ? sample_weight->data() : nullptr,
                                              sample_weight ? sample_weight->size() : 0, grad.mutable_data());
  return py::make_tuple(value, grad);
}

// Logs as Python's list of (name, value) pairs (model.cpp).
py::list logs_to_list(const densekit::Logs& logs);

void init_core(py::module_& m);  // the whole module (module.cpp): its functions, then each init_* below
void init_functions(py::module_& m);
void init_batch_stream(py::module_& m);
void init_layers(py::module_& m);
void init_model(py::module_& m);
void init_io(py::module_& m);
void init_distribution(py::module_& m);
void init_testing(py::module_& m);

}  // namespace densekit_py
