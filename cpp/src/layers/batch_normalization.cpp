#include <densekit/errors.hpp>
#include <densekit/layers/batch_normalization.hpp>

#include <cmath>
#include "layers/registry.hpp"
#include "layers/beta_gamma.hpp"

namespace densekit {
namespace {

// Per-channel temporaries, grown once per thread and reused: no allocation per step.
std::vector<double>& temp(int which, size_t n) {
  thread_local std::vector<double> buffers[4];
  auto& b = buffers[which];
  if (b.size() < n) b.resize(n);
  return b;
}

}  // namespace

BatchNormalization::BatchNormalization(std::string name, BatchNormalizationOptions options)
    : Layer(std::move(name)), options_(std::move(options)) {
  // A non-finite momentum or epsilon turns every moving statistic or output into NaN (or a
  // constant) silently; Python refuses them before they reach here (core_config.py), C++ here.
  const auto finite = [](const char* key, double value) {
    if (!std::isfinite(value))
      throw ValueError(std::string("BatchNormalization: `") + key + "` must be a finite number. Received: " + key + "=" +
                       (std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf"));
  };
  finite("momentum", options_.momentum);
  if (!(options_.epsilon > 0.0))
    throw ValueError("BatchNormalization: `epsilon` must be positive. Received: epsilon=" + std::to_string(options_.epsilon));
  finite("epsilon", options_.epsilon);
}

Shape BatchNormalization::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  expect_same_shapes(inputs);
  const Shape& s = inputs[0];
  const int rank = static_cast<int>(s.size()) + 1;  // with the batch axis
  const int axis = options_.axis < 0 ? options_.axis + rank : options_.axis;
  if (axis < 1 || axis >= rank)
    throw ValueError("Layer '" + name() + "': BatchNormalization axis " + std::to_string(options_.axis) +
                     " is out of range for inputs of shape " + shape_to_string(s) +
                     (axis == 0 ? " (densekit cannot normalize per sample of the batch axis)." : "."));
  const int a = axis - 1;
  channels_ = s[a];
  Index inner = 1;
  for (size_t d = a + 1; d < s.size(); ++d) inner *= s[d];
  channel_of_.resize(static_cast<size_t>(shape_size(s)));
  for (size_t j = 0; j < channel_of_.size(); ++j) channel_of_[j] = (static_cast<Index>(j) / inner) % channels_;
  mark_built();
  return s;
}

std::vector<WeightSpec> BatchNormalization::weight_specs() const {
  std::vector<WeightSpec> specs;
  const Shape shape{channels_};
  if (options_.scale)
    specs.push_back({"gamma", shape, true, options_.gamma_initializer, options_.gamma_regularizer, options_.gamma_constraint});
  if (options_.center)
    specs.push_back({"beta", shape, true, options_.beta_initializer, options_.beta_regularizer, options_.beta_constraint});
  specs.push_back({"moving_mean", shape, false, options_.moving_mean_initializer, {}, {}});
  specs.push_back({"moving_variance", shape, false, options_.moving_variance_initializer, {}, {}});
  return specs;
}

void BatchNormalization::bind(const std::vector<float*>& params, const std::vector<float*>& grads) {
  size_t i = 0;
  gamma_ = gamma_grad_ = beta_ = beta_grad_ = nullptr;
  if (options_.scale) gamma_ = params.at(i), gamma_grad_ = grads.at(i), ++i;
  if (options_.center) beta_ = params.at(i), beta_grad_ = grads.at(i), ++i;
  moving_mean_ = params.at(i);
  moving_variance_ = params.at(i + 1);
}

void BatchNormalization::batch_moments(const ConstView& x, std::vector<double>& mean, std::vector<double>& var) const {
  const Index cols = x.cols, C = channels_;
  const double count = double(x.rows) * double(cols / C);
  std::fill(mean.begin(), mean.begin() + C, 0.0);
  std::fill(var.begin(), var.begin() + C, 0.0);
  for (Index r = 0; r < x.rows; ++r) {
    const float* row = x.data + r * cols;
    for (Index j = 0; j < cols; ++j) mean[channel_of_[j]] += row[j];
  }
  for (Index c = 0; c < C; ++c) mean[c] /= count;
  for (Index r = 0; r < x.rows; ++r) {
    const float* row = x.data + r * cols;
    for (Index j = 0; j < cols; ++j) {
      const double d = row[j] - mean[channel_of_[j]];
      var[channel_of_[j]] += d * d;
    }
  }
  for (Index c = 0; c < C; ++c) var[c] /= count;  // biased: no Bessel correction
}

void BatchNormalization::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  const ConstView x = in[0];
  const Index C = channels_, cols = x.cols;
  auto& mean = temp(0, C);
  auto& var = temp(1, C);
  auto& a = temp(2, C);
  auto& b = temp(3, C);
  if (uses_batch_statistics(ctx)) {
    batch_moments(x, mean, var);
    // moving ← moving·momentum + batch·(1 − momentum), once per training forward.
    const double m = options_.momentum;
    for (Index c = 0; c < C; ++c) {
      moving_mean_[c] = static_cast<float>(moving_mean_[c] * m + mean[c] * (1.0 - m));
      moving_variance_[c] = static_cast<float>(moving_variance_[c] * m + var[c] * (1.0 - m));
    }
  } else {
    for (Index c = 0; c < C; ++c) mean[c] = moving_mean_[c], var[c] = moving_variance_[c];
  }
  // y = x·a + b with a = γ/sqrt(σ² + ε), b = β − μ·a.
  for (Index c = 0; c < C; ++c) {
    a[c] = (gamma_ ? gamma_[c] : 1.0) / std::sqrt(var[c] + options_.epsilon);
    b[c] = (beta_ ? beta_[c] : 0.0) - mean[c] * a[c];
  }
  for (Index r = 0; r < x.rows; ++r) {
    const float* xr = x.data + r * cols;
    float* yr = out.data + r * cols;
    for (Index j = 0; j < cols; ++j) {
      const Index c = channel_of_[j];
      yr[j] = static_cast<float>(xr[j] * a[c] + b[c]);
    }
  }
}

void BatchNormalization::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                                  const std::vector<View>& grad_in, const Context& ctx) {
  const ConstView x = in[0];
  const Index C = channels_, cols = x.cols;
  auto& mean = temp(0, C);
  auto& inv = temp(1, C);
  auto& sum_g = temp(2, C);
  auto& sum_gx = temp(3, C);
  const bool batch = uses_batch_statistics(ctx);
  // The statistics forward used: recomputed from x (the same serial code, the same numbers).
  if (batch) {
    batch_moments(x, mean, inv);
  } else {
    for (Index c = 0; c < C; ++c) mean[c] = moving_mean_[c], inv[c] = moving_variance_[c];
  }
  for (Index c = 0; c < C; ++c) inv[c] = 1.0 / std::sqrt(inv[c] + options_.epsilon);
  // Σ g and Σ g·x̂ per channel, x̂ = (x − μ)·inv.
  std::fill(sum_g.begin(), sum_g.begin() + C, 0.0);
  std::fill(sum_gx.begin(), sum_gx.begin() + C, 0.0);
  for (Index r = 0; r < x.rows; ++r) {
    const float* xr = x.data + r * cols;
    const float* gr = grad_out.data + r * cols;
    for (Index j = 0; j < cols; ++j) {
      const Index c = channel_of_[j];
      sum_g[c] += gr[j];
      sum_gx[c] += gr[j] * (xr[j] - mean[c]) * inv[c];
    }
  }
  // dγ += Σ g·x̂, dβ += Σ g
  for (Index c = 0; c < C; ++c) {
    if (gamma_grad_) gamma_grad_[c] += static_cast<float>(sum_gx[c]);
    if (beta_grad_) beta_grad_[c] += static_cast<float>(sum_g[c]);
  }
  if (!grad_in[0].data) return;
  const double n = double(x.rows) * double(cols / C);
  for (Index r = 0; r < x.rows; ++r) {
    const float* xr = x.data + r * cols;
    const float* gr = grad_out.data + r * cols;
    float* dx = grad_in[0].data + r * cols;
    for (Index j = 0; j < cols; ++j) {
      const Index c = channel_of_[j];
      const double scale = (gamma_ ? gamma_[c] : 1.0) * inv[c];
      if (batch) {
        // dx = γ·inv/N·(N·g − Σg − x̂·Σ g·x̂): μ and σ² depend on x too.
        const double xhat = (xr[j] - mean[c]) * inv[c];
        dx[j] += static_cast<float>(scale * (gr[j] - sum_g[c] / n - xhat * sum_gx[c] / n));
      } else {
        dx[j] += static_cast<float>(scale * gr[j]);  // constant moving statistics
      }
    }
  }
}

// --- config (keras/src/layers/normalization/batch_normalization.py) ----------------------------

namespace {
Json batch_normalization_config(const Layer& layer) {
  const BatchNormalizationOptions& o = layer_as<BatchNormalization>(layer).options();
  Json c = base_config(layer);
  c["axis"] = o.axis;
  c["momentum"] = o.momentum;
  c["epsilon"] = o.epsilon;
  c["center"] = o.center;
  c["scale"] = o.scale;
  c["beta_initializer"] = initializer_config(o.beta_initializer);
  c["gamma_initializer"] = initializer_config(o.gamma_initializer);
  c["moving_mean_initializer"] = initializer_config(o.moving_mean_initializer);
  c["moving_variance_initializer"] = initializer_config(o.moving_variance_initializer);
  write_beta_gamma_penalties(c, o);
  c["synchronized"] = false;
  return c;
}

LayerPtr batch_normalization_from_config(const std::string&, const std::string& name, const Json& config) {
  if (field(config, "synchronized", false)) throw ValueError("BatchNormalization: densekit does not support `synchronized=True`.");
  if (field(config, "renorm", false)) throw ValueError("BatchNormalization: densekit does not support `renorm=True`.");
  BatchNormalizationOptions o;
  o.axis = field(config, "axis", -1);
  o.momentum = field(config, "momentum", 0.99);
  read_beta_gamma(config, o);
  o.moving_mean_initializer = initializer_field(config, "moving_mean_initializer", "zeros");
  o.moving_variance_initializer = initializer_field(config, "moving_variance_initializer", "ones");
  return std::make_shared<BatchNormalization>(name, o);
}
}  // namespace

const LayerType& batch_normalization_type() {
  static const LayerType type{{{"BatchNormalization",
                                {"axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
                                 "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer",
                                 "gamma_regularizer", "beta_constraint", "gamma_constraint", "synchronized", "renorm",
                                 "renorm_clipping", "renorm_momentum"}}}, batch_normalization_config, batch_normalization_from_config};
  return type;
}

}  // namespace densekit
