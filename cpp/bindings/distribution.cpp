// Data-parallel training: the communicator built from mpi4py's MPI library, and a model's
// distribution (densekit/distribution.hpp).
#include "common.hpp"

#include <densekit/distribution.hpp>
#include <densekit/model.hpp>

namespace densekit_py {

using namespace densekit;

void init_distribution(py::module_& m) {
  py::class_<Communicator, std::shared_ptr<Communicator>>(m, "Communicator")
      .def_property_readonly("rank", &Communicator::rank)
      .def_property_readonly("size", &Communicator::size);

  m.def("make_mpi_communicator", [](std::uintptr_t allreduce, std::uintptr_t bcast, std::intptr_t comm, std::intptr_t float_type,
                                    std::intptr_t double_type, std::intptr_t byte_type, std::intptr_t sum_op, int rank, int size) {
          return make_mpi_communicator({allreduce, bcast, comm, float_type, double_type, byte_type, sum_op, rank, size});
        },
        py::arg("allreduce"), py::arg("bcast"), py::arg("comm"), py::arg("float_type"), py::arg("double_type"),
        py::arg("byte_type"), py::arg("sum_op"), py::arg("rank"), py::arg("size"));

  m.def("set_distribution",
        [](Model& model, std::shared_ptr<Communicator> communicator, bool auto_shard_dataset, const std::string& call) {
          model.set_distribution({std::move(communicator), auto_shard_dataset}, call);
        },
        py::arg("model"), py::arg("communicator"), py::arg("auto_shard_dataset"), py::arg("call") = "set_distribution()");
}

}  // namespace densekit_py
