// Normalization (keras/src/layers/preprocessing/normalization.py):
// y = (x − mean)/max(sqrt(variance), ε), or with invert mean + x·max(sqrt(variance), ε), with one
// mean/variance per index of the kept axes. The statistics are given (mean=, variance=:
// constants, no weights) or learned by adapt() as the population mean and variance of data
// (non-trainable weights mean, variance and count).
#pragma once

#include <densekit/layers/layer.hpp>

#include <optional>
#include <utility>

namespace densekit {

struct NormalizationOptions {
  std::vector<int> axis{-1};  // the kept axes, counting the batch axis; empty: one scalar (axis=None)
  bool invert = false;
  // Explicit statistics, row-major values of shape value_shape ({} for a scalar).
  std::optional<std::vector<double>> mean, variance;
  Shape value_shape;
};

class Normalization : public Layer {
 public:
  Normalization(std::string name, NormalizationOptions options = {});
  std::string class_name() const override { return "Normalization"; }
  const NormalizationOptions& options() const { return options_; }

  Shape build(const std::vector<Shape>& inputs) override;
  std::vector<WeightSpec> weight_specs() const override;
  void init_weights(const std::vector<float*>& params) const override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

  // Keras's adapt(): the population mean and variance (ddof=0) of the batches (each rows x the
  // built sample size), combined batch by batch as Keras does. The layer keeps them for the
  // graphs it is placed in later; returns (mean, variance) in the statistics' shape.
  std::pair<std::vector<float>, std::vector<float>> adapt(const std::vector<ConstView>& batches);
  // The shape of mean and variance (the kept axes' dimensions), after build.
  const Shape& statistics_shape() const { return stat_shape_; }

 private:
  void bind(const std::vector<float*>& params, const std::vector<float*>& grads) override;
  NormalizationOptions options_;
  Shape stat_shape_;
  std::vector<Index> stat_of_;             // statistic index of each element of a sample
  std::vector<float> const_mean_, const_variance_;  // explicit statistics, broadcast to stat_shape_
  std::optional<std::pair<std::vector<float>, std::vector<float>>> adapted_;
  float *mean_ = nullptr, *variance_ = nullptr;
};

}  // namespace densekit
