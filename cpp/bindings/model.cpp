// Graph, optimizer and model: the training loop runs here with the GIL released.
#include "common.hpp"

#include <densekit/serialization.hpp>

#include <map>
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
    d.sample_weight_cols = sample_weight_cols_for(static_cast<Index>(sw->size()), view_of(*sw).rows, d.rows);
    d.sample_weight = sw->data();
  }
  return d;
}

// One compile() argument as Python describes it: (form, values, keys) with form "absent", "one",
// "list" or "dict" (trainers/compile_utils.py).
template <class T>
PerOutputArg<T> per_output_arg(const py::tuple& given) {
  using Form = typename PerOutputArg<T>::Form;
  static const std::map<std::string, Form> forms = {
      {"absent", Form::Absent}, {"one", Form::One}, {"list", Form::List}, {"dict", Form::Dict}};
  PerOutputArg<T> arg;
  const auto form = forms.find(given[0].cast<std::string>());
  if (form == forms.end()) throw ValueError("compile(): unknown argument form " + given[0].cast<std::string>());
  arg.form = form->second;
  arg.values = given[1].cast<std::vector<T>>();
  arg.keys = given[2].cast<std::vector<std::string>>();
  if (arg.form == Form::One && arg.values.size() != 1) throw ValueError("compile(): a single argument needs one value.");
  if (arg.form == Form::Dict && arg.keys.size() != arg.values.size()) throw ValueError("compile(): a dict needs a key per value.");
  return arg;
}

CompileArgs compile_args(const py::tuple& loss, const py::tuple& loss_weights, const py::tuple& metrics,
                         const py::tuple& weighted_metrics) {
  CompileArgs args;
  args.loss = per_output_arg<std::optional<Loss>>(loss);
  args.loss_weights = per_output_arg<double>(loss_weights);
  args.metrics = per_output_arg<std::vector<MetricPtr>>(metrics);
  args.weighted_metrics = per_output_arg<std::vector<MetricPtr>>(weighted_metrics);
  return args;
}

// Python callables run from the C++ loop: each takes the GIL for the call only. A None leaves
// the hook unset (the loop then never calls back for it).
bool is_set(const py::object& fn) { return !fn.is_none(); }

std::function<void()> void_hook(py::object fn) {
  if (!is_set(fn)) return nullptr;
  return [fn] {
    GilAcquire gil;
    fn();
  };
}

template <class... Args>
std::function<bool(Args...)> stop_hook(py::object fn) {
  if (!is_set(fn)) return nullptr;
  return [fn](Args... args) {
    GilAcquire gil;
    return fn(args...).template cast<bool>();
  };
}

template <class... Args>
std::function<bool(Args..., const Logs&)> logs_stop_hook(py::object fn) {
  if (!is_set(fn)) return nullptr;
  return [fn](Args... args, const Logs& logs) {
    GilAcquire gil;
    return fn(args..., logs_to_list(logs)).template cast<bool>();
  };
}

std::function<void(const Logs&)> logs_hook(py::object fn) {
  if (!is_set(fn)) return nullptr;
  return [fn](const Logs& logs) {
    GilAcquire gil;
    fn(logs_to_list(logs));
  };
}

}  // namespace

// A metric's array (logged by the training loop as "key\x1f0", "key\x1f1", ...) becomes one
// float32 NumPy array under "key", as Keras's logs hold it; every other value a float.
py::list logs_to_list(const Logs& logs) {
  py::list out;
  for (size_t i = 0; i < logs.size();) {
    const std::string& key = logs[i].first;
    const size_t mark = key.find('\x1f');
    if (mark == std::string::npos) {
      out.append(py::make_tuple(key, logs[i++].second));
      continue;
    }
    const std::string base = key.substr(0, mark);
    std::vector<float> values;
    for (; i < logs.size() && logs[i].first.compare(0, mark + 1, base + '\x1f') == 0; ++i)
      values.push_back(static_cast<float>(logs[i].second));
    out.append(py::make_tuple(base, py::array_t<float>(py::ssize_t(values.size()), values.data())));
  }
  return out;
}

void init_model(py::module_& m) {
  py::class_<Graph, std::shared_ptr<Graph>>(m, "Graph")
      .def(py::init<>())
      .def("add_input", &Graph::add_input, py::arg("shape"), py::arg("name"), py::arg("dtype") = "float32")
      .def("add_layer", &Graph::add_layer, py::arg("layer"), py::arg("inputs"), py::arg("training") = py::none(),
           py::arg("training_fixed") = false)
      .def_property_readonly("has_training_defaults", &Graph::has_training_defaults)
      .def("set_outputs", &Graph::set_outputs)
      .def("set_input_order", &Graph::set_input_order)
      .def("finalize", &Graph::finalize)
      .def_property_readonly("finalized", &Graph::finalized)
      .def("node_shape", [](const Graph& g, int node) { return g.shape(node); })
      .def("node_dtype", [](const Graph& g, int node) { return g.nodes().at(static_cast<size_t>(node)).dtype; })
      .def_property_readonly("input_nodes", &Graph::input_nodes)
      .def_property_readonly("output_nodes", &Graph::output_nodes)
      .def_property_readonly("has_added_losses", &Graph::has_added_losses)
      .def_property_readonly("param_count", &Graph::param_count)
      .def_property_readonly("nodes", [](const Graph& g) {
        // (layer or None, input node ids, per-sample shape, name, training flag or None, whether it is fixed)
        py::list out;
        for (const Node& n : g.nodes())
          out.append(py::make_tuple(n.layer ? py::cast(n.layer) : py::none(), n.inputs, n.shape, n.name,
                                    n.training ? py::cast(*n.training) : py::none(), n.training_fixed));
        return out;
      })
      .def("weight_info", [](const Graph& g, const LayerPtr& layer) {
        layer_ref(layer);
        py::list out;
        for (const auto* r : g.weights_of(layer.get()))
          out.append(py::make_tuple(r->spec.name, r->spec.shape, r->spec.trainable && layer->trainable, r->offset, r->spec.integer));
        return out;
      })
      // Both wait for a computation on another thread, whose callbacks may need the GIL.
      .def("get_weight", [](const Graph& g, const LayerPtr& layer, size_t index) {
        const Layer& l = layer_ref(layer);
        std::vector<float> values;
        {
          GilRelease release;
          values = g.get_weight(&l, index);
        }
        const Shape& shape = g.weight_of(&l, index).spec.shape;
        py::array_t<float> out(std::vector<py::ssize_t>(shape.begin(), shape.end()));
        std::copy(values.begin(), values.end(), out.mutable_data());
        return out;
      })
      .def("set_weight", [](Graph& g, const LayerPtr& layer, size_t index, FloatArray values) {
        const Layer& l = layer_ref(layer);
        const Shape shape(values.shape(), values.shape() + values.ndim());
        GilRelease release;
        g.set_weight(&l, index, values.data(), shape);
      })
      .def("params", [](Graph& g) {
        return py::array_t<float>({g.param_count()}, {sizeof(float)}, g.params(), py::cast(g.shared_from_this()));
      });

  py::class_<OptimizerConfig>(m, "OptimizerConfig")
      .def_static("from_json", &optimizer_config_from_json, py::arg("json"))
      .def_static("names", &OptimizerConfig::names)
      .def_property_readonly("class_name", &OptimizerConfig::class_name)
      .def_readonly("learning_rate", &OptimizerConfig::learning_rate)
      .def("to_json", &optimizer_config_json);

  py::enum_<ScheduleKind>(m, "ScheduleKind")
      .value("ExponentialDecay", ScheduleKind::ExponentialDecay)
      .value("PiecewiseConstantDecay", ScheduleKind::PiecewiseConstantDecay)
      .value("PolynomialDecay", ScheduleKind::PolynomialDecay)
      .value("InverseTimeDecay", ScheduleKind::InverseTimeDecay)
      .value("CosineDecay", ScheduleKind::CosineDecay)
      .value("CosineDecayRestarts", ScheduleKind::CosineDecayRestarts);

  py::class_<LearningRateSchedule>(m, "LearningRateSchedule")
      .def(py::init([](ScheduleKind kind) {
             LearningRateSchedule s;
             s.kind = kind;
             return s;
           }), py::arg("kind"))
      .def_readwrite("kind", &LearningRateSchedule::kind)
      .def_readwrite("initial_learning_rate", &LearningRateSchedule::initial_learning_rate)
      .def_readwrite("decay_steps", &LearningRateSchedule::decay_steps)
      .def_readwrite("decay_rate", &LearningRateSchedule::decay_rate)
      .def_readwrite("staircase", &LearningRateSchedule::staircase)
      .def_readwrite("boundaries", &LearningRateSchedule::boundaries)
      .def_readwrite("values", &LearningRateSchedule::values)
      .def_readwrite("end_learning_rate", &LearningRateSchedule::end_learning_rate)
      .def_readwrite("power", &LearningRateSchedule::power)
      .def_readwrite("cycle", &LearningRateSchedule::cycle)
      .def_readwrite("alpha", &LearningRateSchedule::alpha)
      .def_readwrite("warmup_target", &LearningRateSchedule::warmup_target)
      .def_readwrite("warmup_steps", &LearningRateSchedule::warmup_steps)
      .def_readwrite("t_mul", &LearningRateSchedule::t_mul)
      .def_readwrite("m_mul", &LearningRateSchedule::m_mul)
      .def_readwrite("name", &LearningRateSchedule::name)
      .def_property_readonly("class_name", &LearningRateSchedule::class_name)
      .def("validate", &LearningRateSchedule::validate)
      .def("__call__", &LearningRateSchedule::operator(), py::arg("step"));

  py::class_<Optimizer, std::shared_ptr<Optimizer>>(m, "Optimizer")
      .def(py::init<OptimizerConfig>(), py::arg("config"))
      .def_property_readonly("config", &Optimizer::config)
      .def_property_readonly("built", &Optimizer::built)
      .def("slot_names", &Optimizer::slot_names)
      .def_property("iterations", &Optimizer::iterations, &Optimizer::set_iterations)
      .def_property("raw_iterations", &Optimizer::raw_iterations, &Optimizer::set_raw_iterations)
      // The learning rate's accessors wait for a training step on another thread that reads it,
      // maybe through a Python function that needs the GIL: they release it while they wait. A
      // replaced Python function is destroyed once the GIL is back.
      .def_property("learning_rate",
                    [](const Optimizer& self) {
                      GilRelease release;
                      return self.learning_rate();
                    },
                    [](Optimizer& self, double lr) {
                      GilRelease release;
                      self.set_learning_rate(lr);
                    })
      .def("set_schedule", [](Optimizer& self, const LearningRateSchedule& schedule) {
             LearningRateFunction replaced;
             GilRelease release;
             replaced = self.exchange_schedule(schedule);
           }, py::arg("schedule"))
      .def("set_learning_rate_function", [](Optimizer& self, py::function fn) {
             // Called from the C++ loop once per update: takes the GIL for the call.
             LearningRateFunction wrapped = [fn](int64_t step) {
               GilAcquire gil;
               return fn(step).cast<double>();
             };
             LearningRateFunction replaced;
             GilRelease release;
             replaced = self.exchange_learning_rate_function(std::move(wrapped));
           }, py::arg("fn"))
      .def_property_readonly("schedule", [](const Optimizer& self) {
             GilRelease release;
             return self.schedule();
           })
      .def_property_readonly("has_learning_rate_function", [](const Optimizer& self) {
             GilRelease release;
             return self.has_learning_rate_function();
           })
      .def("slot", [](Optimizer& self, size_t index) {
             auto& slots = self.slots();
             if (index >= slots.size()) throw ValueError("No optimizer slot " + std::to_string(index) + ".");
             py::array_t<float> out(static_cast<py::ssize_t>(slots[index].size()));
             std::copy(slots[index].begin(), slots[index].end(), out.mutable_data());
             return out;
           }, py::arg("index"))
      .def_property_readonly("slot_count", [](Optimizer& self) { return self.slots().size(); })
      .def_property_readonly("variable_count", &Optimizer::variable_count)
      .def_property_readonly("rule_state", &Optimizer::rule_state)
      .def("built_for", [](const Optimizer& self, const Model& model) { return self.built_for(model.graph_ptr()); },
           py::arg("model"));

  py::enum_<Model::Structure>(m, "Structure")
      .value("Tensor", Model::Structure::Tensor)
      .value("List", Model::Structure::List)
      .value("Dict", Model::Structure::Dict);

  py::class_<LoopHooks>(m, "LoopHooks")
      .def(py::init<>())
      .def_property("begin", nullptr, [](LoopHooks& h, py::object f) { h.begin = void_hook(f); })
      .def_property("batch_begin", nullptr, [](LoopHooks& h, py::object f) { h.batch_begin = stop_hook<int64_t>(f); })
      .def_property("batch_end", nullptr, [](LoopHooks& h, py::object f) { h.batch_end = logs_stop_hook<int64_t>(f); })
      .def_readwrite("batch_end_interval", &LoopHooks::batch_end_interval)
      .def_property("end", nullptr, [](LoopHooks& h, py::object f) { h.end = logs_hook(f); })
      .def_readwrite("handle_sigint", &LoopHooks::handle_sigint);

  py::class_<FitHooks>(m, "FitHooks")
      .def(py::init<>())
      .def_property("epoch_begin", nullptr, [](FitHooks& h, py::object f) { h.epoch_begin = stop_hook<int>(f); })
      .def_property("batch_begin", nullptr, [](FitHooks& h, py::object f) { h.batch_begin = stop_hook<int, int64_t>(f); })
      .def_property("batch_end", nullptr, [](FitHooks& h, py::object f) { h.batch_end = logs_stop_hook<int, int64_t>(f); })
      .def_property("epoch_end", nullptr, [](FitHooks& h, py::object f) { h.epoch_end = logs_stop_hook<int>(f); })
      .def_readwrite("validation", &FitHooks::validation);

  // compile()'s checks for a model whose C++ twin does not exist yet (an unbuilt Sequential):
  // the resolved metrics per output, or ValueError.
  m.def("resolve_compile_args", [](const py::tuple& loss, const py::tuple& loss_weights, const py::tuple& metrics,
                                   const py::tuple& weighted_metrics, const std::vector<std::string>& output_names,
                                   const std::vector<std::string>& output_keys) {
    const CompileOptions o = resolve_compile_args(compile_args(loss, loss_weights, metrics, weighted_metrics), output_names, output_keys);
    return std::make_pair(o.metrics, o.weighted_metrics);
  });

  py::class_<FitOptions>(m, "FitOptions")
      .def(py::init<>())
      .def_readwrite("batch_size", &FitOptions::batch_size)
      .def_readwrite("steps_per_epoch", &FitOptions::steps_per_epoch)
      .def_readwrite("epochs", &FitOptions::epochs)
      .def_readwrite("initial_epoch", &FitOptions::initial_epoch)
      .def_readwrite("shuffle", &FitOptions::shuffle)
      .def_readwrite("validation_batch_size", &FitOptions::validation_batch_size)
      .def_readwrite("validation_freq", &FitOptions::validation_freq)
      .def_readwrite("validation_epochs", &FitOptions::validation_epochs)
      .def_readwrite("batch_hook_interval", &FitOptions::batch_hook_interval)
      .def_readwrite("handle_sigint", &FitOptions::handle_sigint)
      .def_readwrite("class_weight", &FitOptions::class_weight);

  using Arrays = std::vector<FloatArray>;
  using Weights = std::optional<FloatArray>;
  py::class_<Model, std::shared_ptr<Model>>(m, "Model")
      .def(py::init<std::shared_ptr<Graph>, uint64_t>(), py::arg("graph"), py::arg("seed"))
      .def_readwrite("output_names", &Model::output_names)
      // Both wait for a training step on another thread, whose callbacks may need the GIL.
      .def("get_optimizer_slot", [](const Model& self, size_t slot, const LayerPtr& layer, size_t index) {
             const Layer& l = layer_ref(layer);
             std::vector<float> values;
             {
               GilRelease release;
               values = self.get_optimizer_slot(slot, &l, index);
             }
             const Shape& shape = self.graph().weight_of(&l, index).spec.shape;
             py::array_t<float> out(std::vector<py::ssize_t>(shape.begin(), shape.end()));
             std::copy(values.begin(), values.end(), out.mutable_data());
             return out;
           }, py::arg("slot"), py::arg("layer"), py::arg("index"))
      // Each waits for a step or a save on another thread (whose callbacks may need the GIL).
      .def("finalize_ema", &Model::finalize_ema, py::arg("optimizer"), py::call_guard<GilRelease>())
      .def("swap_ema", &Model::swap_ema, py::arg("optimizer"), py::call_guard<GilRelease>())
      .def("assign_ema", &Model::assign_ema, py::arg("optimizer"), py::call_guard<GilRelease>())
      .def("exclude_from_weight_decay", [](Model& self, const std::vector<std::pair<LayerPtr, size_t>>& weights) {
             std::vector<std::pair<const Layer*, size_t>> refs;
             for (const auto& [layer, index] : weights) refs.emplace_back(&layer_ref(layer), index);
             GilRelease release;
             self.exclude_from_weight_decay(refs);
           }, py::arg("weights"))
      .def("set_optimizer_slot", [](Model& self, size_t slot, const LayerPtr& layer, size_t index, FloatArray values) {
             const Layer& l = layer_ref(layer);
             const Shape shape(values.shape(), values.shape() + values.ndim());
             GilRelease release;
             self.set_optimizer_slot(slot, &l, index, values.data(), shape);
           }, py::arg("slot"), py::arg("layer"), py::arg("index"), py::arg("values"))
      .def_readwrite("name", &Model::name)
      .def_readwrite("class_name", &Model::class_name)
      .def_readwrite("trainable", &Model::trainable)
      .def_readwrite("input_structure", &Model::input_structure)
      .def_readwrite("output_structure", &Model::output_structure)
      .def_readwrite("input_keys", &Model::input_keys)
      .def_readwrite("output_keys", &Model::output_keys)
      .def_property_readonly("trainable_changed_since_compile", &Model::trainable_changed_since_compile)
      .def_property_readonly("graph", [](Model& self) { return &self.graph(); }, py::return_value_policy::reference_internal)
      .def_property_readonly("compiled", &Model::compiled)
      .def_property_readonly("optimizer", &Model::optimizer_ptr)
      .def("compile", [](Model& self, std::shared_ptr<Optimizer> opt, const py::tuple& loss, const py::tuple& loss_weights,
                         const py::tuple& metrics, const py::tuple& weighted_metrics) {
             const CompileArgs args = compile_args(loss, loss_weights, metrics, weighted_metrics);
             GilRelease release;  // (a save on another thread may hold the compile state, waiting for a step)
             self.compile(std::move(opt), args);
           }, py::arg("optimizer"), py::arg("loss"), py::arg("loss_weights"), py::arg("metrics"), py::arg("weighted_metrics"))
      .def_property_readonly("probabilities_given_as_logits", &Model::probabilities_given_as_logits)
      .def_property_readonly("compiled_metrics", [](const Model& self) {
             return std::make_pair(self.compile_options().metrics, self.compile_options().weighted_metrics);
           })
      .def("loss_trackers_result", [](const Model& self) { return logs_to_list(self.loss_trackers_result()); })
      .def("compiled_metrics_result", [](const Model& self) { return logs_to_list(self.compiled_metrics_result()); })
      .def("reset_loss_tracker", &Model::reset_loss_tracker, py::arg("output"))
      .def("reset_compiled_metrics", &Model::reset_compiled_metrics)
      .def_property("stop_training", &Model::stop_requested, &Model::set_stop_training)
      .def("fit", [](Model& self, const Arrays& x, const Arrays& y, const Weights& sw, py::object validation,
                     const FitOptions& options, const FitHooks& hooks) {
             const Data train = make_data(x, y, sw);
             std::optional<Data> val;
             Arrays vx, vy;
             Weights vsw;
             if (!validation.is_none()) {
               auto t = validation.cast<py::tuple>();
               vx = t[0].cast<Arrays>(), vy = t[1].cast<Arrays>(), vsw = t[2].cast<Weights>();
               val = make_data(vx, vy, vsw);
             }
             std::optional<SigintGuard> sigint;
             take_over_sigint(sigint, options.handle_sigint);
             GilRelease release;
             self.fit(train, val ? &*val : nullptr, options, hooks);
           }, py::arg("x"), py::arg("y"), py::arg("sample_weight"), py::arg("validation"), py::arg("options"),
           py::arg("hooks"))
      .def("evaluate", [](Model& self, const Arrays& x, const Arrays& y, const Weights& sw, int64_t batch_size,
                          const LoopHooks& hooks) {
             const Data d = make_data(x, y, sw);
             Logs logs;
             std::optional<SigintGuard> sigint;
             take_over_sigint(sigint, hooks.handle_sigint);
             {
               GilRelease release;
               logs = self.evaluate(d, batch_size, hooks);
             }
             return logs_to_list(logs);
           }, py::arg("x"), py::arg("y"), py::arg("sample_weight"), py::arg("batch_size"), py::arg("hooks") = LoopHooks{})
      .def("predict", [](Model& self, const Arrays& x, int64_t batch_size, const LoopHooks& hooks, py::object out) {
             std::vector<ConstView> views;
             for (const auto& a : x) views.push_back(view_of(a));
             const Index rows = views.empty() ? 0 : views[0].rows;
             py::list outs;
             std::vector<float*> ptrs;
             const auto& nodes = self.graph().output_nodes();
             for (size_t k = 0; k < nodes.size(); ++k) {
               std::vector<py::ssize_t> shape{rows};
               for (int64_t d : self.graph().shape(nodes[k])) shape.push_back(d);
               py::array_t<float> a;
               if (out.is_none()) {
                 a = py::array_t<float>(shape);
               } else {  // the caller's arrays (to hand each batch's outputs to callbacks)
                 py::object given = out.cast<py::list>()[k];
                 if (!py::isinstance<py::array_t<float>>(given))
                   throw ValueError("predict(): output array " + std::to_string(k) + " must be a float32 array.");
                 a = given.cast<py::array_t<float>>();
                 if (!(a.flags() & py::array::c_style) || !(a.flags() & kAligned) || !a.writeable() ||
                     std::vector<py::ssize_t>(a.shape(), a.shape() + a.ndim()) != shape)
                   throw ValueError("predict(): output array " + std::to_string(k) + " has the wrong shape or layout.");
               }
               ptrs.push_back(a.mutable_data());
               outs.append(a);
             }
             std::optional<SigintGuard> sigint;
             take_over_sigint(sigint, hooks.handle_sigint);
             Index written;
             {
               const KeptAcrossRelease kept(outs);
               GilRelease release;
               written = self.predict(views, rows, batch_size, ptrs, hooks);
             }
             if (written == rows) return outs;
             py::list kept;  // stopped by a callback: only the rows predicted, copied out of the rest
             for (const auto& a : outs) kept.append(a[py::slice(0, written, 1)].attr("copy")());
             return kept;
           }, py::arg("x"), py::arg("batch_size"), py::arg("hooks") = LoopHooks{}, py::arg("out") = py::none())
      .def("call", [](Model& self, const Arrays& x, std::optional<bool> training) {
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
             std::vector<std::pair<int, double>> losses;
             {
               const KeptAcrossRelease kept(outs);
               GilRelease release;
               losses = self.call(views, rows, training, ptrs);
             }
             return py::make_tuple(outs, losses);
           }, py::arg("x"), py::arg("training"))
      .def("predict_ready", [](const Model& self, py::handle x, std::optional<int64_t> batch_size) -> py::object {
        // One input, one output, no hooks: the shortest path from Python (single-row latency).
        // None when x is not ready as it is (ready_view); batch_size None: all rows at once.
        const Graph& graph = self.graph();
        if (graph.input_nodes().size() != 1 || graph.output_nodes().size() != 1) return py::none();
        const std::optional<ConstView> view = ready_view(x, graph.shape(graph.input_nodes()[0]));
        if (!view) return py::none();
        std::vector<py::ssize_t> shape{view->rows};
        for (int64_t d : graph.shape(graph.output_nodes()[0])) shape.push_back(d);
        py::array_t<float> out(shape);
        float* ptr = out.mutable_data();
        {
          const KeptAcrossRelease kept(out);
          GilRelease release;
          self.predict({*view}, view->rows, batch_size.value_or(view->rows), {ptr});
        }
        return std::move(out);
      }, py::arg("x"), py::arg("batch_size"))
      .def("train_on_batch", [](Model& self, const Arrays& x, const Arrays& y, const Weights& sw,
                                std::vector<std::pair<int64_t, double>> class_weight) {
        const Data d = make_data(x, y, sw);
        Logs logs;
        {
          GilRelease release;
          logs = self.train_on_batch(d, class_weight);
        }
        return logs_to_list(logs);
      }, py::arg("x"), py::arg("y"), py::arg("sample_weight"), py::arg("class_weight") = std::vector<std::pair<int64_t, double>>{})
      .def("test_on_batch", [](Model& self, const Arrays& x, const Arrays& y, const Weights& sw) {
        const Data d = make_data(x, y, sw);
        Logs logs;
        {
          GilRelease release;
          logs = self.test_on_batch(d);
        }
        return logs_to_list(logs);
      });
}

}  // namespace densekit_py
