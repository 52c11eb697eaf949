// Layers (built from their configs: layer_from_config_json), initializers, regularizers and
// constraints.
#include "common.hpp"

#include <optional>

namespace densekit_py {

using namespace densekit;

void init_layers(py::module_& m) {
  py::class_<Initializer>(m, "Initializer")
      .def(py::init<>())
      .def_static("from_name", &Initializer::from_name, py::arg("name"), py::arg("seed") = py::none())
      .def_static("names", &Initializer::names)
      .def_property_readonly("class_name", &Initializer::class_name)
      .def_readwrite("value", &Initializer::value)
      .def_readwrite("mean", &Initializer::mean)
      .def_readwrite("stddev", &Initializer::stddev)
      .def_readwrite("minval", &Initializer::minval)
      .def_readwrite("maxval", &Initializer::maxval)
      .def_readwrite("scale", &Initializer::scale)
      .def_readwrite("mode", &Initializer::mode)
      .def_readwrite("distribution", &Initializer::distribution)
      .def_readwrite("gain", &Initializer::gain)
      .def_readwrite("seed", &Initializer::seed)
      .def("__call__", [](const Initializer& init, std::vector<int64_t> shape) {
             py::array_t<float> out(std::vector<py::ssize_t>(shape.begin(), shape.end()));
             init.fill(out.mutable_data(), shape);
             return out;
           }, py::arg("shape"));

  py::class_<Regularizer>(m, "Regularizer")
      .def(py::init([](double l1, double l2) { return Regularizer{l1, l2}; }), py::arg("l1") = 0.0, py::arg("l2") = 0.0)
      .def_readwrite("l1", &Regularizer::l1)
      .def_readwrite("l2", &Regularizer::l2)
      .def("__call__", [](const Regularizer& r, FloatArray w) { return r.penalty(w.data(), w.size()); })
      .def_static("python", [](std::string name, std::string config) {
             Regularizer r;
             r.traced = std::make_shared<TracedRegularizer>(std::move(name), std::move(config));
             return r;
           }, py::arg("name"), py::arg("config_json"))
      .def_property_readonly("pending", [](const Regularizer& r) { return r.traced && !r.traced->traced(); })
      .def("set_traced", [](const Regularizer& r, std::shared_ptr<Model> function) {
             if (!r.traced) throw ValueError("Only a regularizer written in Python is traced.");
             r.traced->set_function(std::move(function));
           }, py::arg("function"));

  py::enum_<ConstraintKind>(m, "ConstraintKind")
      .value("None_", ConstraintKind::None)
      .value("MaxNorm", ConstraintKind::MaxNorm)
      .value("NonNeg", ConstraintKind::NonNeg)
      .value("UnitNorm", ConstraintKind::UnitNorm)
      .value("MinMaxNorm", ConstraintKind::MinMaxNorm);

  py::class_<Constraint>(m, "Constraint")
      .def(py::init([](ConstraintKind kind) {
             Constraint c;
             c.kind = kind;
             return c;
           }), py::arg("kind") = ConstraintKind::None)
      .def_readwrite("kind", &Constraint::kind)
      .def_readwrite("max_value", &Constraint::max_value)
      .def_readwrite("min_value", &Constraint::min_value)
      .def_readwrite("rate", &Constraint::rate)
      .def_readwrite("axis", &Constraint::axis)
      .def("__call__", [](const Constraint& c, FloatArray w) {
             const Shape shape(w.shape(), w.shape() + w.ndim());
             c.check(shape, "w");
             py::array_t<float> out(std::vector<py::ssize_t>(w.shape(), w.shape() + w.ndim()));
             std::copy(w.data(), w.data() + w.size(), out.mutable_data());
             std::vector<double> scratch;
             c.apply(out.mutable_data(), shape, scratch);
             return out;
           }, py::arg("w"));

  py::class_<Layer, LayerPtr>(m, "Layer")
      .def("set_initial_values", [](Layer& layer, FloatArray values) {
             auto* op = dynamic_cast<WeightOp*>(&layer);
             if (!op) throw ValueError("Layer '" + layer.name() + "' is not a WeightOp.");
             op->set_initial_values(std::vector<float>(values.data(), values.data() + values.size()));
           }, py::arg("values"))
      .def_property_readonly("name", &Layer::name)
      .def_property_readonly("class_name", &Layer::class_name)
      .def_property_readonly("built", &Layer::built)
      .def_property_readonly("is_identity_in_inference", &Layer::is_identity_in_inference)
      .def_readwrite("trainable", &Layer::trainable)
      .def_readwrite("activity_regularizer", &Layer::activity_regularizer)
      .def("weight_regularizer", [](const Layer& l, size_t index) {
             const auto specs = l.weight_specs();
             if (index >= specs.size()) throw py::index_error("Layer '" + l.name() + "' has no weight " + std::to_string(index) + ".");
             return specs[index].regularizer;
           }, py::arg("index"))
      .def("weight_names", [](const Layer& l) {
        std::vector<std::string> names;
        for (const auto& s : l.weight_specs()) names.push_back(s.name);
        return names;
      });

  m.def("build_layer", [](const LayerPtr& layer, const std::vector<Shape>& shapes, const std::vector<std::string>& names) {
    return build_layer(layer_ref(layer), shapes, names);
  }, py::arg("layer"), py::arg("shapes"), py::arg("input_names"));

  py::class_<Normalization, Layer, std::shared_ptr<Normalization>>(m, "Normalization")
      .def_property_readonly("statistics_shape", &Normalization::statistics_shape)
      .def("adapt", [](Normalization& self, const std::vector<FloatArray>& batches) {
        std::vector<ConstView> views;
        for (const auto& b : batches) views.push_back(view_of(b));
        std::pair<std::vector<float>, std::vector<float>> stats;
        {
          GilRelease release;
          stats = self.adapt(views);
        }
        return stats;
      }, py::arg("batches"));
}

}  // namespace densekit_py
