// A Communicator over an MPI communicator, for C++ applications that train data-parallel:
//
//   MPI_Init(&argc, &argv);
//   densekit::Model model = densekit::load_model("model.dk");
//   model.set_distribution({std::make_shared<densekit::MpiCommunicator>(MPI_COMM_WORLD)});
//   model.fit(x, y, options);   // run as: mpirun -np N ./app
//
// Header-only on purpose: densekit is built without MPI, and this compiles against the
// application's own <mpi.h> (include it after <mpi.h>; link the application with MPI).
#pragma once

#include <densekit/distribution.hpp>
#include <densekit/errors.hpp>

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <string>

namespace densekit {

class MpiCommunicator final : public Communicator {
 public:
  explicit MpiCommunicator(MPI_Comm comm) : comm_(comm) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void allreduce_sum(float* data, int64_t n) override { reduce(data, n, MPI_FLOAT); }
  void allreduce_sum(double* data, int64_t n) override { reduce(data, n, MPI_DOUBLE); }
  void broadcast(void* data, int64_t bytes, int root) override {
    for (int64_t done = 0; done < bytes;) {
      const int count = static_cast<int>(std::min<int64_t>(bytes - done, INT_MAX));
      check(MPI_Bcast(static_cast<char*>(data) + done, count, MPI_BYTE, root, comm_), "MPI_Bcast");
      done += count;
    }
  }

 private:
  template <typename T>
  void reduce(T* data, int64_t n, MPI_Datatype type) {
    for (int64_t done = 0; done < n;) {
      const int count = static_cast<int>(std::min<int64_t>(n - done, INT_MAX));
      check(MPI_Allreduce(MPI_IN_PLACE, data + done, count, type, MPI_SUM, comm_), "MPI_Allreduce");
      done += count;
    }
  }
  static void check(int code, const char* what) {
    if (code != MPI_SUCCESS) throw Error(std::string(what) + " failed with MPI error code " + std::to_string(code) + ".");
  }

  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
};

}  // namespace densekit
