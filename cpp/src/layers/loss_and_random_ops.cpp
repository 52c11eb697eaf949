// AddLoss and RandomDraw: what a traced call's add_loss and densekit.random draws record.
#include <densekit/errors.hpp>
#include <densekit/layers/ops.hpp>
#include <densekit/random.hpp>
#include "layers/registry.hpp"

#include <algorithm>
#include <cmath>

namespace densekit {

AddLoss::AddLoss(std::string name, std::string reduction, double scale, double offset)
    : Layer(std::move(name)), reduction_(std::move(reduction)), scale_(scale), offset_(offset) {
  if (reduction_ != "mean" && reduction_ != "sum")
    throw ValueError("Layer '" + this->name() + "': AddLoss reduces by \"mean\" or \"sum\", not \"" + reduction_ + "\".");
  if (!std::isfinite(scale_) || !std::isfinite(offset_))
    throw ValueError("Layer '" + this->name() + "': AddLoss's scale and offset must be finite numbers.");
}

Shape AddLoss::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  mark_built();
  return inputs[0];
}

double AddLoss::weight(Index rows, Index cols) const {
  return reduction_ == "mean" ? scale_ / double(std::max<Index>(rows * cols, 1)) : scale_;
}

double AddLoss::added_loss(ConstView out) const {
  double sum = 0.0;
  for (Index i = 0; i < out.rows * out.cols; ++i) sum += double(out.data[i]);
  return sum * weight(out.rows, out.cols) + offset_;
}

void AddLoss::forward(const std::vector<ConstView>& in, View out, View, const Context&) {
  std::copy(in[0].data, in[0].data + in[0].rows * in[0].cols, out.data);
}

void AddLoss::backward(const std::vector<ConstView>& in, ConstView, ConstView grad_out, View,
                       const std::vector<View>& grad_in, const Context&) {
  if (!grad_in[0].data) return;
  const float w = static_cast<float>(weight(in[0].rows, in[0].cols));
  for (Index i = 0; i < in[0].rows * in[0].cols; ++i) grad_in[0].data[i] += grad_out.data[i] + w;
}

RandomDraw::RandomDraw(std::string name, std::string distribution, double a, double b)
    : Layer(std::move(name)), distribution_(std::move(distribution)), a_(a), b_(b) {
  if (distribution_ != "normal" && distribution_ != "uniform")
    throw ValueError("Layer '" + this->name() + "': RandomDraw draws from \"normal\" or \"uniform\", not \"" +
                     distribution_ + "\".");
  if (!std::isfinite(a_) || !std::isfinite(b_))
    throw ValueError("Layer '" + this->name() + "': RandomDraw's parameters must be finite numbers.");
}

Shape RandomDraw::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  mark_built();
  return inputs[0];
}

void RandomDraw::forward(const std::vector<ConstView>&, View out, View, const Context& ctx) {
  if (!ctx.rng) throw ValueError("Layer '" + name() + "' draws random values and needs the model's generator.");
  Rng& rng = *ctx.rng;
  const bool normal = distribution_ == "normal";
  for (Index i = 0; i < out.rows * out.cols; ++i)
    out.data[i] = static_cast<float>(normal ? a_ + b_ * rng.normal() : a_ + (b_ - a_) * double(rng.uniform()));
}

// --- configs -------------------------------------------------------------------------------------

namespace {
Json add_loss_config(const Layer& layer) {
  const auto& l = layer_as<AddLoss>(layer);
  Json c = base_config(layer);
  c["reduction"] = l.reduction();
  c["scale"] = l.scale();
  c["offset"] = l.offset();
  return c;
}

LayerPtr add_loss_from_config(const std::string&, const std::string& name, const Json& config) {
  return std::make_shared<AddLoss>(name, field(config, "reduction", std::string("mean")), field(config, "scale", 1.0),
                                   field(config, "offset", 0.0));
}

Json random_draw_config(const Layer& layer) {
  const auto& l = layer_as<RandomDraw>(layer);
  Json c = base_config(layer);
  c["distribution"] = l.distribution();
  c["a"] = l.a();
  c["b"] = l.b();
  return c;
}

LayerPtr random_draw_from_config(const std::string&, const std::string& name, const Json& config) {
  return std::make_shared<RandomDraw>(name, field(config, "distribution", std::string("normal")), field(config, "a", 0.0),
                                      field(config, "b", 1.0));
}
}  // namespace

const LayerType& add_loss_type() {
  static const LayerType type{{{"AddLoss", {"reduction", "scale", "offset"}}}, add_loss_config, add_loss_from_config};
  return type;
}

const LayerType& random_draw_type() {
  static const LayerType type{{{"RandomDraw", {"distribution", "a", "b"}}}, random_draw_config, random_draw_from_config};
  return type;
}

}  // namespace densekit
