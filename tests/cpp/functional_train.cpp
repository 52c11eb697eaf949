// functional_train MODEL_FILE: builds a two-input, two-output functional model in C++ (a merge,
// BatchNormalization, loss weights), trains it a few steps, saves it, and prints its
// predictions for three fixed rows (main output, then aux) so Python can compare.
#include <densekit/densekit.hpp>

#include <cstdio>
#include <memory>

int main(int argc, char** argv) {
  using namespace densekit;
  set_random_seed(7);
  auto graph = std::make_shared<Graph>();
  const int wide = graph->add_input({5}, "wide_input");
  const int deep = graph->add_input({6}, "deep_input");
  int h = graph->add_layer(layers::Dense(16, "relu"), {deep});
  h = graph->add_layer(layers::BatchNormalization(), {h});
  const int concat = graph->add_layer(layers::Concatenate(), {wide, h});
  const int main_out = graph->add_layer(layers::Dense(1, "linear", true, "glorot_uniform", "zeros", "main_output"), {concat});
  const int aux_out = graph->add_layer(layers::Dense(1, "linear", true, "glorot_uniform", "zeros", "aux_output"), {h});
  graph->set_outputs({main_out, aux_out});
  Model model = Functional(graph);
  CompileOptions options;
  options.losses = {Loss::from_name("mse"), Loss::from_name("mse")};
  options.loss_weights = {0.9, 0.1};
  model.compile(std::make_shared<Optimizer>(optimizers::Adam(0.01)), options);

  Matrix xw(64, 5), xd(64, 6), ym(64, 1), ya(64, 1);
  Rng rng(3);
  for (Index i = 0; i < 64; ++i) {
    for (Index j = 0; j < 5; ++j) xw(i, j) = static_cast<float>(rng.normal());
    for (Index j = 0; j < 6; ++j) xd(i, j) = static_cast<float>(rng.normal());
    ym(i, 0) = xw(i, 0) + xd(i, 1);
    ya(i, 0) = xd(i, 2);
  }
  Data data;
  data.x = {ConstView(xw.data(), 64, 5), ConstView(xd.data(), 64, 6)};
  data.y = {ConstView(ym.data(), 64, 1), ConstView(ya.data(), 64, 1)};
  data.rows = 64;
  FitOptions fit;
  fit.epochs = 5;
  fit.batch_size = 16;
  model.fit(data, nullptr, fit, {});
  model.save(argv[1]);

  Matrix pm(3, 1), pa(3, 1);
  model.predict({ConstView(xw.data(), 3, 5), ConstView(xd.data(), 3, 6)}, 3, 3, {pm.data(), pa.data()});
  for (Index i = 0; i < 3; ++i) std::printf("%.9g,%.9g\n", pm(i, 0), pa(i, 0));
  for (Index i = 0; i < 3; ++i) {
    for (Index j = 0; j < 5; ++j) std::printf("%s%.9g", j ? "," : "", xw(i, j));
    for (Index j = 0; j < 6; ++j) std::printf(",%.9g", xd(i, j));
    std::printf("\n");
  }
  return 0;
}
