// train_xor OUTPUT_FILE
//
// Builds, compiles, trains and saves a small network in C++, with Keras's names and defaults;
// Python then loads the file with densekit.models.load_model.
#include <densekit/densekit.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " OUTPUT_FILE\n";
    return 2;
  }
  try {
    densekit::set_random_seed(7);
    densekit::Sequential net({densekit::layers::Input({2}),
                              densekit::layers::Dense(8, "tanh"),
                              densekit::layers::Dense(1, "sigmoid")});
    net.compile(densekit::optimizers::Adam(0.05), "binary_crossentropy", {"accuracy"});

    densekit::Matrix x(4, 2), y(4, 1);
    x << 0, 0, 0, 1, 1, 0, 1, 1;
    y << 0, 1, 1, 0;
    densekit::FitOptions options;
    options.epochs = 300;
    options.batch_size = 4;
    const densekit::History history = net.fit(x, y, options);

    std::cout << "loss " << history.history.at("loss").back() << ", accuracy " << history.history.at("accuracy").back() << "\n";
    std::cout << "predictions " << net.predict(x).transpose() << "\n";
    net.save(argv[1]);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
