// Activations, losses and metrics as objects and as array functions.
#include "common.hpp"

namespace densekit_py {

using namespace densekit;

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
      .def_readwrite("b", &Activation::b)
      .def_readwrite("default_value", &Activation::default_value)
      .def("output_cols", &Activation::output_cols, py::arg("cols"))
      .def("__call__", &activation_forward<float>, py::arg("x"));

  py::class_<Loss>(m, "Loss")
      .def(py::init<>())
      .def_static("from_name", &Loss::from_name)
      .def_static("names", &Loss::names)
      .def_static("reduction_from_name", &Loss::reduction_from_name)
      .def_property_readonly("name", &Loss::name)
      .def_readwrite("from_logits", &Loss::from_logits)
      .def_readwrite("label_smoothing", &Loss::label_smoothing)
      .def_readwrite("delta", &Loss::delta)
      .def_readwrite("gamma", &Loss::gamma)
      .def_readwrite("alpha", &Loss::alpha)
      .def_readwrite("apply_class_balancing", &Loss::apply_class_balancing)
      .def("validate", &Loss::validate)
      .def_readwrite("reduction", &Loss::reduction)
      .def_readwrite("identifier", &Loss::identifier)
      .def_readwrite("display_name", &Loss::display_name)
      .def_static("traced", [](std::shared_ptr<Model> function, std::string name, std::string config) {
             Loss l;
             l.traced = std::make_shared<TracedLossFunction>(std::move(function), name, std::move(config));
             l.display_name = std::move(name);
             return l;
           }, py::arg("function"), py::arg("name"), py::arg("config"))
      .def_property_readonly("is_traced", [](const Loss& l) { return l.traced != nullptr; })
      .def_static("from_config_json", &loss_from_config_json, py::arg("json"))
      .def("per_sample", &loss_per_sample<float>, py::arg("y_true"), py::arg("y_pred"))
      .def("value_and_grad", &loss_value_and_grad<float>, py::arg("y_true"), py::arg("y_pred"),
           py::arg("sample_weight") = py::none());

  py::enum_<Reduction>(m, "Reduction")
      .value("SumOverBatchSize", Reduction::SumOverBatchSize)
      .value("Sum", Reduction::Sum)
      .value("MeanWithSampleWeight", Reduction::MeanWithSampleWeight)
      .value("None_", Reduction::None);

  py::class_<Metric, std::shared_ptr<Metric>>(m, "Metric")
      .def_static("from_name", &Metric::from_name)
      .def_static("names", &Metric::names)
      .def_static("traced", [](std::shared_ptr<Model> function, const std::string& name, std::string config) {
             auto metric = std::make_shared<Metric>(MetricKind::LossFunction, name);
             metric->loss.traced = std::make_shared<TracedLossFunction>(std::move(function), name, std::move(config));
             return metric;
           }, py::arg("function"), py::arg("name"), py::arg("config"))
      .def_static("from_config_json", &metric_from_config_json, py::arg("json"))
      .def_property("name", &Metric::name, &Metric::set_name)
      .def_property_readonly("higher_is_better", &Metric::higher_is_better)
      .def_property_readonly("has_direction", &Metric::has_direction)
      .def_readwrite("threshold", &Metric::threshold)
      .def_readwrite("k", &Metric::k)
      .def_readwrite("num_thresholds", &Metric::num_thresholds)
      .def_readwrite("from_logits", &Metric::from_logits)
      .def_readwrite("loss", &Metric::loss)
      .def_readwrite("thresholds", &Metric::thresholds)
      .def_readwrite("curve", &Metric::curve)
      .def_readwrite("summation_method", &Metric::summation_method)
      .def_readwrite("multi_label", &Metric::multi_label)
      .def_readwrite("num_labels", &Metric::num_labels)
      .def_readwrite("value", &Metric::value)
      .def_readwrite("class_id", &Metric::class_id)
      .def_readwrite("class_aggregation", &Metric::class_aggregation)
      .def_readwrite("num_regressors", &Metric::num_regressors)
      .def_readwrite("average", &Metric::average)
      .def_readwrite("beta", &Metric::beta)
      .def_readwrite("top_only", &Metric::top_only)
      .def_property_readonly("array_valued", &Metric::array_valued)
      .def("results", &Metric::results)
      .def("build", &Metric::build)
      .def_readwrite("identifier", &Metric::identifier)
      .def_readwrite("function_name", &Metric::function_name)
      .def("resolved", &Metric::resolved)
      .def("reset", &Metric::reset)
      .def("update", [](Metric& self, FloatArray y, FloatArray p, const std::optional<ArrayOf<float>>& sample_weight) {
             self.update(loss_batch(y, p), y.data(), p.data(), sample_weight ? sample_weight->data() : nullptr,
                         sample_weight ? sample_weight->size() : 0);
           }, py::arg("y_true"), py::arg("y_pred"), py::arg("sample_weight") = py::none())
      .def("result", &Metric::result)
      .def("sample_values", [](Metric& self, FloatArray y, FloatArray p) {
             const LossBatch batch = loss_batch(y, p);
             const Index cols = self.sample_value_cols(batch.y_pred_cols);
             py::array_t<float> out({py::ssize_t(batch.rows), py::ssize_t(cols)});
             self.sample_values(ConstView(y.data(), batch.rows, batch.y_true_cols),
                                ConstView(p.data(), batch.rows, batch.y_pred_cols), out.mutable_data());
             return out;
           }, py::arg("y_true"), py::arg("y_pred"));
}

}  // namespace densekit_py
