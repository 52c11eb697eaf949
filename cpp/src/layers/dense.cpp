// Dense (keras/src/layers/core/dense.py): its weights, shapes and config. The forward and backward
// passes, the arithmetic of every batch, are in dense_passes.cpp, compiled once per instruction set.
#include <densekit/errors.hpp>
#include <densekit/layers/dense.hpp>
#include "layers/registry.hpp"

namespace densekit {

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
