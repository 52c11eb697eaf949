// predict MODEL_FILE < inputs.csv > outputs.csv
//
// Loads a model saved from Python (model.save("model.dk")) or C++, reads one sample per CSV line
// from standard input, and writes one line of comma-separated outputs per sample.
#include <densekit/densekit.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " MODEL_FILE < inputs.csv > outputs.csv\n";
    return 2;
  }
  try {
    const densekit::Model model = densekit::load_model(argv[1], /*compile=*/false);
    const auto& graph = model.graph();
    const densekit::Index inputs = densekit::shape_size(graph.shape(graph.input_nodes()[0]));

    // Read every row first: one predict call on the whole batch.
    std::vector<float> values;
    std::string line;
    densekit::Index rows = 0;
    while (std::getline(std::cin, line)) {
      if (line.empty()) continue;
      std::stringstream fields(line);
      std::string field;
      densekit::Index count = 0;
      while (std::getline(fields, field, ',')) {
        values.push_back(std::stof(field));
        ++count;
      }
      if (count != inputs) {
        std::cerr << "line " << rows + 1 << " has " << count << " values; the model takes " << inputs << "\n";
        return 1;
      }
      ++rows;
    }

    densekit::Matrix x = Eigen::Map<densekit::Matrix>(values.data(), rows, inputs);
    const densekit::Matrix y = model.predict(x);
    for (densekit::Index r = 0; r < y.rows(); ++r) {
      for (densekit::Index c = 0; c < y.cols(); ++c) std::printf(c ? ",%.9g" : "%.9g", y(r, c));
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
