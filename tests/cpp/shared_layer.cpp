// shared_layer: two models built in C++ share one Dense layer, whose weights are one set of values
// (Keras's shared layers). Training model A changes what model B computes; weights set through B
// are what A computes with; B keeps working, with the latest values, after A is destroyed while
// the layer was bound to A's buffers. Prints "ok" and exits 0 when every check holds.
#include <densekit/densekit.hpp>

#include <cstdio>
#include <memory>
#include <vector>

namespace {

using namespace densekit;

int failures = 0;

void check(bool ok, const char* what) {
  if (ok) return;
  std::printf("FAILED: %s\n", what);
  ++failures;
}

// A Dense layer's (kernel, bias) as `graph` sees them: params() brings the current values of a
// shared layer home first. The bias is a 1 x units matrix.
std::vector<Matrix> dense_weights(const Graph& graph, const LayerPtr& layer) {
  std::vector<Matrix> out;
  for (const WeightRecord* r : graph.weights_of(layer.get())) {
    const Index rows = r->spec.shape.size() == 2 ? r->spec.shape[0] : 1;
    out.push_back(Eigen::Map<const Matrix>(graph.params() + r->offset, rows, r->size / rows));
  }
  return out;
}

// x @ kernel + bias, then tanh if asked.
Matrix dense(const Matrix& x, const std::vector<Matrix>& w, bool tanh) {
  Matrix z = x * w[0];
  z.rowwise() += w[1].row(0);
  return tanh ? Matrix(z.array().tanh().matrix()) : z;
}

float max_diff(const Matrix& a, const Matrix& b) { return (a - b).cwiseAbs().maxCoeff(); }

}  // namespace

int main() {
  set_random_seed(11);
  const LayerPtr shared = layers::Dense(4, "tanh", true, "glorot_uniform", "zeros", "shared");
  const LayerPtr head = layers::Dense(1, "linear", true, "glorot_uniform", "zeros", "head");

  // A: x -> shared -> head, trained. B: x -> shared, its output.
  auto graph_a = std::make_shared<Graph>();
  graph_a->set_outputs({graph_a->add_layer(head, {graph_a->add_layer(shared, {graph_a->add_input({3}, "x")})})});
  auto a = std::make_unique<Model>(Functional(graph_a));
  auto graph_b = std::make_shared<Graph>();
  graph_b->set_outputs({graph_b->add_layer(shared, {graph_b->add_input({3}, "x")})});
  Model b = Functional(graph_b);

  Matrix x = Matrix::Random(64, 3), y(64, 1);
  for (Index i = 0; i < 64; ++i) y(i, 0) = x(i, 0) - 2.0f * x(i, 1) * x(i, 2);

  // B starts with the values A initialized (a layer placed in a second model keeps its weights).
  const Matrix before = b.predict(x);
  check(max_diff(before, dense(x, dense_weights(*graph_a, shared), true)) < 1e-5f, "B starts with A's initial weights");

  // Train A; B computes with the trained weights.
  a->compile(optimizers::Adam(0.05), "mse");
  FitOptions fit;
  fit.epochs = 5;
  fit.batch_size = 16;
  a->fit(x, y, fit);
  const std::vector<Matrix> trained = dense_weights(*graph_a, shared);
  const Matrix after = b.predict(x);
  check(max_diff(after, before) > 1e-3f, "training A changes what B computes");
  check(max_diff(after, dense(x, trained, true)) < 1e-5f, "B computes with A's trained weights");

  // Set the weights through B; A reads and computes with them.
  Matrix kernel(3, 4), bias(1, 4);
  for (Index i = 0; i < 3; ++i)
    for (Index j = 0; j < 4; ++j) kernel(i, j) = 0.1f * float(i - j);
  bias.setConstant(0.05f);
  graph_b->set_weight(shared.get(), 0, kernel.data(), {3, 4});
  graph_b->set_weight(shared.get(), 1, bias.data(), {4});
  const std::vector<Matrix> seen = dense_weights(*graph_a, shared);
  check(seen[0] == kernel && seen[1] == bias, "A sees the weights set through B");
  const Matrix expected_a = dense(dense(x, {kernel, bias}, true), dense_weights(*graph_a, head), false);
  check(max_diff(a->predict(x), expected_a) < 1e-5f, "A computes with the weights set through B");

  // The layer is bound to A's buffers now (A ran last). Destroy A: B still gets the latest values.
  a.reset();
  graph_a.reset();
  check(max_diff(b.predict(x), dense(x, {kernel, bias}, true)) < 1e-6f, "B works after A is destroyed");

  // And B trains on its own.
  b.compile(optimizers::SGD(0.1), "mse");
  Matrix target = Matrix::Constant(64, 4, 0.5f);
  b.fit(x, target, fit);
  const std::vector<Matrix> now = dense_weights(*graph_b, shared);
  check(max_diff(now[0], kernel) > 1e-3f, "B trains the shared layer");
  check(max_diff(b.predict(x), dense(x, now, true)) < 1e-5f, "B computes with its trained weights");

  if (failures) return 1;
  std::printf("ok\n");
  return 0;
}
