// Synchronous data-parallel training (Keras 3's DataParallel distribution; the pattern Horovod
// made standard): N processes each take a slice of every global batch, sum their gradients with
// one allreduce per step and apply the same update, so their weights stay identical.
//
// densekit is built without MPI. A process group reaches the training loop as a Communicator:
// from Python, densekit.distribution wraps mpi4py's MPI library (make_mpi_communicator); from
// C++, densekit/mpi_communicator.hpp wraps an MPI_Comm in the application's own translation
// unit, or an application implements the four functions with any other transport.
#pragma once

#include <cstdint>
#include <memory>

namespace densekit {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Element-wise sum over all processes, in place; every process calls with the same n.
  virtual void allreduce_sum(float* data, int64_t n) = 0;
  virtual void allreduce_sum(double* data, int64_t n) = 0;
  // Every process receives root's bytes.
  virtual void broadcast(void* data, int64_t bytes, int root) = 0;
};

// How fit and evaluate split the data when a communicator is set.
struct DataParallel {
  std::shared_ptr<Communicator> communicator;
  // true: every process passes the same arrays and takes its slice of each global batch (the
  // result equals one process training on the whole batch). false: each process passes its own
  // shard and takes its part of the global batch from it.
  bool auto_shard_dataset = true;
};

// The MPI functions and handles a communicator calls, taken from an MPI library already loaded
// in the process (mpi4py's): the addresses of MPI_Allreduce and MPI_Bcast, and the handle
// values of the communicator, MPI_FLOAT, MPI_DOUBLE, MPI_BYTE and MPI_SUM. Handles are pointers
// in Open MPI and ints in MPICH; both are passed as integer registers on x86-64 and AArch64, so
// one declaration serves both ABIs.
struct MpiFunctions {
  std::uintptr_t allreduce = 0;
  std::uintptr_t bcast = 0;
  std::intptr_t comm = 0, float_type = 0, double_type = 0, byte_type = 0, sum_op = 0;
  int rank = 0, size = 1;
};
std::shared_ptr<Communicator> make_mpi_communicator(const MpiFunctions& functions);

// Rows [begin, begin + count) of a global batch of `rows` rows that process `rank` of `size`
// takes: the first rows % size processes take one more.
struct RowRange {
  int64_t begin = 0, count = 0;
};
RowRange rank_share(int64_t rows, int rank, int size);

}  // namespace densekit
