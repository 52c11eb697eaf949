// predict_threads MODEL_FILE THREADS: predicts on one loaded model from many threads at once
// and checks every thread's result against a single-threaded reference. Exit 0 when all agree.
#include <densekit/densekit.hpp>

#include <atomic>
#include <iostream>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  const densekit::Model model = densekit::load_model(argv[1], false);
  const int threads = std::atoi(argv[2]);
  const auto& g = model.graph();
  const densekit::Index width = densekit::shape_size(g.shape(g.input_nodes()[0]));
  std::vector<densekit::Matrix> inputs, expected;
  for (int t = 0; t < threads; ++t) {
    inputs.push_back(densekit::Matrix::Random(1 + 7 * t, width));
    expected.push_back(model.predict(inputs.back()));
  }
  std::atomic<int> mismatches{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int repeat = 0; repeat < 200; ++repeat)
        if (model.predict(inputs[t]) != expected[t]) ++mismatches;
    });
  for (auto& th : pool) th.join();
  std::cout << "mismatches " << mismatches << "\n";
  return mismatches == 0 ? 0 : 1;
}
