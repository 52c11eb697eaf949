// mpirun -np N train_mpi OUTPUT_FILE
//
// Data-parallel training from C++: every process builds the same network and data, joins the
// MPI world through densekit/mpi_communicator.hpp, and fit() sums the gradients over the
// processes each step. Prints each process's final loss and a checksum of its weights (equal on
// every process); process 0 saves the model.
#include <mpi.h>

#include <densekit/densekit.hpp>
#include <densekit/mpi_communicator.hpp>

#include <iostream>
#include <numeric>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int status = 0;
  if (argc != 2) {
    if (rank == 0) std::cerr << "usage: mpirun -np N " << argv[0] << " OUTPUT_FILE\n";
    MPI_Finalize();
    return 2;
  }
  try {
    densekit::set_random_seed(7);
    densekit::Sequential net({densekit::layers::Input({4}),
                              densekit::layers::Dense(16, "relu"),
                              densekit::layers::Dense(1, "sigmoid")});
    net.compile(densekit::optimizers::Adam(0.01), "binary_crossentropy", {"accuracy"});
    net.set_distribution({std::make_shared<densekit::MpiCommunicator>(MPI_COMM_WORLD)});

    // The same 512 rows on every process: y = 1 when x0 + x1 > x2 + x3.
    densekit::Rng rng(11);
    densekit::Matrix x(512, 4), y(512, 1);
    for (int r = 0; r < 512; ++r) {
      for (int c = 0; c < 4; ++c) x(r, c) = static_cast<float>(rng.normal());
      y(r, 0) = x(r, 0) + x(r, 1) > x(r, 2) + x(r, 3) ? 1.0f : 0.0f;
    }
    densekit::FitOptions options;
    options.epochs = 20;
    options.batch_size = 64;  // the global batch: each process trains on its share
    const densekit::History history = net.fit(x, y, options);

    const float* w = net.graph().params();
    const double checksum = std::accumulate(w, w + net.graph().param_count(), 0.0);
    std::cout << "rank " << rank << " loss " << history.history.at("loss").back() << " accuracy "
              << history.history.at("accuracy").back() << " checksum " << checksum << "\n";
    if (rank == 0) net.save(argv[1]);
  } catch (const std::exception& e) {
    std::cerr << "rank " << rank << " error: " << e.what() << "\n";
    status = 1;
  }
  MPI_Finalize();
  return status;
}
