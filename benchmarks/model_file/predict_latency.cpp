// Single-row predict latency and load time of a model file, from C++ (no Python):
//   cmake -S benchmarks/model_file -B build-bench -Ddensekit_DIR=$(python -m densekit --cmake-dir)
//   cmake --build build-bench && ./build-bench/predict_latency w1_plain.dk
#include <densekit/densekit.hpp>
#include <chrono>
#include <cstdio>
#include <vector>
int main(int argc, char** argv) {
  const densekit::Model model = densekit::load_model(argv[1], false);
  const auto& g = model.graph();
  std::vector<float> x(densekit::shape_size(g.shape(g.input_nodes()[0])), 0.5f);
  std::vector<float> out(densekit::shape_size(g.shape(g.output_nodes()[0])));
  for (int i = 0; i < 2000; ++i) model.predict(x.data(), 1, out.data());
  double best = 1e9;
  for (int r = 0; r < 5; ++r) {
    auto t = std::chrono::steady_clock::now();
    for (int i = 0; i < 20000; ++i) model.predict(x.data(), 1, out.data());
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count() / 20000);
  }
  std::printf("C++ single-row predict: %.2f us\n", best * 1e6);
  auto t = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) densekit::load_model(argv[1], false);
  std::printf("C++ load_model: %.2f ms\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count() / 50 * 1e3);
}
