// resume_training MODEL_FILE: loads a compiled model (its loss and metrics may be traced from
// Python code, which the file holds as graphs), reads rows "x..., y..." from stdin, prints the
// evaluate logs, trains one epoch in order (batch 16, no shuffling) and prints the kernel of the
// first layer, so Python can compare both with its own run. No Python runs here.
#include <densekit/densekit.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  using namespace densekit;
  if (argc != 2) {
    std::fprintf(stderr, "usage: resume_training MODEL_FILE < rows.csv\n");
    return 2;
  }
  try {
    Model model = load_model(argv[1]);
    const Graph& g = model.graph();
    const Index in = shape_size(g.shape(g.input_nodes()[0])), out = shape_size(g.shape(g.output_nodes()[0]));
    std::vector<float> x, y;
    std::string line;
    Index rows = 0;
    while (std::getline(std::cin, line)) {
      std::stringstream cells(line);
      std::string cell;
      for (Index j = 0; std::getline(cells, cell, ','); ++j) (j < in ? x : y).push_back(std::stof(cell));
      ++rows;
    }
    Data data;
    data.x = {ConstView(x.data(), rows, in)};
    data.y = {ConstView(y.data(), rows, out)};
    data.rows = rows;
    for (const auto& [key, value] : model.evaluate(data, 32)) std::printf("%s=%.9g\n", key.c_str(), value);
    FitOptions fit;
    fit.batch_size = 16;
    fit.shuffle = false;
    model.fit(data, nullptr, fit, {});
    const float* kernel = model.graph().params();
    for (int64_t i = 0; i < in * 4; ++i) std::printf("%s%.9g", i ? "," : "kernel=", kernel[i]);
    std::printf("\n");
  } catch (const std::exception& e) {
    std::printf("error: %s\n", e.what());
    return 1;
  }
  return 0;
}
