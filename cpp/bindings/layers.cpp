// Layers, initializers and regularizers.
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
      .def("__call__", [](const Regularizer& r, FloatArray w) { return r.penalty(w.data(), w.size()); });

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
      .def_property_readonly("name", &Layer::name)
      .def_property_readonly("class_name", &Layer::class_name)
      .def_property_readonly("built", &Layer::built)
      .def_property_readonly("is_identity_in_inference", &Layer::is_identity_in_inference)
      .def_readwrite("trainable", &Layer::trainable)
      .def_readwrite("activity_regularizer", &Layer::activity_regularizer)
      .def("weight_names", [](const Layer& l) {
        std::vector<std::string> names;
        for (const auto& s : l.weight_specs()) names.push_back(s.name);
        return names;
      });

  m.def("build_layer", [](const LayerPtr& layer, const std::vector<Shape>& shapes, const std::vector<std::string>& names) {
    return build_layer(layer_ref(layer), shapes, names);
  }, py::arg("layer"), py::arg("shapes"), py::arg("input_names"));

  py::class_<InputLayer, Layer, std::shared_ptr<InputLayer>>(m, "InputLayer")
      .def(py::init<std::string, Shape>(), py::arg("name"), py::arg("shape"))
      .def_property_readonly("shape", &InputLayer::shape);

  py::class_<Dense, Layer, std::shared_ptr<Dense>>(m, "Dense")
      .def(py::init([](std::string name, int64_t units, Activation activation, bool use_bias, Initializer kernel_init,
                       Initializer bias_init, Regularizer kernel_reg, Regularizer bias_reg, Constraint kernel_constraint,
                       Constraint bias_constraint) {
             return std::make_shared<Dense>(std::move(name), units,
                                            DenseOptions{activation, use_bias, kernel_init, bias_init, kernel_reg, bias_reg,
                                                         kernel_constraint, bias_constraint});
           }),
           py::arg("name"), py::arg("units"), py::arg("activation"), py::arg("use_bias"), py::arg("kernel_initializer"),
           py::arg("bias_initializer"), py::arg("kernel_regularizer"), py::arg("bias_regularizer"),
           py::arg("kernel_constraint") = Constraint{}, py::arg("bias_constraint") = Constraint{})
      .def_property_readonly("units", &Dense::units);

  py::class_<Dropout, Layer, std::shared_ptr<Dropout>>(m, "Dropout")
      .def(py::init<std::string, double>(), py::arg("name"), py::arg("rate"))
      .def_property_readonly("rate", &Dropout::rate)
      .def_readwrite("seed", &Dropout::seed);

  py::class_<Flatten, Layer, std::shared_ptr<Flatten>>(m, "Flatten").def(py::init<std::string>(), py::arg("name"));

  py::class_<ActivationLayer, Layer, std::shared_ptr<ActivationLayer>>(m, "ActivationLayer")
      .def(py::init<std::string, Activation, std::string, int>(), py::arg("name"), py::arg("activation"),
           py::arg("class_name") = "Activation", py::arg("axis") = -1);

  py::enum_<MergeOp>(m, "MergeOp")
      .value("Add", MergeOp::Add)
      .value("Subtract", MergeOp::Subtract)
      .value("Multiply", MergeOp::Multiply)
      .value("Average", MergeOp::Average)
      .value("Maximum", MergeOp::Maximum)
      .value("Minimum", MergeOp::Minimum);

  py::class_<Merge, Layer, std::shared_ptr<Merge>>(m, "Merge").def(py::init<std::string, MergeOp>(), py::arg("name"), py::arg("op"));

  py::class_<Concatenate, Layer, std::shared_ptr<Concatenate>>(m, "Concatenate")
      .def(py::init<std::string, int>(), py::arg("name"), py::arg("axis"));

  py::class_<Normalization, Layer, std::shared_ptr<Normalization>>(m, "Normalization")
      .def(py::init([](std::string name, std::vector<int> axis, bool invert, std::optional<std::vector<double>> mean,
                       std::optional<std::vector<double>> variance, Shape value_shape) {
             return std::make_shared<Normalization>(std::move(name), NormalizationOptions{axis, invert, mean, variance, value_shape});
           }),
           py::arg("name"), py::arg("axis"), py::arg("invert"), py::arg("mean"), py::arg("variance"), py::arg("value_shape"))
      .def_property_readonly("statistics_shape", &Normalization::statistics_shape)
      .def("adapt", [](Normalization& self, const std::vector<FloatArray>& batches) {
        std::vector<ConstView> views;
        for (const auto& b : batches) views.push_back(view_of(b));
        std::pair<std::vector<float>, std::vector<float>> stats;
        {
          py::gil_scoped_release release;
          stats = self.adapt(views);
        }
        return stats;
      }, py::arg("batches"));

  py::class_<BatchNormalization, Layer, std::shared_ptr<BatchNormalization>>(m, "BatchNormalization")
      .def(py::init([](std::string name, int axis, double momentum, double epsilon, bool center, bool scale, Initializer beta_init,
                       Initializer gamma_init, Initializer mean_init, Initializer variance_init, Regularizer beta_reg,
                       Regularizer gamma_reg, Constraint beta_constraint, Constraint gamma_constraint) {
             return std::make_shared<BatchNormalization>(
                 std::move(name), BatchNormalizationOptions{axis, momentum, epsilon, center, scale, beta_init, gamma_init, mean_init,
                                                            variance_init, beta_reg, gamma_reg, beta_constraint, gamma_constraint});
           }),
           py::arg("name"), py::arg("axis"), py::arg("momentum"), py::arg("epsilon"), py::arg("center"), py::arg("scale"),
           py::arg("beta_initializer"), py::arg("gamma_initializer"), py::arg("moving_mean_initializer"),
           py::arg("moving_variance_initializer"), py::arg("beta_regularizer"), py::arg("gamma_regularizer"),
           py::arg("beta_constraint") = Constraint{}, py::arg("gamma_constraint") = Constraint{});

  py::class_<LayerNormalization, Layer, std::shared_ptr<LayerNormalization>>(m, "LayerNormalization")
      .def(py::init([](std::string name, std::vector<int> axis, bool axis_is_list, double epsilon, bool center, bool scale,
                       Initializer beta_init, Initializer gamma_init, Regularizer beta_reg, Regularizer gamma_reg,
                       Constraint beta_constraint, Constraint gamma_constraint) {
             return std::make_shared<LayerNormalization>(
                 std::move(name), LayerNormalizationOptions{axis, axis_is_list, epsilon, center, scale, beta_init, gamma_init, beta_reg,
                                                            gamma_reg, beta_constraint, gamma_constraint});
           }),
           py::arg("name"), py::arg("axis"), py::arg("axis_is_list"), py::arg("epsilon"), py::arg("center"), py::arg("scale"),
           py::arg("beta_initializer"), py::arg("gamma_initializer"), py::arg("beta_regularizer"), py::arg("gamma_regularizer"),
           py::arg("beta_constraint") = Constraint{}, py::arg("gamma_constraint") = Constraint{});

  py::class_<GaussianNoise, Layer, std::shared_ptr<GaussianNoise>>(m, "GaussianNoise")
      .def(py::init<std::string, double>(), py::arg("name"), py::arg("stddev"))
      .def_readwrite("seed", &GaussianNoise::seed);

  py::class_<GaussianDropout, Layer, std::shared_ptr<GaussianDropout>>(m, "GaussianDropout")
      .def(py::init<std::string, double>(), py::arg("name"), py::arg("rate"))
      .def_readwrite("seed", &GaussianDropout::seed);

  py::class_<Rescaling, Layer, std::shared_ptr<Rescaling>>(m, "Rescaling")
      .def(py::init<std::string, double, double>(), py::arg("name"), py::arg("scale"), py::arg("offset"));

  py::class_<Reshape, Layer, std::shared_ptr<Reshape>>(m, "Reshape")
      .def(py::init<std::string, Shape>(), py::arg("name"), py::arg("target_shape"));

  py::class_<PReLU, Layer, std::shared_ptr<PReLU>>(m, "PReLU")
      .def(py::init([](std::string name, Initializer init, Regularizer reg, Constraint constraint,
                       std::optional<std::vector<int>> shared_axes) {
             return std::make_shared<PReLU>(std::move(name), PReLUOptions{init, reg, constraint, shared_axes.value_or(std::vector<int>{}),
                                                                          shared_axes.has_value()});
           }),
           py::arg("name"), py::arg("alpha_initializer"), py::arg("alpha_regularizer"), py::arg("alpha_constraint"),
           py::arg("shared_axes"));
}

}  // namespace densekit_py
