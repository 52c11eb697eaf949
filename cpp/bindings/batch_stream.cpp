// The queue a Python producer thread fills while fit / evaluate train (batch_stream.hpp): each
// push copies the batch's arrays in, and waits for room without the GIL.
#include "common.hpp"

#include <densekit/batch_stream.hpp>

#include <optional>

namespace densekit_py {

using namespace densekit;

namespace {

using Arrays = std::vector<FloatArray>;

}  // namespace

void init_batch_stream(py::module_& m) {
  py::class_<BatchStream, std::shared_ptr<BatchStream>>(m, "BatchStream")
      .def(py::init<size_t>(), py::arg("capacity"))
      .def("push", [](BatchStream& self, const Arrays& x, const Arrays& y, const std::optional<FloatArray>& sw) {
             Data batch;
             for (const auto& a : x) batch.x.push_back(view_of(a));
             for (const auto& a : y) batch.y.push_back(view_of(a));
             batch.rows = batch.x.empty() ? 0 : batch.x[0].rows;
             batch.sample_weight = sw ? sw->data() : nullptr;
             const Index weights = sw ? static_cast<Index>(sw->size()) : 0;
             const Index weight_rows = sw ? view_of(*sw).rows : 0;
             GilRelease release;  // the arrays stay alive: the caller holds them
             return self.push(batch, weights, weight_rows);
           }, py::arg("x"), py::arg("y"), py::arg("sample_weight") = py::none())
      .def("end_epoch", &BatchStream::end_epoch, py::call_guard<GilRelease>())
      .def("fail", &BatchStream::fail, py::arg("message"))
      .def("close", &BatchStream::close);

  m.def("fit_stream", [](Model& model, BatchStream& train, BatchStream* validation, const FitOptions& options,
                         const FitHooks& hooks) {
          std::optional<SigintGuard> sigint;
          take_over_sigint(sigint, options.handle_sigint);
          GilRelease release;
          model.fit(train, validation, options, hooks);
        },
        py::arg("model"), py::arg("train"), py::arg("validation"), py::arg("options"), py::arg("hooks"));
  m.def("evaluate_stream", [](Model& model, BatchStream& data, const LoopHooks& hooks) {
          Logs logs;
          std::optional<SigintGuard> sigint;
          take_over_sigint(sigint, hooks.handle_sigint);
          {
            GilRelease release;
            logs = model.evaluate(data, hooks);
          }
          return logs_to_list(logs);
        },
        py::arg("model"), py::arg("data"), py::arg("hooks"));
}

}  // namespace densekit_py
