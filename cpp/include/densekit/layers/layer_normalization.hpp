// LayerNormalization (keras/src/layers/normalization/layer_normalization.py): per sample,
// y = (x − μ)/sqrt(σ² + ε)·γ + β with μ, σ² (biased) over the normalized axes, which are the
// trailing ones (`axis=-1` by default); gamma and beta have the shape of those axes. Keras's two
// uncentered forms are modes of it: rms_scaling (deprecated there) y = x/sqrt(σ² + ε)·γ, and
// RMSNormalization (keras/src/layers/normalization/rms_normalization.py) y = x/sqrt(mean(x²) + ε)·scale.
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

enum class NormalizationMode {
  Centered,        // (x − μ)/sqrt(σ² + ε)
  VarianceScaled,  // x/sqrt(σ² + ε): LayerNormalization(rms_scaling=True), no beta
  RootMeanSquare,  // x/sqrt(mean(x²) + ε): RMSNormalization, its gamma named "scale", no beta
};

struct LayerNormalizationOptions {
  NormalizationMode mode = NormalizationMode::Centered;
  std::vector<int> axis{-1};
  bool axis_is_list = false;  // Keras keeps `axis=-1` an int in the config until the layer is built
  double epsilon = 1e-3;
  bool center = true;
  bool scale = true;
  Initializer beta_initializer = Initializer::from_name("zeros", 0);
  Initializer gamma_initializer = Initializer::from_name("ones", 0);
  Regularizer beta_regularizer;
  Regularizer gamma_regularizer;
  Constraint beta_constraint;
  Constraint gamma_constraint;
};

class LayerNormalization : public Layer {
 public:
  LayerNormalization(std::string name, LayerNormalizationOptions options = {});
  std::string class_name() const override {
    return options_.mode == NormalizationMode::RootMeanSquare ? "RMSNormalization" : "LayerNormalization";
  }
  const LayerNormalizationOptions& options() const { return options_; }

  Shape build(const std::vector<Shape>& inputs) override;
  std::vector<WeightSpec> weight_specs() const override;
  Index scratch_cols(const std::vector<Shape>& inputs, const Shape& output) const override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  void bind(const std::vector<float*>& params, const std::vector<float*>& grads) override;
  // Keras's uncentered forms always have gamma and never beta, whatever center and scale say.
  bool has_gamma() const { return options_.scale || options_.mode != NormalizationMode::Centered; }
  bool has_beta() const { return options_.center && options_.mode == NormalizationMode::Centered; }
  LayerNormalizationOptions options_;
  Shape param_shape_;
  Index group_ = 0;  // values normalized together (the product of the normalized dims)
  float *gamma_ = nullptr, *beta_ = nullptr, *gamma_grad_ = nullptr, *beta_grad_ = nullptr;
};

}  // namespace densekit
