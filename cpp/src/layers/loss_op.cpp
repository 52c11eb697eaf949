// LossOp (ops.hpp): a built-in loss per sample, recorded where a traced call calls one.
#include <densekit/errors.hpp>
#include <densekit/layers/ops.hpp>
#include <densekit/serialization.hpp>
#include "layers/registry.hpp"

#include <algorithm>

namespace densekit {

LossOp::LossOp(std::string name, Loss loss) : Layer(std::move(name)), loss_(std::move(loss)) {
  if (loss_.traced)
    throw ValueError("Layer '" + this->name() + "': LossOp computes a built-in loss; a loss traced from Python "
                     "records its own ops.");
}

Shape LossOp::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 2);
  for (const Shape& s : inputs)
    if (s.size() > 1)
      throw ValueError("Layer '" + name() + "': the loss '" + loss_.name() + "' takes targets and predictions of one "
                       "axis per sample; received " + shape_to_string(inputs[0]) + " and " + shape_to_string(inputs[1]) +
                       ".");
  true_cols_ = shape_size(inputs[0]);
  pred_cols_ = shape_size(inputs[1]);
  resolved_ = loss_.resolved(true_cols_, pred_cols_);
  summed_ = resolved_;  // Σ_i g_i · loss_i: backward's form, made once rather than per step
  summed_.reduction = Reduction::Sum;
  mark_built();
  return {};
}

Index LossOp::scratch_cols(const std::vector<Shape>&, const Shape&) const { return pred_cols_; }

void LossOp::forward(const std::vector<ConstView>& in, View out, View, const Context&) {
  resolved_.check_targets(in[0], pred_cols_);  // widths, label range: ValueError, never a read past the end
  resolved_.per_sample<float>(in[0].data, true_cols_, in[1].data, pred_cols_, out.rows, out.data);
}

void LossOp::backward(const std::vector<ConstView>& in, ConstView, ConstView grad_out, View scratch,
                      const std::vector<View>& grad_in, const Context&) {
  if (!grad_in[1].data) return;
  // The gradient of Σ_i g_i · loss_i is each sample's, scaled by g_i.
  const Index rows = in[1].rows;
  summed_.value_and_grad<float>(in[0].data, true_cols_, in[1].data, pred_cols_, rows, grad_out.data, 1.0, scratch.data);
  for (Index i = 0; i < rows * pred_cols_; ++i) grad_in[1].data[i] += scratch.data[i];
}

namespace {
Json loss_op_config(const Layer& layer) {
  Json c = base_config(layer);
  c["loss"] = parse_json(loss_config_json(layer_as<LossOp>(layer).loss()), "a LossOp's loss");
  return c;
}

LayerPtr loss_op_from_config(const std::string&, const std::string& name, const Json& config) {
  if (!config.contains("loss")) throw ValueError("Layer '" + name + "': a LossOp config needs its `loss`.");
  return std::make_shared<LossOp>(name, loss_from_config_json(config["loss"].dump()));
}
}  // namespace

const LayerType& loss_op_type() {
  static const LayerType type{{{"LossOp", {"loss"}}}, loss_op_config, loss_op_from_config};
  return type;
}

}  // namespace densekit
