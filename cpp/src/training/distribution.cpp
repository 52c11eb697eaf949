// The MPI communicator built from a loaded MPI library's functions, and how a batch is split.
#include <densekit/distribution.hpp>
#include <densekit/errors.hpp>

#include <climits>
#include <cstring>
#include <string>
#include <vector>

namespace densekit {
namespace {

// MPI_Allreduce(sendbuf, recvbuf, count, datatype, op, comm) and MPI_Bcast(buffer, count,
// datatype, root, comm), with the handles as integers (see MpiFunctions).
using AllreduceFn = int (*)(const void*, void*, int, std::intptr_t, std::intptr_t, std::intptr_t);
using BcastFn = int (*)(void*, int, std::intptr_t, int, std::intptr_t);

class FunctionTableCommunicator final : public Communicator {
 public:
  explicit FunctionTableCommunicator(const MpiFunctions& f)
      : f_(f), allreduce_(reinterpret_cast<AllreduceFn>(f.allreduce)), bcast_(reinterpret_cast<BcastFn>(f.bcast)) {}
  int rank() const override { return f_.rank; }
  int size() const override { return f_.size; }
  void allreduce_sum(float* data, int64_t n) override { reduce(data, n, f_.float_type, float_scratch_); }
  void allreduce_sum(double* data, int64_t n) override { reduce(data, n, f_.double_type, double_scratch_); }
  void broadcast(void* data, int64_t bytes, int root) override {
    auto* p = static_cast<char*>(data);
    for (int64_t done = 0; done < bytes;) {  // MPI counts are ints
      const int count = static_cast<int>(std::min<int64_t>(bytes - done, INT_MAX));
      check(bcast_(p + done, count, f_.byte_type, root, f_.comm), "MPI_Bcast");
      done += count;
    }
  }

 private:
  // MPI_IN_PLACE differs between MPI ABIs, so the sum lands in a scratch buffer (kept for the
  // next step: no allocation in steady state) and is copied back.
  template <typename T>
  void reduce(T* data, int64_t n, std::intptr_t type, std::vector<T>& scratch) {
    if (scratch.size() < static_cast<size_t>(n)) scratch.resize(static_cast<size_t>(n));
    for (int64_t done = 0; done < n;) {
      const int count = static_cast<int>(std::min<int64_t>(n - done, INT_MAX));
      check(allreduce_(data + done, scratch.data() + done, count, type, f_.sum_op, f_.comm), "MPI_Allreduce");
      done += count;
    }
    std::memcpy(data, scratch.data(), sizeof(T) * static_cast<size_t>(n));
  }
  static void check(int code, const char* what) {
    if (code != 0) throw Error(std::string(what) + " failed with MPI error code " + std::to_string(code) + ".");
  }

  MpiFunctions f_;
  AllreduceFn allreduce_;
  BcastFn bcast_;
  std::vector<float> float_scratch_;
  std::vector<double> double_scratch_;
};

}  // namespace

std::shared_ptr<Communicator> make_mpi_communicator(const MpiFunctions& functions) {
  if (!functions.allreduce || !functions.bcast)
    throw ValueError("make_mpi_communicator(): the addresses of MPI_Allreduce and MPI_Bcast are required.");
  if (functions.size < 1 || functions.rank < 0 || functions.rank >= functions.size)
    throw ValueError("make_mpi_communicator(): rank " + std::to_string(functions.rank) + " is not in a world of size " +
                     std::to_string(functions.size) + ".");
  return std::make_shared<FunctionTableCommunicator>(functions);
}

RowRange rank_share(int64_t rows, int rank, int size) {
  const int64_t base = rows / size, extra = rows % size;
  return {rank * base + std::min<int64_t>(rank, extra), base + (rank < extra ? 1 : 0)};
}

}  // namespace densekit
