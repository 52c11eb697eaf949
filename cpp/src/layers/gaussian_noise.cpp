#include <densekit/errors.hpp>
#include <densekit/layers/gaussian_noise.hpp>

#include <algorithm>
#include "layers/registry.hpp"

namespace densekit {

GaussianNoise::GaussianNoise(std::string name, double stddev) : Layer(std::move(name)), stddev_(stddev) {
  if (!(stddev >= 0.0 && stddev <= 1.0))
    throw ValueError("Invalid value received for argument `stddev`. Expected a float value between 0 and 1. Received: stddev=" +
                     std::to_string(stddev));
}

Shape GaussianNoise::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  mark_built();
  return inputs[0];
}

void GaussianNoise::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  const Index n = in[0].rows * in[0].cols;
  const float* x = in[0].data;
  if (!ctx.training || stddev_ == 0.0) {
    std::copy(x, x + n, out.data);
    return;
  }
  // Drawn serially from the model's generator: the same noise for any thread count.
  for (Index i = 0; i < n; ++i) out.data[i] = x[i] + static_cast<float>(stddev_ * ctx.rng->normal());
}

void GaussianNoise::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                             const std::vector<View>& grad_in, const Context& ctx) {
  if (!grad_in[0].data) return;
  // y = x + noise: dx = g
  const Index n = grad_out.rows * grad_out.cols;
  for (Index i = 0; i < n; ++i) grad_in[0].data[i] += grad_out.data[i];
}

// --- config (keras/src/layers/regularization/gaussian_noise.py) --------------------------------

namespace {
Json gaussian_noise_config(const Layer& layer) {
  const GaussianNoise& g = layer_as<GaussianNoise>(layer);
  Json c = base_config(layer);
  c["stddev"] = g.stddev();
  c["seed"] = g.seed ? Json(*g.seed) : Json(nullptr);
  return c;
}

LayerPtr gaussian_noise_from_config(const std::string&, const std::string& name, const Json& config) {
  auto g = std::make_shared<GaussianNoise>(name, field(config, "stddev", -1.0));
  g->seed = optional_seed(config);
  return g;
}
}  // namespace

const LayerType& gaussian_noise_type() {
  static const LayerType type{{{"GaussianNoise", {"stddev", "seed"}}}, gaussian_noise_config, gaussian_noise_from_config};
  return type;
}

}  // namespace densekit
