#include <densekit/errors.hpp>
#include <densekit/layers/dense.hpp>
#include "../parallel_for.hpp"
#include "../gemm.hpp"
#include "layers/registry.hpp"

namespace densekit {
namespace {

// Hands rows [r0, r1) × columns [c0, c1) of a row-major gradient (ld floats a row) to the
// updater: one range when the rows are whole, else one per row.
void hand_over(const WeightUpdater& updater, float* grad, Index ld, Index r0, Index r1, Index c0, Index c1) {
  if (c0 == 0 && c1 == ld) {
    updater.update(grad + r0 * ld, (r1 - r0) * ld);
    return;
  }
  for (Index r = r0; r < r1; ++r) updater.update(grad + r * ld + c0, c1 - c0);
}

}  // namespace

Dense::Dense(std::string name, int64_t units, DenseOptions options)
    : Layer(std::move(name)), units_(units), options_(std::move(options)) {
  if (units <= 0)
    throw ValueError("Received an invalid value for `units`, expected a positive integer. Received: units=" +
                     std::to_string(units));
}

Shape Dense::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  const Shape& in = inputs[0];
  if (in.empty())
    throw ValueError("Input 0 of layer '" + name() + "' is incompatible with the layer: expected min_ndim=2, found ndim=1. Full shape received: (None,)");
  if (built() && in.back() != input_dim_)
    throw ValueError("Input 0 of layer '" + name() + "' is incompatible with the layer: expected axis -1 of input shape to have value " +
                     std::to_string(input_dim_) + ", but received input with shape " + shape_to_string(in));
  input_dim_ = in.back();
  options_.kernel_constraint.check({input_dim_, units_}, name() + "/kernel");
  options_.bias_constraint.check({units_}, name() + "/bias");
  mark_built();
  Shape out = in;
  out.back() = options_.activation.output_cols(units_);  // glu halves it
  return out;
}

std::vector<WeightSpec> Dense::weight_specs() const {
  std::vector<WeightSpec> specs;
  specs.push_back({"kernel", {input_dim_, units_}, true, options_.kernel_initializer, options_.kernel_regularizer,
                   options_.kernel_constraint});
  if (options_.use_bias)
    specs.push_back({"bias", {units_}, true, options_.bias_initializer, options_.bias_regularizer,
                     options_.bias_constraint});
  return specs;
}

void Dense::bind(const std::vector<float*>& params, const std::vector<float*>& grads) {
  kernel_ = params.at(0);
  kernel_grad_ = grads.at(0);
  if (options_.use_bias) {
    bias_ = params.at(1);
    bias_grad_ = grads.at(1);
  }
}

Index Dense::scratch_cols(const std::vector<Shape>& inputs, const Shape& output) const {
  // z when the activation's derivative needs it, else room for d(loss)/dz; both for softmax and
  // sigmoid, whose z (the logits) the loss and the metrics read after backward (logits_at).
  const Index z_cols = shape_size(output) / output.back() * units_;
  if (options_.activation.kind == ActivationKind::Linear) return 0;
  return options_.activation.yields_logits() ? 2 * z_cols : z_cols;
}

void Dense::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  // x: (rows, input_dim) -> out: (rows, units), rows counting every leading axis.
  const ConstMatrixMap x = in[0].map_last(input_dim_);
  const Index rows = x.rows();
  const ConstMatrixMap kernel(kernel_, input_dim_, units_);
  const Activation& act = options_.activation;
  float* z = act.backward_needs_input() || act.yields_logits() ? scratch.data : out.data;
  // Also for fewer than 8 units, where Eigen's matrix-vector product would be faster (0.2 against
  // 0.7 µs for one unit): Eigen's result for a row depended on the rows beside it.
  if (has_own_gemm()) {
    // z = x @ kernel + bias, the kernel read in place, and relu on the way out (a pass over
    // the output saved); any other activation after, threads over rows. In training the kernel's
    // rows were last updated split between the threads (gemm.hpp, b_rows_apart).
    const bool relu = act.is_plain_relu();
    gemm(rows, units_, input_dim_, {x.data(), input_dim_, 1}, kernel_, units_, z, units_, {false, bias_, relu}, nullptr,
         ctx.training && trainable);
    if (relu || act.kind == ActivationKind::Linear) return;
    const Index out_cols = act.output_cols(units_);
    parallel_rows(rows, double(units_) * 4.0, [&](int64_t r0, int64_t r1) {
      act.forward(z + r0 * units_, out.data + r0 * out_cols, r1 - r0, units_);
    });
    return;
  }
  const Index out_cols = act.output_cols(units_);
  parallel_rows(rows, double(input_dim_) * double(units_), [&](int64_t r0, int64_t r1) {
    MatrixMap zb(z + r0 * units_, r1 - r0, units_);
    zb.noalias() = x.middleRows(r0, r1 - r0) * kernel;
    if (bias_) zb.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(bias_, units_);
    act.forward(zb.data(), out.data + r0 * out_cols, r1 - r0, units_);
  });
}

void Dense::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                     const std::vector<View>& grad_in, const Context& ctx) {
  const ConstMatrixMap x = in[0].map_last(input_dim_);
  const Index rows = x.rows();
  const Activation& act = options_.activation;
  // With an updater the weight gradients are written (not added) and each finished range is
  // handed over at once, which changes those weights: d(x), which reads the kernel, comes first.
  const WeightUpdater* updater = ctx.updater;

  // dz = d(loss)/d(x @ kernel + bias): (rows, units)
  const float* dz = grad_out.data;
  if (act.kind != ActivationKind::Linear && !ctx.grad_is_preactivation) {
    float* dz_room = act.yields_logits() ? scratch.data + rows * units_ : scratch.data;  // the logits kept
    act.backward(scratch.data, out.data, grad_out.data, dz_room, rows, units_);
    dz = dz_room;
  }
  const ConstMatrixMap dzm(dz, rows, units_);
  const bool own_gemm = gemm_preferred(input_dim_, units_, rows);

  // d(x) += dz kernelᵀ: (rows, input_dim)
  if (grad_in[0].data) {
    if (own_gemm) {
      gemm_transposed_b(rows, input_dim_, units_, {dz, units_, 1}, kernel_, units_, grad_in[0].data, input_dim_,
                        {!ctx.write_grad_in});
    } else {
      MatrixMap dx = grad_in[0].map_last(input_dim_);
      const ConstMatrixMap kernel(kernel_, input_dim_, units_);
      parallel_rows(rows, double(input_dim_) * double(units_), [&](int64_t r0, int64_t r1) {
        if (ctx.write_grad_in) dx.middleRows(r0, r1 - r0).noalias() = dzm.middleRows(r0, r1 - r0) * kernel.transpose();
        else dx.middleRows(r0, r1 - r0).noalias() += dzm.middleRows(r0, r1 - r0) * kernel.transpose();
      });
    }
  }

  // d(bias) (+)= Σ_rows dz
  if (bias_grad_) {
    Eigen::Map<Eigen::RowVectorXf> dbias(bias_grad_, units_);
    if (updater) {
      dbias = dzm.colwise().sum();
      updater->update(bias_grad_, units_);
    } else {
      dbias += dzm.colwise().sum();
    }
  }

  // d(kernel) (+)= xᵀ dz: (input_dim, units)
  if (own_gemm) {
    // x read through its transpose in place; an updater takes each block as the product finishes it
    struct Handover {
      const WeightUpdater* updater;
      float* grad;
      Index units;
    } handover{updater, kernel_grad_, units_};
    const FinishedBlock finished{[](const void* c, Index r0, Index r1, Index c0, Index c1) {
                                   const auto& h = *static_cast<const Handover*>(c);
                                   hand_over(*h.updater, h.grad, h.units, r0, r1, c0, c1);
                                 }, &handover};
    gemm(input_dim_, units_, rows, {x.data(), 1, input_dim_}, dz, units_, kernel_grad_, units_, {!updater},
         updater ? &finished : nullptr);
    return;
  }
  // threads over kernel rows
  MatrixMap dkernel(kernel_grad_, input_dim_, units_);
  parallel_rows(input_dim_, double(rows) * double(units_), [&](int64_t i0, int64_t i1) {
    auto block = dkernel.middleRows(i0, i1 - i0);
    if (updater) {
      block.noalias() = x.middleCols(i0, i1 - i0).transpose() * dzm;
      hand_over(*updater, kernel_grad_, units_, i0, i1, 0, units_);
    } else {
      block.noalias() += x.middleCols(i0, i1 - i0).transpose() * dzm;
    }
  });
}

// --- config (keras/src/layers/core/dense.py) ---------------------------------------------------

namespace {
Json dense_config(const Layer& layer) {
  const Dense& d = layer_as<Dense>(layer);
  Json c = base_config(layer);
  c["units"] = d.units();
  c["activation"] = activation_config(d.options().activation);
  c["use_bias"] = d.options().use_bias;
  c["kernel_initializer"] = initializer_config(d.options().kernel_initializer);
  c["bias_initializer"] = initializer_config(d.options().bias_initializer);
  c["kernel_regularizer"] = regularizer_config(d.options().kernel_regularizer);
  c["bias_regularizer"] = regularizer_config(d.options().bias_regularizer);
  c["kernel_constraint"] = constraint_config(d.options().kernel_constraint);
  c["bias_constraint"] = constraint_config(d.options().bias_constraint);
  c["quantization_config"] = nullptr;
  return c;
}

LayerPtr dense_from_config(const std::string&, const std::string& name, const Json& config) {
  require_null(config, {"lora_rank", "quantization_config"}, "Dense");
  if (!config.contains("units") || config["units"].is_null())  // (null would read as the fallback, 0)
    throw ValueError("The config of Dense layer '" + name + "' has no `units` (missing or null).");
  DenseOptions options;
  options.activation = activation_from(config.value("activation", Json(nullptr)));
  options.use_bias = field(config, "use_bias", true);
  options.kernel_initializer = config.contains("kernel_initializer") ? initializer_from(config["kernel_initializer"])
                                                                     : Initializer::from_name("glorot_uniform");
  options.bias_initializer =
      config.contains("bias_initializer") ? initializer_from(config["bias_initializer"]) : Initializer::from_name("zeros");
  options.kernel_regularizer = regularizer_from(config.value("kernel_regularizer", Json(nullptr)));
  options.bias_regularizer = regularizer_from(config.value("bias_regularizer", Json(nullptr)));
  options.kernel_constraint = constraint_from(config.value("kernel_constraint", Json(nullptr)));
  options.bias_constraint = constraint_from(config.value("bias_constraint", Json(nullptr)));
  return std::make_shared<Dense>(name, field<int64_t>(config, "units", 0), options);
}
}  // namespace

const LayerType& dense_type() {
  static const LayerType type{{{"Dense",
                                {"units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
                                 "kernel_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint", "lora_rank",
                                 "lora_alpha", "quantization_config"}}}, dense_config, dense_from_config};
  return type;
}

}  // namespace densekit
