// WeightOp: a Layer subclass's weight (add_weight) combined with a tensor by one op.
#include <densekit/errors.hpp>
#include <densekit/layers/ops.hpp>
#include "../gemm.hpp"
#include "layers/registry.hpp"

#include <algorithm>

namespace densekit {
namespace {

enum Kind { kMatmul, kAdd, kSubtract, kRsubtract, kMultiply, kDivide };

}  // namespace

const std::vector<std::string>& WeightOp::names() {
  static const std::vector<std::string> n = {"matmul", "add", "subtract", "rsubtract", "multiply", "divide"};
  return n;
}

WeightOp::WeightOp(std::string name, std::string op, WeightOpOptions options)
    : Layer(std::move(name)), op_(std::move(op)), options_(std::move(options)) {
  const auto& n = names();
  const auto it = std::find(n.begin(), n.end(), op_);
  if (it == n.end()) {
    std::string known;
    for (const auto& k : n) known += (known.empty() ? "" : ", ") + k;
    throw ValueError("Unknown WeightOp op '" + op_ + "'. Known: " + known + ".");
  }
  kind_ = static_cast<int>(it - n.begin());
  for (Index d : options_.shape)
    if (d <= 0) throw ValueError("Layer '" + this->name() + "': the weight '" + options_.weight_name +
                                 "' has the shape " + shape_to_string(options_.shape) + "; every dimension must be positive.");
  size_ = shape_size(options_.shape);
}

void WeightOp::set_initial_values(std::vector<float> values) {
  if (static_cast<Index>(values.size()) != size_)
    throw ValueError("Layer '" + name() + "': " + std::to_string(values.size()) + " values for the weight '" +
                     options_.weight_name + "' of shape " + shape_to_string(options_.shape) + ".");
  initial_ = std::move(values);
}

Shape WeightOp::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  const Shape& x = inputs[0];
  const Shape& w = options_.shape;
  in_cols_ = shape_size(x);
  if (kind_ == kMatmul) {
    if (w.size() != 2 || x.empty() || x.back() != w[0])
      throw ValueError("Layer '" + name() + "': matmul of inputs of shape " + shape_to_string(x) +
                       " with the weight '" + options_.weight_name + "' of shape " + shape_to_string(w) +
                       ": the weight must be 2-D with as many rows as the inputs' last axis.");
    units_ = w[1];
    Shape out = x;
    out.back() = units_;
    mark_built();
    return out;
  }
  const bool suffix = w.size() <= x.size() && std::equal(w.rbegin(), w.rend(), x.rbegin());
  if (!suffix)
    throw ValueError("Layer '" + name() + "': the weight '" + options_.weight_name + "' of shape " +
                     tuple_to_string(w) + " does not broadcast against inputs of shape " + shape_to_string(x) +
                     ": densekit records a weight whose shape is the trailing part of the sample's (or a scalar "
                     "weight); it does not stretch a weight's axes of size 1.");
  mark_built();
  return x;
}

std::vector<WeightSpec> WeightOp::weight_specs() const {
  return {{options_.weight_name, options_.shape, options_.trainable, options_.initializer, options_.regularizer,
           options_.constraint}};
}

void WeightOp::init_weights(const std::vector<float*>& params) const {
  if (!initial_.empty()) std::copy(initial_.begin(), initial_.end(), params.at(0));
}

void WeightOp::bind(const std::vector<float*>& params, const std::vector<float*>& grads) {
  w_ = params.at(0);
  w_grad_ = grads.at(0);
}

void WeightOp::forward(const std::vector<ConstView>& in, View out, View, const Context&) {
  const Index n = in[0].rows * in[0].cols;
  const float* x = in[0].data;
  if (kind_ == kMatmul) {
    const Index in_dim = options_.shape[0], rows = n / in_dim;
    gemm(rows, units_, in_dim, {x, in_dim, 1}, w_, units_, out.data, units_, {false});
    return;
  }
  for (Index i = 0; i < n; ++i) {
    const float a = x[i], b = w_[i % size_];
    float& y = out.data[i];
    switch (kind_) {
      case kAdd: y = a + b; break;
      case kSubtract: y = a - b; break;
      case kRsubtract: y = b - a; break;
      case kMultiply: y = a * b; break;
      default: y = a / b; break;
    }
  }
}

void WeightOp::backward(const std::vector<ConstView>& in, ConstView, ConstView grad_out, View,
                        const std::vector<View>& grad_in, const Context&) {
  const float* x = in[0].data;
  const float* g = grad_out.data;
  float* dx = grad_in[0].data;
  if (kind_ == kMatmul) {
    const Index in_dim = options_.shape[0], rows = in[0].rows * in[0].cols / in_dim;
    if (dx) gemm_transposed_b(rows, in_dim, units_, {g, units_, 1}, w_, units_, dx, in_dim, {true});
    gemm(in_dim, units_, rows, {x, 1, in_dim}, g, units_, w_grad_, units_, {true});
    return;
  }
  const Index n = in[0].rows * in[0].cols;
  for (Index i = 0; i < n; ++i) {
    const Index j = i % size_;
    const float a = x[i], b = w_[j], gi = g[i];
    float da, db;
    switch (kind_) {
      case kAdd: da = gi, db = gi; break;
      case kSubtract: da = gi, db = -gi; break;
      case kRsubtract: da = -gi, db = gi; break;
      case kMultiply: da = gi * b, db = gi * a; break;
      default: da = gi / b, db = -gi * a / (b * b); break;
    }
    if (dx) dx[i] += da;
    w_grad_[j] += db;
  }
}

// --- config --------------------------------------------------------------------------------------

namespace {
Json weight_op_config(const Layer& layer) {
  const auto& l = layer_as<WeightOp>(layer);
  const WeightOpOptions& o = l.options();
  Json c = base_config(layer);
  c["op"] = l.op();
  c["weight_name"] = o.weight_name;
  c["shape"] = o.shape;
  c["weight_trainable"] = o.trainable;
  c["initializer"] = initializer_config(o.initializer);
  c["regularizer"] = regularizer_config(o.regularizer);
  c["constraint"] = constraint_config(o.constraint);
  return c;
}

LayerPtr weight_op_from_config(const std::string&, const std::string& name, const Json& config) {
  WeightOpOptions o;
  o.weight_name = field(config, "weight_name", o.weight_name);
  for (int64_t d : int64_list(config.value("shape", Json::array()), "shape")) o.shape.push_back(static_cast<Index>(d));
  o.trainable = field(config, "weight_trainable", o.trainable);
  o.initializer = initializer_field(config, "initializer", "glorot_uniform");
  o.regularizer = regularizer_from(config.value("regularizer", Json(nullptr)));
  o.constraint = constraint_from(config.value("constraint", Json(nullptr)));
  return std::make_shared<WeightOp>(name, field(config, "op", std::string()), o);
}
}  // namespace

const LayerType& weight_op_type() {
  static const LayerType type{{{"WeightOp", {"op", "weight_name", "shape", "weight_trainable", "initializer", "regularizer", "constraint"}}}, weight_op_config, weight_op_from_config};
  return type;
}

}  // namespace densekit
