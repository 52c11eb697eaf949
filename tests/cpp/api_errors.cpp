// api_errors MODEL_FILE: the C++ API reports bad input with densekit exceptions carrying the
// same messages as Python's. Prints one line per case.
#include <densekit/densekit.hpp>

#include <iostream>

template <class Fn>
void expect(const char* name, Fn fn) {
  try {
    fn();
    std::cout << name << ": no error\n";
  } catch (const densekit::ValueError& e) {
    std::cout << name << ": ValueError: " << e.what() << "\n";
  } catch (const densekit::IOError& e) {
    std::cout << name << ": IOError: " << e.what() << "\n";
  }
}

int main(int argc, char** argv) {
  const densekit::Model model = densekit::load_model(argv[1], false);
  expect("wrong width", [&] { model.predict(densekit::Matrix::Zero(2, 3)); });
  expect("missing file", [] { densekit::load_model("/nonexistent/model.dk"); });
  expect("units", [] { densekit::layers::Dense(0); });
  expect("activation", [] { densekit::layers::Dense(3, "rellu"); });
  expect("no input", [] { densekit::Sequential({densekit::layers::Dense(3)}); });
  expect("decay_steps", [] { densekit::optimizers::schedules::ExponentialDecay(0.1, 0, 0.5); });
  expect("first_decay_steps", [] { densekit::optimizers::schedules::CosineDecayRestarts(0.1, -2.5); });
  std::cout.precision(17);
  std::cout << "schedule at 5: " << densekit::optimizers::schedules::ExponentialDecay(0.1, 10, 0.5)(5) << "\n";
  return 0;
}
