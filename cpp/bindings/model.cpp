// Graph, optimizer and model: the training loop runs here with the GIL released.
#include "common.hpp"

#include <optional>

namespace densekit_py {

using namespace densekit;

namespace {

Data make_data(const std::vector<FloatArray>& x, const std::vector<FloatArray>& y, const std::optional<FloatArray>& sw) {
  Data d;
  for (const auto& a : x) d.x.push_back(view_of(a));
  for (const auto& a : y) d.y.push_back(view_of(a));
  d.rows = d.x.empty() ? 0 : d.x[0].rows;
  if (sw) {
    if (sw->size() != d.rows)
      throw ValueError("`sample_weight` must have one value per sample: expected " + std::to_string(d.rows) +
                       " values, received " + std::to_string(sw->size()) + ".");
    d.sample_weight = sw->data();
  }
  return d;
}

py::list logs_to_list(const Logs& logs) {
  py::list out;
  for (const auto& [k, v] : logs) out.append(py::make_tuple(k, v));
  return out;
}

// A Python callable run from the C++ loop: takes the GIL for the call only.
template <class... Args>
std::function<bool(Args...)> stop_hook(py::object fn) {
  if (fn.is_none()) return nullptr;
  return [fn](Args... args) {
    py::gil_scoped_acquire gil;
    return fn(args...).template cast<bool>();
  };
}

std::function<bool(int, int64_t, const Logs&)> logs_hook(py::object fn) {
  if (fn.is_none()) return nullptr;
  return [fn](int epoch, int64_t batch, const Logs& logs) {
    py::gil_scoped_acquire gil;
    return fn(epoch, batch, logs_to_list(logs)).cast<bool>();
  };
}

BatchHook batch_hook(py::object fn) {
  if (fn.is_none()) return nullptr;
  return [fn](int64_t batch, const Logs& logs) {
    py::gil_scoped_acquire gil;
    fn(batch, logs_to_list(logs));
  };
}

}  // namespace

void init_model(py::module_& m) {
  py::class_<Graph, std::shared_ptr<Graph>>(m, "Graph")
      .def(py::init<>())
      .def("add_input", &Graph::add_input, py::arg("shape"), py::arg("name"))
      .def("add_layer", &Graph::add_layer, py::arg("layer"), py::arg("inputs"), py::arg("training") = py::none())
      .def("set_outputs", &Graph::set_outputs)
      .def("set_input_order", &Graph::set_input_order)
      .def("finalize", &Graph::finalize)
      .def("bind_layers", &Graph::bind_layers)
      .def_property_readonly("finalized", &Graph::finalized)
      .def("node_shape", [](const Graph& g, int node) { return g.shape(node); })
      .def_property_readonly("input_nodes", &Graph::input_nodes)
      .def_property_readonly("output_nodes", &Graph::output_nodes)
      .def_property_readonly("param_count", &Graph::param_count)
      .def_property_readonly("nodes", [](const Graph& g) {
        py::list out;  // (layer or None, input node ids, per-sample shape, name, training override or None)
        for (const Node& n : g.nodes())
          out.append(py::make_tuple(n.layer ? py::cast(n.layer) : py::none(), n.inputs, n.shape, n.name,
                                    n.training ? py::cast(*n.training) : py::none()));
        return out;
      })
      .def("weight_info", [](const Graph& g, const LayerPtr& layer) {
        py::list out;
        for (const auto* r : g.weights_of(layer.get()))
          out.append(py::make_tuple(r->spec.name, r->spec.shape, r->spec.trainable && layer->trainable, r->offset, r->spec.integer));
        return out;
      })
      .def("get_weight", [](const Graph& g, const LayerPtr& layer, size_t index) {
        const auto records = g.weights_of(layer.get());
        const WeightRecord& r = *records.at(index);
        py::array_t<float> out(std::vector<py::ssize_t>(r.spec.shape.begin(), r.spec.shape.end()));
        std::copy(g.params() + r.offset, g.params() + r.offset + r.size, out.mutable_data());
        return out;
      })
      .def("set_weight", [](Graph& g, const LayerPtr& layer, size_t index, FloatArray values) {
        g.set_weight(layer.get(), index, values.data(), Shape(values.shape(), values.shape() + values.ndim()));
      })
      .def("params", [](Graph& g) {
        return py::array_t<float>({g.param_count()}, {sizeof(float)}, g.params(), py::cast(g.shared_from_this()));
      });

  py::class_<OptimizerConfig>(m, "OptimizerConfig")
      .def_static("from_name", &OptimizerConfig::from_name)
      .def_static("names", &OptimizerConfig::names)
      .def_property_readonly("class_name", &OptimizerConfig::class_name)
      .def_readwrite("learning_rate", &OptimizerConfig::learning_rate)
      .def_readwrite("beta_1", &OptimizerConfig::beta_1)
      .def_readwrite("beta_2", &OptimizerConfig::beta_2)
      .def_readwrite("epsilon", &OptimizerConfig::epsilon)
      .def_readwrite("amsgrad", &OptimizerConfig::amsgrad)
      .def_readwrite("momentum", &OptimizerConfig::momentum)
      .def_readwrite("nesterov", &OptimizerConfig::nesterov)
      .def_readwrite("rho", &OptimizerConfig::rho)
      .def_readwrite("centered", &OptimizerConfig::centered)
      .def_readwrite("initial_accumulator_value", &OptimizerConfig::initial_accumulator_value)
      .def_readwrite("weight_decay", &OptimizerConfig::weight_decay)
      .def_readwrite("clipnorm", &OptimizerConfig::clipnorm)
      .def_readwrite("clipvalue", &OptimizerConfig::clipvalue)
      .def_readwrite("global_clipnorm", &OptimizerConfig::global_clipnorm)
      .def_readwrite("name", &OptimizerConfig::name)
      .def("validate", &OptimizerConfig::validate);

  py::class_<Optimizer, std::shared_ptr<Optimizer>>(m, "Optimizer")
      .def(py::init<OptimizerConfig>(), py::arg("config"))
      .def_property_readonly("config", &Optimizer::config)
      .def_property_readonly("built", &Optimizer::built)
      .def_property("iterations", &Optimizer::iterations, &Optimizer::set_iterations)
      .def_property("learning_rate", &Optimizer::learning_rate, &Optimizer::set_learning_rate)
      .def_property_readonly("variable_count", &Optimizer::variable_count);

  py::enum_<Model::Structure>(m, "Structure")
      .value("Tensor", Model::Structure::Tensor)
      .value("List", Model::Structure::List)
      .value("Dict", Model::Structure::Dict);

  py::class_<FitOptions>(m, "FitOptions")
      .def(py::init<>())
      .def_readwrite("batch_size", &FitOptions::batch_size)
      .def_readwrite("epochs", &FitOptions::epochs)
      .def_readwrite("initial_epoch", &FitOptions::initial_epoch)
      .def_readwrite("shuffle", &FitOptions::shuffle)
      .def_readwrite("validation_batch_size", &FitOptions::validation_batch_size)
      .def_readwrite("batch_hook_interval", &FitOptions::batch_hook_interval);

  using Arrays = std::vector<FloatArray>;
  using Weights = std::optional<FloatArray>;
  py::class_<Model, std::shared_ptr<Model>>(m, "Model")
      .def(py::init<std::shared_ptr<Graph>, uint64_t>(), py::arg("graph"), py::arg("seed"))
      .def_readwrite("output_names", &Model::output_names)
      .def_readwrite("name", &Model::name)
      .def_readwrite("class_name", &Model::class_name)
      .def_readwrite("input_structure", &Model::input_structure)
      .def_readwrite("output_structure", &Model::output_structure)
      .def_readwrite("input_keys", &Model::input_keys)
      .def_readwrite("output_keys", &Model::output_keys)
      .def_property_readonly("trainable_changed_since_compile", &Model::trainable_changed_since_compile)
      .def_property_readonly("graph", [](Model& self) { return &self.graph(); }, py::return_value_policy::reference_internal)
      .def_property_readonly("compiled", &Model::compiled)
      .def_property_readonly("optimizer", &Model::optimizer_ptr)
      .def("compile", [](Model& self, std::shared_ptr<Optimizer> opt, std::vector<Loss> losses, std::vector<double> weights,
                         std::vector<std::vector<MetricPtr>> metrics) {
             self.compile(std::move(opt), CompileOptions{std::move(losses), std::move(weights), std::move(metrics)});
           })
      .def("fit", [](Model& self, const Arrays& x, const Arrays& y, const Weights& sw, py::object validation,
                     const FitOptions& options, py::object epoch_begin, py::object batch_end, py::object epoch_end) {
             const Data train = make_data(x, y, sw);
             std::optional<Data> val;
             Arrays vx, vy;
             Weights vsw;
             if (!validation.is_none()) {
               auto t = validation.cast<py::tuple>();
               vx = t[0].cast<Arrays>(), vy = t[1].cast<Arrays>(), vsw = t[2].cast<Weights>();
               val = make_data(vx, vy, vsw);
             }
             FitHooks hooks{stop_hook<int>(epoch_begin), logs_hook(batch_end), nullptr};
             if (!epoch_end.is_none())
               hooks.epoch_end = [epoch_end](int epoch, const Logs& logs) {
                 py::gil_scoped_acquire gil;
                 return epoch_end(epoch, logs_to_list(logs)).cast<bool>();
               };
             py::gil_scoped_release release;
             self.fit(train, val ? &*val : nullptr, options, hooks);
           })
      .def("evaluate", [](Model& self, const Arrays& x, const Arrays& y, const Weights& sw, int64_t batch_size, py::object hook) {
             const Data d = make_data(x, y, sw);
             Logs logs;
             {
               py::gil_scoped_release release;
               logs = self.evaluate(d, batch_size, batch_hook(hook));
             }
             return logs_to_list(logs);
           })
      .def("predict", [](Model& self, const Arrays& x, int64_t batch_size, py::object hook) {
             std::vector<ConstView> views;
             for (const auto& a : x) views.push_back(view_of(a));
             const Index rows = views.empty() ? 0 : views[0].rows;
             py::list outs;
             std::vector<float*> ptrs;
             for (int node : self.graph().output_nodes()) {
               std::vector<py::ssize_t> shape{rows};
               for (int64_t d : self.graph().shape(node)) shape.push_back(d);
               py::array_t<float> a(shape);
               ptrs.push_back(a.mutable_data());
               outs.append(a);
             }
             {
               py::gil_scoped_release release;
               self.predict(views, rows, batch_size, ptrs, batch_hook(hook));
             }
             return outs;
           })
      .def("call", [](Model& self, const Arrays& x, bool training) {
             std::vector<ConstView> views;
             for (const auto& a : x) views.push_back(view_of(a));
             const Index rows = views.empty() ? 0 : views[0].rows;
             py::list outs;
             std::vector<float*> ptrs;
             for (int node : self.graph().output_nodes()) {
               std::vector<py::ssize_t> shape{rows};
               for (int64_t d : self.graph().shape(node)) shape.push_back(d);
               py::array_t<float> a(shape);
               ptrs.push_back(a.mutable_data());
               outs.append(a);
             }
             {
               py::gil_scoped_release release;
               self.call(views, rows, training, ptrs);
             }
             return outs;
           }, py::arg("x"), py::arg("training"))
      .def("train_on_batch", [](Model& self, const Arrays& x, const Arrays& y, const Weights& sw) {
        const Data d = make_data(x, y, sw);
        Logs logs;
        {
          py::gil_scoped_release release;
          logs = self.train_on_batch(d);
        }
        return logs_to_list(logs);
      })
      .def("test_on_batch", [](Model& self, const Arrays& x, const Arrays& y, const Weights& sw) {
        const Data d = make_data(x, y, sw);
        Logs logs;
        {
          py::gil_scoped_release release;
          logs = self.test_on_batch(d);
        }
        return logs_to_list(logs);
      })
      .def("compute_gradients", [](Model& self, const Arrays& x, const Arrays& y, const Weights& sw) {
        const std::vector<float> g = self.compute_gradients(make_data(x, y, sw));
        py::array_t<float> out(static_cast<py::ssize_t>(g.size()));
        std::copy(g.begin(), g.end(), out.mutable_data());
        return out;
      });

  m.def("class_weights_to_sample_weights", [](FloatArray y, std::vector<std::pair<int64_t, double>> weights) {
    const std::vector<float> w = class_weights_to_sample_weights(view_of(y), weights);
    py::array_t<float> out(static_cast<py::ssize_t>(w.size()));
    std::copy(w.begin(), w.end(), out.mutable_data());
    return out;
  });
}

}  // namespace densekit_py
