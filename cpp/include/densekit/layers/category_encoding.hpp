// CategoryEncoding (keras/src/layers/preprocessing/category_encoding.py): whole-number inputs in
// [0, num_tokens) encoded as num_tokens columns: "multi_hot" (1 where a sample's vector holds
// the token), "count" (how often it does) or "one_hot" (each value its own row of columns).
// Inputs arrive as floats and are truncated toward zero, as Keras casts them; they get no
// gradient.
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

class CategoryEncoding : public Layer {
 public:
  enum class Mode { MultiHot, Count, OneHot };
  CategoryEncoding(std::string name, int64_t num_tokens, Mode mode);
  std::string class_name() const override { return "CategoryEncoding"; }
  int64_t num_tokens() const { return num_tokens_; }
  Mode mode() const { return mode_; }

  Shape build(const std::vector<Shape>& inputs) override;
  int64_t index_count() const override { return num_tokens_; }
  // Throws ValueError naming the first input that is not a whole number in [0, num_tokens).
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& /*in*/, ConstView /*out*/, ConstView /*grad_out*/, View /*scratch*/,
                const std::vector<View>& /*grad_in*/, const Context& /*ctx*/) override {}

 private:
  int64_t num_tokens_;
  Mode mode_;
};

}  // namespace densekit
