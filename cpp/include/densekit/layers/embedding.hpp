// Embedding (keras/src/layers/core/embedding.py): each input value, a whole number in
// [0, input_dim), replaced by that row of an (input_dim, output_dim) table; the output gains an
// axis of output_dim. Inputs arrive as floats (whole numbers below 2^24 are exact); like Keras's
// cast to int32 they are truncated toward zero.
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

struct EmbeddingOptions {
  Initializer embeddings_initializer = Initializer::from_name("uniform");
  Regularizer embeddings_regularizer;
  Constraint embeddings_constraint;
};

class Embedding : public Layer {
 public:
  Embedding(std::string name, int64_t input_dim, int64_t output_dim, EmbeddingOptions options = {});
  std::string class_name() const override { return "Embedding"; }
  int64_t input_dim() const { return input_dim_; }
  int64_t output_dim() const { return output_dim_; }
  const EmbeddingOptions& options() const { return options_; }

  Shape build(const std::vector<Shape>& inputs) override;
  std::vector<WeightSpec> weight_specs() const override;
  int64_t index_count() const override { return input_dim_; }
  // Throws ValueError naming the first input that is not a whole number in [0, input_dim).
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  // The table's gradient: each output row's gradient added to the row it was read from. The
  // inputs, being indices, get none.
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  void bind(const std::vector<float*>& params, const std::vector<float*>& grads) override;
  int64_t input_dim_, output_dim_;
  EmbeddingOptions options_;
  float* table_ = nullptr;
  float* table_grad_ = nullptr;
};

}  // namespace densekit
