#include <densekit/errors.hpp>
#include <densekit/layers/embedding.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include "layers/registry.hpp"

namespace densekit {
namespace {
constexpr int64_t kMaxExactIndex = int64_t(1) << 24;  // float32 holds every integer up to 2^24
}  // namespace

Embedding::Embedding(std::string name, int64_t input_dim, int64_t output_dim, EmbeddingOptions options)
    : Layer(std::move(name)), input_dim_(input_dim), output_dim_(output_dim), options_(std::move(options)) {
  if (input_dim <= 0)
    throw ValueError("`input_dim` must be a positive integer. Received: input_dim=" + std::to_string(input_dim));
  if (output_dim <= 0)
    throw ValueError("`output_dim` must be a positive integer. Received: output_dim=" + std::to_string(output_dim));
  // Indices arrive as float32, exact only up to 2^24: a larger table would have rows past that
  // looked up at a neighbour's index, silently.
  if (input_dim > kMaxExactIndex)
    throw ValueError("densekit's Embedding takes at most " + std::to_string(kMaxExactIndex) +
                     " rows (2**24): its indices arrive as float32 values, exact up to there. Received: input_dim=" +
                     std::to_string(input_dim));
}

Shape Embedding::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  options_.embeddings_constraint.check({input_dim_, output_dim_}, name() + "/embeddings");
  Shape out = inputs[0];
  out.push_back(output_dim_);
  checked_shape_size(out, "the output of Embedding layer '" + name() + "'");
  mark_built();
  return out;
}

std::vector<WeightSpec> Embedding::weight_specs() const {
  return {{"embeddings", {input_dim_, output_dim_}, true, options_.embeddings_initializer,
           options_.embeddings_regularizer, options_.embeddings_constraint}};
}

void Embedding::bind(const std::vector<float*>& params, const std::vector<float*>& grads) {
  table_ = params.at(0);
  table_grad_ = grads.at(0);
}

void Embedding::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  const Index n = in[0].rows * in[0].cols;
  const float* x = in[0].data;
  for (Index i = 0; i < n; ++i) {  // every index checked before any row is read
    const float v = x[i];
    if (!(v > -1.0f && v < static_cast<float>(input_dim_))) {  // (NaN fails too)
      char shown[32];
      std::snprintf(shown, sizeof shown, "%.9g", static_cast<double>(v));
      throw ValueError("Embedding layer '" + name() + "' received the index " + shown + ", outside [0, " +
                       std::to_string(input_dim_) + "): its `input_dim` is the number of rows of its table.");
    }
  }
  for (Index i = 0; i < n; ++i) {
    const float* row = table_ + static_cast<Index>(x[i]) * output_dim_;  // truncated, as Keras's cast to int32
    std::copy(row, row + output_dim_, out.data + i * output_dim_);
  }
}

void Embedding::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                         const std::vector<View>& grad_in, const Context& ctx) {
  const Index n = in[0].rows * in[0].cols;
  for (Index i = 0; i < n; ++i) {
    float* row = table_grad_ + static_cast<Index>(in[0].data[i]) * output_dim_;
    const float* g = grad_out.data + i * output_dim_;
    for (Index j = 0; j < output_dim_; ++j) row[j] += g[j];
  }
}

// --- config (keras/src/layers/core/embedding.py) -----------------------------------------------

namespace {
Json embedding_config(const Layer& layer) {
  const Embedding& e = layer_as<Embedding>(layer);
  Json c = base_config(layer);
  c["input_dim"] = e.input_dim();
  c["output_dim"] = e.output_dim();
  c["embeddings_initializer"] = initializer_config(e.options().embeddings_initializer);
  c["embeddings_regularizer"] = regularizer_config(e.options().embeddings_regularizer);
  c["activity_regularizer"] = regularizer_config(layer.activity_regularizer);
  c["embeddings_constraint"] = constraint_config(e.options().embeddings_constraint);
  c["mask_zero"] = false;
  c["quantization_config"] = nullptr;
  return c;
}

LayerPtr embedding_from_config(const std::string&, const std::string& name, const Json& config) {
  require_null(config, {"lora_rank", "quantization_config", "weights"}, "Embedding");
  if (field(config, "mask_zero", false))
    throw ValueError("Embedding layer '" + name + "': densekit has no masks (mask_zero=True), with which Keras's "
                     "GlobalAveragePooling1D, recurrent and attention layers skip the padded steps; here index 0 is "
                     "embedded like the others.");
  for (const char* key : {"input_dim", "output_dim"})
    if (!config.contains(key)) throw ValueError("The config of Embedding layer '" + name + "' has no `" + key + "`.");
  EmbeddingOptions options;
  if (config.contains("embeddings_initializer")) options.embeddings_initializer = initializer_from(config["embeddings_initializer"]);
  options.embeddings_regularizer = regularizer_from(config.value("embeddings_regularizer", Json(nullptr)));
  options.embeddings_constraint = constraint_from(config.value("embeddings_constraint", Json(nullptr)));
  return std::make_shared<Embedding>(name, field<int64_t>(config, "input_dim", 0), field<int64_t>(config, "output_dim", 0),
                                     options);
}
}  // namespace

const LayerType& embedding_type() {
  static const LayerType type{{{"Embedding",
                                {"input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer",
                                 "embeddings_constraint", "mask_zero", "weights", "lora_rank", "lora_alpha",
                                 "quantization_config", "input_length"}}},
                              embedding_config, embedding_from_config};
  return type;
}

}  // namespace densekit
