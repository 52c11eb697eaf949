#include <densekit/errors.hpp>
#include <densekit/layers/layer_normalization.hpp>
#include "../parallel_for.hpp"

#include <algorithm>
#include <cmath>
#include "layers/registry.hpp"
#include "layers/beta_gamma.hpp"

namespace densekit {

LayerNormalization::LayerNormalization(std::string name, LayerNormalizationOptions options)
    : Layer(std::move(name)), options_(std::move(options)) {
  if (options_.axis.empty()) throw ValueError(class_name() + ": `axis` must name at least one axis.");
  if (!(options_.epsilon > 0.0))
    throw ValueError(class_name() + ": `epsilon` must be positive. Received: epsilon=" + std::to_string(options_.epsilon));
}

Shape LayerNormalization::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  expect_same_shapes(inputs);
  const Shape& s = inputs[0];
  const int rank = static_cast<int>(s.size()) + 1;
  std::vector<int> axes;
  for (int a : options_.axis) {
    const int axis = a < 0 ? a + rank : a;
    if (axis < 0 || axis >= rank)
      throw ValueError("Axis " + std::to_string(a) + " is out of bounds for input shape " + shape_to_string(s) +
                       ". Ensure axis is within the range of input dimensions.");
    if (axis == 0) throw ValueError("Layer '" + name() + "': densekit's " + class_name() + " cannot normalize over the batch axis.");
    axes.push_back(axis);
  }
  std::sort(axes.begin(), axes.end());
  // The normalized axes must be the trailing ones, so each group is contiguous in a row.
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] != rank - static_cast<int>(axes.size()) + static_cast<int>(i))
      throw ValueError("Layer '" + name() + "': densekit's " + class_name() + " normalizes trailing axes only (for example axis=-1 or "
                       "axis=[-2, -1]); received axis for input shape " + shape_to_string(s) + ".");
  param_shape_.clear();
  for (int a : axes) param_shape_.push_back(s[a - 1]);
  group_ = shape_size(param_shape_);
  mark_built();
  return s;
}

std::vector<WeightSpec> LayerNormalization::weight_specs() const {
  std::vector<WeightSpec> specs;
  const char* gamma = options_.mode == NormalizationMode::RootMeanSquare ? "scale" : "gamma";
  if (has_gamma())
    specs.push_back({gamma, param_shape_, true, options_.gamma_initializer, options_.gamma_regularizer, options_.gamma_constraint});
  if (has_beta())
    specs.push_back({"beta", param_shape_, true, options_.beta_initializer, options_.beta_regularizer, options_.beta_constraint});
  return specs;
}

void LayerNormalization::bind(const std::vector<float*>& params, const std::vector<float*>& grads) {
  size_t i = 0;
  gamma_ = gamma_grad_ = beta_ = beta_grad_ = nullptr;
  if (has_gamma()) gamma_ = params.at(i), gamma_grad_ = grads.at(i), ++i;
  if (has_beta()) beta_ = params.at(i), beta_grad_ = grads.at(i);
}

Index LayerNormalization::scratch_cols(const std::vector<Shape>& inputs, const Shape& output) const {
  const Index cols = shape_size(output);
  return cols + 2 * (cols / group_);  // x̂ per value, then per group 1/sqrt(σ² + ε) (or of mean(x²) + ε), then μ
}

void LayerNormalization::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  const ConstView x = in[0];
  const Index cols = x.cols, G = group_, groups = cols / G;
  const double eps = options_.epsilon;
  const NormalizationMode mode = options_.mode;
  parallel_rows(x.rows, double(cols) * 4.0, [&](int64_t r0, int64_t r1) {
    for (Index r = r0; r < r1; ++r) {
      float* xhat_row = scratch.data + r * scratch.cols;
      for (Index g = 0; g < groups; ++g) {
        const float* xg = x.data + r * cols + g * G;
        float* yg = out.data + r * cols + g * G;
        float* xhat = xhat_row + g * G;
        // μ and biased σ² of the group (or mean(x²)), two passes in double.
        double mean = 0.0, var = 0.0;
        for (Index j = 0; j < G; ++j) mean += xg[j];
        mean /= double(G);
        const double center = mode == NormalizationMode::RootMeanSquare ? 0.0 : mean;
        for (Index j = 0; j < G; ++j) var += (xg[j] - center) * (xg[j] - center);
        var /= double(G);
        const double inv = 1.0 / std::sqrt(var + eps);
        xhat_row[cols + g] = static_cast<float>(inv);
        xhat_row[cols + groups + g] = static_cast<float>(mean);
        const double shift = mode == NormalizationMode::Centered ? mean : 0.0;  // x̂ uncentered but in Centered
        for (Index j = 0; j < G; ++j) {
          const double h = (xg[j] - shift) * inv;
          xhat[j] = static_cast<float>(h);
          yg[j] = static_cast<float>(h * (gamma_ ? gamma_[j] : 1.0f) + (beta_ ? beta_[j] : 0.0f));
        }
      }
    }
  });
}

void LayerNormalization::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                                  const std::vector<View>& grad_in, const Context& ctx) {
  const Index rows = grad_out.rows, cols = grad_out.cols, G = group_, groups = cols / G;
  // dγ_j += Σ g_j·x̂_j, dβ_j += Σ g_j over every group of every row: threads split j, each sum
  // runs in a fixed order.
  if (gamma_grad_ || beta_grad_)
    parallel_rows(G, double(rows) * double(groups) * 2.0, [&](int64_t j0, int64_t j1) {
      for (Index j = j0; j < j1; ++j) {
        double dg = 0.0, db = 0.0;
        for (Index r = 0; r < rows; ++r)
          for (Index g = 0; g < groups; ++g) {
            const float go = grad_out.data[r * cols + g * G + j];
            dg += double(go) * scratch.data[r * scratch.cols + g * G + j];
            db += go;
          }
        if (gamma_grad_) gamma_grad_[j] += static_cast<float>(dg);
        if (beta_grad_) beta_grad_[j] += static_cast<float>(db);
      }
    });
  if (!grad_in[0].data) return;
  // dx = inv·(gγ − mean(gγ) − x̂·mean(gγ·x̂)) per group, gγ = g·γ. Uncentered: inv·(gγ − c·mean(gγ·x̂)),
  // c = x̂ for mean(x²), c = (x − μ)·inv for σ² (x̂ = x·inv there).
  const NormalizationMode mode = options_.mode;
  parallel_rows(rows, double(cols) * 4.0, [&](int64_t r0, int64_t r1) {
    for (Index r = r0; r < r1; ++r) {
      const float* xhat_row = scratch.data + r * scratch.cols;
      for (Index g = 0; g < groups; ++g) {
        const float* go = grad_out.data + r * cols + g * G;
        const float* xhat = xhat_row + g * G;
        float* dx = grad_in[0].data + r * cols + g * G;
        const double inv = xhat_row[cols + g], mean = xhat_row[cols + groups + g];
        double mean_g = 0.0, mean_gx = 0.0;
        for (Index j = 0; j < G; ++j) {
          const double gg = double(go[j]) * (gamma_ ? gamma_[j] : 1.0f);
          mean_g += gg;
          mean_gx += gg * xhat[j];
        }
        mean_g /= double(G);
        mean_gx /= double(G);
        for (Index j = 0; j < G; ++j) {
          const double gg = double(go[j]) * (gamma_ ? gamma_[j] : 1.0f);
          const double c = mode == NormalizationMode::VarianceScaled ? xhat[j] - mean * inv : xhat[j];
          const double centering = mode == NormalizationMode::Centered ? mean_g : 0.0;
          dx[j] += static_cast<float>(inv * (gg - centering - c * mean_gx));
        }
      }
    }
  });
}

// --- config (keras/src/layers/normalization/layer_normalization.py) ----------------------------

namespace {
Json layer_normalization_config(const Layer& layer) {
  const LayerNormalization& ln = layer_as<LayerNormalization>(layer);
  const LayerNormalizationOptions& o = ln.options();
  Json c = base_config(layer);
  // Keras turns `axis=-1` into [-1] when the layer is built.
  c["axis"] = o.axis_is_list || ln.built() ? Json(o.axis) : Json(o.axis[0]);
  c["epsilon"] = o.epsilon;
  if (o.mode == NormalizationMode::RootMeanSquare) return c;  // RMSNormalization's whole config
  c["center"] = o.center;
  c["scale"] = o.scale;
  c["rms_scaling"] = o.mode == NormalizationMode::VarianceScaled;
  c["beta_initializer"] = initializer_config(o.beta_initializer);
  c["gamma_initializer"] = initializer_config(o.gamma_initializer);
  write_beta_gamma_penalties(c, o);
  return c;
}

LayerPtr layer_normalization_from_config(const std::string& class_name, const std::string& name, const Json& config) {
  LayerNormalizationOptions o;
  const Json axis = config.value("axis", Json(-1));
  o.axis = int_list(axis, "axis");
  o.axis_is_list = axis.is_array();
  if (class_name == "RMSNormalization") {
    o.mode = NormalizationMode::RootMeanSquare;
    o.epsilon = field(config, "epsilon", 1e-6);
  } else {
    read_beta_gamma(config, o);
    if (field(config, "rms_scaling", false)) o.mode = NormalizationMode::VarianceScaled;
  }
  return std::make_shared<LayerNormalization>(name, o);
}
}  // namespace

const LayerType& layer_normalization_type() {
  static const LayerType type{{{"LayerNormalization",
                                {"axis", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
                                 "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint",
                                 "rms_scaling"}},
                               {"RMSNormalization", {"axis", "epsilon"}}},
                              layer_normalization_config, layer_normalization_from_config};
  return type;
}

}  // namespace densekit
