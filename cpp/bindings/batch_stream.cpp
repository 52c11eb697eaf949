// The queue a Python producer thread fills while fit / evaluate train (batch_stream.hpp): each
// push copies the batch's arrays in, and waits for room without the GIL.
#include "common.hpp"

#include <densekit/batch_stream.hpp>

#include <optional>

namespace densekit_py {

using namespace densekit;

namespace {

using Arrays = std::vector<FloatArray>;

void copy_arrays(const Arrays& arrays, Index rows, std::vector<Buffer>& out, std::vector<Index>& cols) {
  for (const auto& a : arrays) {
    const ConstView v = view_of(a);
    if (v.rows != rows)
      throw ValueError("Data cardinality is ambiguous: a batch holds arrays of " + std::to_string(rows) + " and " +
                       std::to_string(v.rows) + " samples. Make sure all arrays contain the same number of samples.");
    out.emplace_back(v.data, v.data + v.rows * v.cols);
    cols.push_back(v.cols);
  }
}

}  // namespace

void init_batch_stream(py::module_& m) {
  py::class_<BatchStream, std::shared_ptr<BatchStream>>(m, "BatchStream")
      .def(py::init<size_t>(), py::arg("capacity"))
      .def("push", [](BatchStream& self, const Arrays& x, const Arrays& y, const std::optional<FloatArray>& sw) {
             StreamBatch batch;
             batch.rows = x.empty() ? 0 : view_of(x[0]).rows;
             copy_arrays(x, batch.rows, batch.x, batch.x_cols);
             copy_arrays(y, batch.rows, batch.y, batch.y_cols);
             if (sw) batch.sample_weight.assign(sw->data(), sw->data() + sw->size());
             py::gil_scoped_release release;
             return self.push(std::move(batch));
           }, py::arg("x"), py::arg("y"), py::arg("sample_weight") = py::none())
      .def("end_epoch", &BatchStream::end_epoch, py::call_guard<py::gil_scoped_release>())
      .def("fail", &BatchStream::fail, py::arg("message"))
      .def("close", &BatchStream::close);

  m.def("fit_stream", [](Model& model, BatchStream& train, BatchStream* validation, const FitOptions& options,
                         const FitHooks& hooks) {
          py::gil_scoped_release release;
          model.fit(train, validation, options, hooks);
        },
        py::arg("model"), py::arg("train"), py::arg("validation"), py::arg("options"), py::arg("hooks"));
  m.def("evaluate_stream", [](Model& model, BatchStream& data, const LoopHooks& hooks) {
          Logs logs;
          {
            py::gil_scoped_release release;
            logs = model.evaluate(data, hooks);
          }
          return logs_to_list(logs);
        },
        py::arg("model"), py::arg("data"), py::arg("hooks"));
}

}  // namespace densekit_py
