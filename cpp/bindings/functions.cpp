// Activations, losses and metrics as objects and as array functions.
#include "common.hpp"

namespace densekit_py {

using namespace densekit;

namespace {

template <class T>
py::array_t<T> apply_activation(const Activation& act, py::array_t<T, py::array::c_style | py::array::forcecast> x) {
  py::array_t<T> out(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()));
  const Index last = x.ndim() == 0 ? 1 : x.shape(x.ndim() - 1);
  const Index rows = last == 0 ? 0 : x.size() / last;
  {
    py::gil_scoped_release release;
    act.forward<T>(x.data(), out.mutable_data(), rows, last);
  }
  return out;
}

py::array_t<double> activation_backward_f64(const Activation& act, DoubleArray z, DoubleArray a, DoubleArray da) {
  py::array_t<double> dz(std::vector<py::ssize_t>(z.shape(), z.shape() + z.ndim()));
  const Index last = z.ndim() == 0 ? 1 : z.shape(z.ndim() - 1);
  act.backward<double>(z.data(), a.data(), da.data(), dz.mutable_data(), z.size() / last, last);
  return dz;
}

// Losses work on (rows, last axis) matrices.
struct Pair {
  Index rows, tcols, pcols;
};

template <class T>
Pair loss_shapes(const py::array_t<T, py::array::c_style | py::array::forcecast>& y, const py::array_t<T, py::array::c_style | py::array::forcecast>& p) {
  const Index pcols = p.ndim() <= 1 ? 1 : p.shape(p.ndim() - 1);
  const Index rows = pcols == 0 ? 0 : p.size() / pcols;
  const Index tcols = rows == 0 ? 0 : y.size() / rows;
  if (rows * tcols != y.size())
    throw ValueError("Arguments `target` and `output` must have the same number of samples. Received: target.size=" +
                     std::to_string(y.size()) + ", output rows=" + std::to_string(rows));
  return {rows, tcols, pcols};
}

template <class T>
py::array_t<T> loss_per_sample(const Loss& loss, py::array_t<T, py::array::c_style | py::array::forcecast> y,
                               py::array_t<T, py::array::c_style | py::array::forcecast> p) {
  const Pair s = loss_shapes<T>(y, p);
  const Loss resolved = loss.resolved(s.tcols, s.pcols);
  py::array_t<T> out(s.rows);
  resolved.per_sample<T>(y.data(), s.tcols, p.data(), s.pcols, s.rows, out.mutable_data());
  return out;
}

template <class T>
py::tuple loss_value_and_grad(const Loss& loss, py::array_t<T, py::array::c_style | py::array::forcecast> y,
                              py::array_t<T, py::array::c_style | py::array::forcecast> p, py::object sample_weight) {
  const Pair s = loss_shapes<T>(y, p);
  const Loss resolved = loss.resolved(s.tcols, s.pcols);
  py::array_t<T> grad(std::vector<py::ssize_t>(p.shape(), p.shape() + p.ndim()));
  py::array_t<T, py::array::c_style | py::array::forcecast> w;
  const T* wp = nullptr;
  if (!sample_weight.is_none()) {
    w = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(sample_weight);
    if (!w || w.size() != s.rows)
      throw ValueError("`sample_weight` must have one value per sample (" + std::to_string(s.rows) + ").");
    wp = w.data();
  }
  const double v = resolved.value_and_grad<T>(y.data(), s.tcols, p.data(), s.pcols, s.rows, wp, double(s.rows), grad.mutable_data());
  return py::make_tuple(v, grad);
}

}  // namespace

void init_functions(py::module_& m) {
  py::class_<Activation>(m, "Activation")
      .def(py::init<>())
      .def_static("from_name", &Activation::from_name)
      .def_static("names", &Activation::names)
      .def_property_readonly("name", &Activation::name)
      .def_readwrite("negative_slope", &Activation::negative_slope)
      .def_readwrite("max_value", &Activation::max_value)
      .def_readwrite("threshold", &Activation::threshold)
      .def_readwrite("alpha", &Activation::alpha)
      .def_readwrite("approximate", &Activation::approximate)
      .def("__call__", &apply_activation<float>, py::arg("x"))
      .def("forward_f64", &apply_activation<double>, py::arg("x"))
      .def("backward_f64", &activation_backward_f64, py::arg("z"), py::arg("a"), py::arg("da"));

  py::class_<Loss>(m, "Loss")
      .def(py::init<>())
      .def_static("from_name", &Loss::from_name)
      .def_static("names", &Loss::names)
      .def_static("reduction_from_name", &Loss::reduction_from_name)
      .def_property_readonly("name", &Loss::name)
      .def_readwrite("from_logits", &Loss::from_logits)
      .def_readwrite("label_smoothing", &Loss::label_smoothing)
      .def_readwrite("delta", &Loss::delta)
      .def_readwrite("reduction", &Loss::reduction)
      .def_readwrite("identifier", &Loss::identifier)
      .def_readwrite("display_name", &Loss::display_name)
      .def("per_sample", &loss_per_sample<float>, py::arg("y_true"), py::arg("y_pred"))
      .def("value_and_grad", &loss_value_and_grad<float>, py::arg("y_true"), py::arg("y_pred"), py::arg("sample_weight") = py::none())
      .def("per_sample_f64", &loss_per_sample<double>, py::arg("y_true"), py::arg("y_pred"))
      .def("value_and_grad_f64", &loss_value_and_grad<double>, py::arg("y_true"), py::arg("y_pred"),
           py::arg("sample_weight") = py::none());

  py::enum_<Reduction>(m, "Reduction")
      .value("SumOverBatchSize", Reduction::SumOverBatchSize)
      .value("Sum", Reduction::Sum)
      .value("MeanWithSampleWeight", Reduction::MeanWithSampleWeight)
      .value("None_", Reduction::None);

  py::class_<Metric, std::shared_ptr<Metric>>(m, "Metric")
      .def_static("from_name", &Metric::from_name)
      .def_static("names", &Metric::names)
      .def_property("name", &Metric::name, &Metric::set_name)
      .def_property_readonly("higher_is_better", &Metric::higher_is_better)
      .def_readwrite("threshold", &Metric::threshold)
      .def_readwrite("k", &Metric::k)
      .def_readwrite("num_thresholds", &Metric::num_thresholds)
      .def_readwrite("from_logits", &Metric::from_logits)
      .def_readwrite("identifier", &Metric::identifier)
      .def("resolved", &Metric::resolved)
      .def("reset", &Metric::reset)
      .def("update", [](Metric& self, FloatArray y, FloatArray p, py::object sample_weight) {
             const ConstView pv = view_of(p);
             const Index last = p.ndim() <= 1 ? 1 : p.shape(p.ndim() - 1);
             const ConstView pm{pv.data, pv.rows * pv.cols / last, last};
             const ConstView ym{y.data(), pm.rows, pm.rows ? y.size() / pm.rows : 0};
             FloatArray w;
             if (!sample_weight.is_none()) w = FloatArray::ensure(sample_weight);
             self.update(ym, pm, sample_weight.is_none() ? nullptr : w.data());
           }, py::arg("y_true"), py::arg("y_pred"), py::arg("sample_weight") = py::none())
      .def("result", &Metric::result);
}

}  // namespace densekit_py
