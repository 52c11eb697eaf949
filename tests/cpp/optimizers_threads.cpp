// optimizers_threads DIR: for each optimizer family densekit has, one thread builds, trains, saves,
// loads (with the optimizer state) and trains on, then predicts; all at once. Run under the
// sanitizers (DENSEKIT_SANITIZE=ON) it is the documented C++ API in the way an embedder uses it:
// the optimizer-state restore once read freed memory here. Exit 0 when every thread agrees with
// itself after the round trip.
#include <densekit/densekit.hpp>

#include <atomic>
#include <functional>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kOptimizers = 11;

densekit::OptimizerConfig optimizer_for(int index) {
  switch (index) {
    case 0: return densekit::optimizers::SGD(0.05, 0.9, true);
    case 1: return densekit::optimizers::Adam(0.01);
    case 2: return densekit::optimizers::AdamW(0.01);
    case 3: return densekit::optimizers::RMSprop(0.01);
    case 4: return densekit::optimizers::Adagrad(0.05);
    case 5: return densekit::optimizers::Adadelta(1.0);
    case 6: return densekit::optimizers::Adamax(0.01);
    case 7: return densekit::optimizers::Nadam(0.01);
    case 8: return densekit::optimizers::Ftrl(0.05);
    case 9: return densekit::optimizers::Lion(0.001);
    default: return densekit::optimizers::Lamb(0.01);
  }
}

// Returns an empty string when the round trip holds, else what went wrong.
std::string round_trip(int index, const std::string& dir) {
  densekit::set_random_seed(static_cast<uint64_t>(index));
  densekit::Sequential net({densekit::layers::Input({5}), densekit::layers::Dense(16, "relu"),
                            densekit::layers::Dense(3, "softmax")});
  net.compile(optimizer_for(index), "sparse_categorical_crossentropy", {"accuracy"});
  const densekit::Matrix x = densekit::Matrix::Random(64, 5);
  densekit::Matrix y(64, 1);
  for (int row = 0; row < 64; ++row) y(row, 0) = static_cast<float>(row % 3);
  densekit::FitOptions options;
  options.epochs = 3;
  options.batch_size = 16;
  options.shuffle = false;
  net.fit(x, y, options);

  const std::string path = dir + "/optimizer_" + std::to_string(index) + ".dk";
  net.save(path);
  densekit::Model loaded = densekit::load_model(path);
  if (loaded.predict(x) != net.predict(x)) return "predictions differ after loading";
  // Both continue from the same optimizer state, so one more epoch keeps them equal.
  options.epochs = 1;
  net.fit(x, y, options);
  loaded.fit(x, y, options);
  if (loaded.predict(x) != net.predict(x)) return "training diverged after loading the optimizer state";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " DIR\n";
    return 2;
  }
  std::vector<std::string> failures(kOptimizers);
  std::vector<std::thread> threads;
  for (int index = 0; index < kOptimizers; ++index)
    threads.emplace_back([&, index] {
      try {
        failures[index] = round_trip(index, argv[1]);
      } catch (const std::exception& e) {
        failures[index] = e.what();
      }
    });
  for (auto& thread : threads) thread.join();
  int failed = 0;
  for (int index = 0; index < kOptimizers; ++index)
    if (!failures[index].empty()) {
      std::cerr << "optimizer " << index << ": " << failures[index] << "\n";
      ++failed;
    }
  std::cout << "optimizers failed " << failed << "\n";
  return failed == 0 ? 0 : 1;
}
