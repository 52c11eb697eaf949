#include <densekit/errors.hpp>
#include <densekit/layers/normalization.hpp>
#include <densekit/losses.hpp>  // kEpsilon
#include "../parallel_for.hpp"

#include <algorithm>
#include <cmath>
#include "layers/registry.hpp"

namespace densekit {
namespace {

constexpr float kFloatEpsilon = static_cast<float>(kEpsilon);  // keras.backend.epsilon(), in float32

std::vector<float>& temp(size_t n) {
  thread_local std::vector<float> buffer;
  if (buffer.size() < n) buffer.resize(n);
  return buffer;
}

}  // namespace

Normalization::Normalization(std::string name, NormalizationOptions options)
    : Layer(std::move(name)), options_(std::move(options)) {
  if (options_.mean.has_value() != options_.variance.has_value())
    throw ValueError("When setting values directly, both `mean` and `variance` must be set.");
  if (options_.mean) {
    const size_t n = static_cast<size_t>(shape_size(options_.value_shape));
    if (options_.mean->size() != n || options_.variance->size() != n)
      throw ValueError("When setting values directly, `mean` and `variance` must have the same shape.");
    if (options_.value_shape.size() > options_.axis.size())
      throw ValueError("The rank of `mean` must be less than or equal to the number of axes (" +
                       std::to_string(options_.axis.size()) + ").");
  }
}

Shape Normalization::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  // axis=None keeps one mean and variance, which fit inputs of any shape (Keras adapts on 1-D
  // data and applies the layer to (None, 1) inputs); kept axes tie the layer to its shapes.
  if (!options_.axis.empty()) expect_same_shapes(inputs);
  const Shape& s = inputs[0];
  const int ndim = static_cast<int>(s.size()) + 1;
  std::vector<int> keep;
  for (int a : options_.axis) {
    if (a < -ndim || a >= ndim)
      throw ValueError("All `axis` values must be in the range [-ndim, ndim). Received inputs with ndim=" + std::to_string(ndim) +
                       ", while axis=" + std::to_string(a));
    const int d = a < 0 ? a + ndim : a;
    if (d == 0)
      throw ValueError("Layer '" + name() + "': Normalization would keep the batch axis (axis=" + std::to_string(a) + " for inputs of shape " +
                       shape_to_string(s) + "), that is one statistic per sample position; pass axis=None for one mean and variance.");
    keep.push_back(d);
  }
  std::sort(keep.begin(), keep.end());
  // An axis listed twice (axis=[-1, -1], or [1, -1] for 2-D inputs) would keep fewer axes than
  // the constructor allowed `mean` dimensions for, and the broadcast below would index the
  // statistics' shape out of bounds: refuse it, as an invalid axis.
  if (std::adjacent_find(keep.begin(), keep.end()) != keep.end()) {
    std::string listed;
    for (size_t i = 0; i < options_.axis.size(); ++i) listed += (i ? ", " : "") + std::to_string(options_.axis[i]);
    throw ValueError("Layer '" + name() + "': Normalization received a duplicated axis: axis=[" + listed +
                     "] names axis " + std::to_string(*std::adjacent_find(keep.begin(), keep.end())) +
                     " more than once for inputs of shape " + shape_to_string(s) + ". List each axis once.");
  }
  stat_shape_.clear();
  for (int d : keep) stat_shape_.push_back(s[d - 1]);
  // Statistic index of each element: its coordinates on the kept axes, raveled.
  stat_of_.assign(static_cast<size_t>(shape_size(s)), 0);
  for (size_t j = 0; j < stat_of_.size(); ++j) {
    Index rest = static_cast<Index>(j), index = 0, stride = 1;
    for (int d = static_cast<int>(s.size()); d-- > 0;) {
      const Index coord = rest % s[d];
      rest /= s[d];
      if (std::binary_search(keep.begin(), keep.end(), d + 1)) index += coord * stride, stride *= s[d];
    }
    stat_of_[j] = index;
  }
  if (options_.mean) {
    // Explicit values broadcast to the kept shape, aligned from the right (Keras's rule).
    const Shape& v = options_.value_shape;
    for (size_t i = 0; i < v.size(); ++i) {
      const int64_t want = stat_shape_[stat_shape_.size() - v.size() + i];
      if (v[i] != 1 && v[i] != want)
        throw ValueError("Layer '" + name() + "': `mean` and `variance` of shape " + tuple_to_string(v) +
                         " cannot be broadcast to the statistics' shape for inputs " + shape_to_string(s) + ".");
    }
    const Index n = shape_size(stat_shape_);
    const_mean_.assign(static_cast<size_t>(n), 0.0f);
    const_variance_.assign(static_cast<size_t>(n), 0.0f);
    for (Index k = 0; k < n; ++k) {
      Index rest = k, src = 0, stride = 1;
      for (size_t d = stat_shape_.size(); d-- > 0;) {
        const Index coord = rest % stat_shape_[d];
        rest /= stat_shape_[d];
        const size_t back = stat_shape_.size() - 1 - d;
        if (back < v.size()) {
          const int64_t dim = v[v.size() - 1 - back];
          src += (dim == 1 ? 0 : coord) * stride;
          stride *= dim;
        }
      }
      const_mean_[k] = static_cast<float>((*options_.mean)[src]);
      const_variance_[k] = static_cast<float>((*options_.variance)[src]);
    }
  }
  mark_built();
  return s;
}

std::vector<WeightSpec> Normalization::weight_specs() const {
  if (options_.mean) return {};
  std::vector<WeightSpec> specs;
  specs.push_back({"mean", stat_shape_, false, Initializer::from_name("zeros", 0), {}, {}});
  specs.push_back({"variance", stat_shape_, false, Initializer::from_name("ones", 0), {}, {}});
  WeightSpec count{"count", {}, false, Initializer::from_name("zeros", 0), {}, {}};
  count.integer = true;
  specs.push_back(count);
  return specs;
}

void Normalization::bind(const std::vector<float*>& params, const std::vector<float*>& grads) {
  if (options_.mean) return;
  mean_ = params.at(0);
  variance_ = params.at(1);
}

void Normalization::init_weights(const std::vector<float*>& params) const {
  if (options_.mean || !adapted_) return;
  std::copy(adapted_->first.begin(), adapted_->first.end(), params.at(0));
  std::copy(adapted_->second.begin(), adapted_->second.end(), params.at(1));
}

std::pair<std::vector<float>, std::vector<float>> Normalization::adapt(const std::vector<ConstView>& batches) {
  if (!built()) throw ValueError("Layer '" + name() + "' must be built before adapt().");
  if (options_.mean)
    throw ValueError("Layer '" + name() + "' was given `mean` and `variance`: it has no statistics to adapt.");
  if (batches.empty()) throw ValueError("adapt() received no data: pass at least one batch.");
  const bool one = stat_shape_.empty();  // axis=None: one statistic, samples of any width
  const Index n = shape_size(stat_shape_);
  std::vector<double> total_mean(static_cast<size_t>(n), 0.0), total_var(static_cast<size_t>(n), 0.0);
  std::vector<double> mean(static_cast<size_t>(n)), var(static_cast<size_t>(n));
  double total_count = 0.0;
  for (const ConstView& b : batches) {
    // A view is only a pointer and two sizes: negative sizes would make a negative count (and
    // meaningless statistics), and a null pointer with values would be read.
    if (b.rows < 0 || b.cols < 0)
      throw ValueError("adapt() received a batch with rows=" + std::to_string(b.rows) + " and cols=" +
                       std::to_string(b.cols) + ": neither can be negative.");
    if (!b.data && b.rows > 0 && b.cols > 0)
      throw ValueError("adapt() received a batch with no data: its pointer is null.");
    const Index cols = one ? b.cols : static_cast<Index>(stat_of_.size());
    const double per_row = double(cols) / double(n);  // elements of each statistic in a sample
    if (b.cols != cols)
      throw ValueError("Layer '" + name() + "' was built for samples of " + std::to_string(cols) +
                       " values, but adapt() received data with " + std::to_string(b.cols) + " values per sample.");
    if (b.rows == 0) continue;
    // The batch's mean and population variance, two passes in double.
    std::fill(mean.begin(), mean.end(), 0.0);
    std::fill(var.begin(), var.end(), 0.0);
    for (Index r = 0; r < b.rows; ++r)
      for (Index j = 0; j < cols; ++j) {
        const float x = b.data[r * cols + j];
        if (!std::isfinite(x))
          throw ValueError("The data passed to adapt() contains " + std::string(std::isnan(x) ? "NaN" : "infinity") +
                           " (first at row " + std::to_string(r) + "). Remove or impute non-finite values first.");
        mean[one ? 0 : stat_of_[j]] += x;
      }
    const double count = double(b.rows) * per_row;
    for (auto& m : mean) m /= count;
    for (Index r = 0; r < b.rows; ++r)
      for (Index j = 0; j < cols; ++j) {
        const Index k = one ? 0 : stat_of_[j];
        const double d = b.data[r * cols + j] - mean[k];
        var[k] += d * d;
      }
    for (auto& v : var) v /= count;
    // Combined with the earlier batches (Keras's lack-of-fit sum of squares update).
    total_count += count;
    const double w = count / total_count, keep = 1.0 - w;
    for (Index k = 0; k < n; ++k) {
      const double new_mean = total_mean[k] * keep + mean[k] * w;
      total_var[k] = (total_var[k] + (total_mean[k] - new_mean) * (total_mean[k] - new_mean)) * keep +
                     (var[k] + (mean[k] - new_mean) * (mean[k] - new_mean)) * w;
      total_mean[k] = new_mean;
    }
  }
  if (total_count == 0.0) throw ValueError("adapt() received no samples: the data is empty.");
  adapted_.emplace(std::vector<float>(total_mean.begin(), total_mean.end()), std::vector<float>(total_var.begin(), total_var.end()));
  return *adapted_;
}

void Normalization::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  const Index n = shape_size(stat_shape_), cols = in[0].cols;
  const float* m = options_.mean ? const_mean_.data() : mean_;
  const float* v = options_.mean ? const_variance_.data() : variance_;
  auto& d = temp(static_cast<size_t>(n));
  for (Index k = 0; k < n; ++k) d[k] = std::max(std::sqrt(v[k]), kFloatEpsilon);
  const float* x = in[0].data;
  for (Index r = 0; r < in[0].rows; ++r)
    for (Index j = 0; j < cols; ++j) {
      const Index k = n == 1 ? 0 : stat_of_[j], i = r * cols + j;
      out.data[i] = options_.invert ? m[k] + x[i] * d[k] : (x[i] - m[k]) / d[k];
    }
}

void Normalization::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                             const std::vector<View>& grad_in, const Context& ctx) {
  if (!grad_in[0].data) return;
  const Index n = shape_size(stat_shape_), cols = grad_out.cols;
  const float* v = options_.mean ? const_variance_.data() : variance_;
  auto& d = temp(static_cast<size_t>(n));
  for (Index k = 0; k < n; ++k) d[k] = std::max(std::sqrt(v[k]), kFloatEpsilon);
  // The statistics are constants: dx = g / d (invert: g·d).
  for (Index r = 0; r < grad_out.rows; ++r)
    for (Index j = 0; j < cols; ++j) {
      const Index k = n == 1 ? 0 : stat_of_[j], i = r * cols + j;
      grad_in[0].data[i] += options_.invert ? grad_out.data[i] * d[k] : grad_out.data[i] / d[k];
    }
}

// --- config (keras/src/layers/preprocessing/normalization.py) ----------------------------------

namespace {
Json normalization_config(const Layer& layer) {
  const NormalizationOptions& o = layer_as<Normalization>(layer).options();
  Json c = base_config(layer);
  c["axis"] = o.axis;
  c["invert"] = o.invert;
  c["mean"] = o.mean ? nested(*o.mean, o.value_shape) : Json(nullptr);
  c["variance"] = o.variance ? nested(*o.variance, o.value_shape) : Json(nullptr);
  return c;
}

LayerPtr normalization_from_config(const std::string&, const std::string& name, const Json& config) {
  NormalizationOptions o;
  o.axis = config.contains("axis") && !config["axis"].is_null() ? int_list(config["axis"], "axis") : std::vector<int>{};
  o.invert = field(config, "invert", false);
  const Json mean = config.value("mean", Json(nullptr)), variance = config.value("variance", Json(nullptr));
  if (!mean.is_null() || !variance.is_null()) {
    std::vector<double> m, v;
    Shape ms, vs;
    if (!mean.is_null()) flatten_nested(mean, m, ms, 0, "mean");
    if (!variance.is_null()) flatten_nested(variance, v, vs, 0, "variance");
    if (mean.is_null() || variance.is_null() || ms != vs)
      throw ValueError("Normalization: `mean` and `variance` must both be given, with the same shape; received " + config.dump());
    o.mean = m, o.variance = v, o.value_shape = ms;
  }
  return std::make_shared<Normalization>(name, o);
}
}  // namespace

const LayerType& normalization_type() {
  static const LayerType type{{{"Normalization", {"axis", "mean", "variance", "invert"}}}, normalization_config, normalization_from_config};
  return type;
}

}  // namespace densekit
