#include <densekit/api.hpp>
#include <densekit/errors.hpp>
#include <densekit/layers/batch_normalization.hpp>
#include <densekit/layers/dot.hpp>
#include <densekit/layers/embedding.hpp>
#include <densekit/layers/alpha_dropout.hpp>
#include <densekit/layers/gaussian_dropout.hpp>
#include <densekit/layers/global_pooling.hpp>
#include <densekit/layers/category_encoding.hpp>
#include <densekit/layers/identity.hpp>
#include <densekit/layers/permute.hpp>
#include <densekit/layers/repeat_vector.hpp>
#include <densekit/layers/unit_normalization.hpp>
#include <densekit/layers/gaussian_noise.hpp>
#include <densekit/layers/layer_normalization.hpp>
#include <densekit/layers/merging.hpp>
#include <densekit/layers/normalization.hpp>
#include <densekit/layers/prelu.hpp>
#include <densekit/layers/rescaling.hpp>
#include <densekit/layers/reshape.hpp>
#include <densekit/naming.hpp>
#include "layers/registry.hpp"
#include "serialization/fields.hpp"

namespace densekit {
namespace {

std::string name_or(const std::string& name, const char* class_name) { return name.empty() ? auto_name(class_name) : name; }

std::shared_ptr<Graph> chain(const std::vector<LayerPtr>& layers) {
  auto input = layers.empty() ? nullptr : std::dynamic_pointer_cast<InputLayer>(layers.front());
  if (!input)
    throw ValueError("A C++ Sequential model starts with densekit::layers::Input(shape), so that it can be built at once.");
  auto graph = std::make_shared<Graph>();
  int node = graph->add_input(input->shape(), input->name(), input->dtype());
  for (size_t i = 1; i < layers.size(); ++i) {
    if (std::dynamic_pointer_cast<InputLayer>(layers[i])) throw ValueError("Only the first layer of a Sequential model can be an Input.");
    node = graph->add_layer(layers[i], {node});
  }
  graph->set_outputs({node});
  return graph;
}

}  // namespace

namespace layers {

LayerPtr Input(const Shape& shape, const std::string& name, const std::string& dtype) {
  return std::make_shared<InputLayer>(name_or(name, "InputLayer"), shape, dtype);
}

LayerPtr Dense(int64_t units, const std::string& activation, bool use_bias, const std::string& kernel_initializer,
               const std::string& bias_initializer, const std::string& name) {
  DenseOptions options{Activation::from_name(activation), use_bias, Initializer::from_name(kernel_initializer),
                       Initializer::from_name(bias_initializer), {}, {}, {}, {}};
  return std::make_shared<densekit::Dense>(name_or(name, "Dense"), units, options);
}

LayerPtr Dropout(double rate, const std::string& name) { return std::make_shared<densekit::Dropout>(name_or(name, "Dropout"), rate); }

LayerPtr Flatten(const std::string& name) { return std::make_shared<densekit::Flatten>(name_or(name, "Flatten")); }

namespace {
LayerPtr global_pooling(GlobalPooling::Kind kind, int dimensions, const std::string& data_format, bool keepdims,
                        const std::string& name) {
  return std::make_shared<GlobalPooling>(name_or(name, GlobalPooling::class_name_for(kind, dimensions).c_str()), kind,
                                         dimensions, channels_first(data_format),
                                         keepdims);
}
}  // namespace

LayerPtr GlobalAveragePooling1D(const std::string& data_format, bool keepdims, const std::string& name) {
  return global_pooling(GlobalPooling::Kind::Average, 1, data_format, keepdims, name);
}
LayerPtr GlobalAveragePooling2D(const std::string& data_format, bool keepdims, const std::string& name) {
  return global_pooling(GlobalPooling::Kind::Average, 2, data_format, keepdims, name);
}
LayerPtr GlobalAveragePooling3D(const std::string& data_format, bool keepdims, const std::string& name) {
  return global_pooling(GlobalPooling::Kind::Average, 3, data_format, keepdims, name);
}
LayerPtr GlobalMaxPooling1D(const std::string& data_format, bool keepdims, const std::string& name) {
  return global_pooling(GlobalPooling::Kind::Max, 1, data_format, keepdims, name);
}
LayerPtr GlobalMaxPooling2D(const std::string& data_format, bool keepdims, const std::string& name) {
  return global_pooling(GlobalPooling::Kind::Max, 2, data_format, keepdims, name);
}
LayerPtr GlobalMaxPooling3D(const std::string& data_format, bool keepdims, const std::string& name) {
  return global_pooling(GlobalPooling::Kind::Max, 3, data_format, keepdims, name);
}

LayerPtr Activation(const std::string& activation, const std::string& name) {
  return std::make_shared<ActivationLayer>(name_or(name, "Activation"), densekit::Activation::from_name(activation));
}

LayerPtr ReLU(const std::string& name) {
  return std::make_shared<ActivationLayer>(name_or(name, "ReLU"), densekit::Activation::from_name("relu"), "ReLU");
}

LayerPtr LeakyReLU(double negative_slope, const std::string& name) {
  densekit::Activation a = densekit::Activation::from_name("leaky_relu");
  a.negative_slope = negative_slope;
  return std::make_shared<ActivationLayer>(name_or(name, "LeakyReLU"), a, "LeakyReLU");
}

LayerPtr ELU(double alpha, const std::string& name) {
  densekit::Activation a = densekit::Activation::from_name("elu");
  a.alpha = alpha;
  return std::make_shared<ActivationLayer>(name_or(name, "ELU"), a, "ELU");
}

LayerPtr Softmax(const std::string& name) {
  return std::make_shared<ActivationLayer>(name_or(name, "Softmax"), densekit::Activation::from_name("softmax"), "Softmax");
}

LayerPtr PReLU(const std::string& name) { return std::make_shared<densekit::PReLU>(name_or(name, "PReLU")); }

LayerPtr Add(const std::string& name) { return std::make_shared<Merge>(name_or(name, "Add"), MergeOp::Add); }
LayerPtr Subtract(const std::string& name) { return std::make_shared<Merge>(name_or(name, "Subtract"), MergeOp::Subtract); }
LayerPtr Multiply(const std::string& name) { return std::make_shared<Merge>(name_or(name, "Multiply"), MergeOp::Multiply); }
LayerPtr Average(const std::string& name) { return std::make_shared<Merge>(name_or(name, "Average"), MergeOp::Average); }
LayerPtr Maximum(const std::string& name) { return std::make_shared<Merge>(name_or(name, "Maximum"), MergeOp::Maximum); }
LayerPtr Minimum(const std::string& name) { return std::make_shared<Merge>(name_or(name, "Minimum"), MergeOp::Minimum); }

LayerPtr Embedding(int64_t input_dim, int64_t output_dim, const std::string& embeddings_initializer,
                   const std::string& name) {
  EmbeddingOptions options;
  options.embeddings_initializer = Initializer::from_name(embeddings_initializer);
  return std::make_shared<densekit::Embedding>(name_or(name, "Embedding"), input_dim, output_dim, options);
}

LayerPtr Dot(int axes, bool normalize, const std::string& name) {
  return std::make_shared<densekit::Dot>(name_or(name, "Dot"), std::vector<int>{axes}, normalize);
}

LayerPtr Concatenate(int axis, const std::string& name) {
  return std::make_shared<densekit::Concatenate>(name_or(name, "Concatenate"), axis);
}

LayerPtr BatchNormalization(double momentum, double epsilon, const std::string& name) {
  BatchNormalizationOptions o;
  o.momentum = momentum, o.epsilon = epsilon;
  return std::make_shared<densekit::BatchNormalization>(name_or(name, "BatchNormalization"), o);
}

LayerPtr LayerNormalization(double epsilon, const std::string& name) {
  LayerNormalizationOptions o;
  o.epsilon = epsilon;
  return std::make_shared<densekit::LayerNormalization>(name_or(name, "LayerNormalization"), o);
}

LayerPtr RMSNormalization(double epsilon, const std::string& name) {
  LayerNormalizationOptions options;
  options.mode = NormalizationMode::RootMeanSquare;
  options.epsilon = epsilon;
  return std::make_shared<densekit::LayerNormalization>(name_or(name, "RMSNormalization"), options);
}

LayerPtr Normalization(const std::vector<double>& mean, const std::vector<double>& variance, const std::string& name) {
  NormalizationOptions o;
  o.mean = mean, o.variance = variance;
  if (mean.size() != 1) o.value_shape = {static_cast<int64_t>(mean.size())};
  return std::make_shared<densekit::Normalization>(name_or(name, "Normalization"), o);
}

LayerPtr GaussianNoise(double stddev, const std::string& name) {
  return std::make_shared<densekit::GaussianNoise>(name_or(name, "GaussianNoise"), stddev);
}

LayerPtr GaussianDropout(double rate, const std::string& name) {
  return std::make_shared<densekit::GaussianDropout>(name_or(name, "GaussianDropout"), rate);
}

LayerPtr AlphaDropout(double rate, const std::string& name) {
  return std::make_shared<densekit::AlphaDropout>(name_or(name, "AlphaDropout"), rate);
}

LayerPtr Rescaling(double scale, double offset, const std::string& name) {
  return std::make_shared<densekit::Rescaling>(name_or(name, "Rescaling"), scale, offset);
}

LayerPtr Reshape(const Shape& target_shape, const std::string& name) {
  return std::make_shared<densekit::Reshape>(name_or(name, "Reshape"), target_shape);
}

LayerPtr Identity(const std::string& name) { return std::make_shared<densekit::Identity>(name_or(name, "Identity")); }

LayerPtr Permute(const std::vector<int>& dims, const std::string& name) {
  return std::make_shared<densekit::Permute>(name_or(name, "Permute"), dims);
}

LayerPtr RepeatVector(int64_t n, const std::string& name) {
  return std::make_shared<densekit::RepeatVector>(name_or(name, "RepeatVector"), n);
}

LayerPtr UnitNormalization(int axis, const std::string& name) {
  return std::make_shared<densekit::UnitNormalization>(name_or(name, "UnitNormalization"), std::vector<int>{axis});
}

LayerPtr CategoryEncoding(int64_t num_tokens, const std::string& output_mode, const std::string& name) {
  Json config = {{"num_tokens", num_tokens}, {"output_mode", output_mode}};
  config["name"] = name_or(name, "CategoryEncoding");
  return layer_from_config("CategoryEncoding", config);
}

}  // namespace layers

namespace optimizers {
namespace {
OptimizerConfig base(OptimizerKind kind, double learning_rate) {
  OptimizerConfig c = OptimizerConfig::defaults(kind);
  c.learning_rate = learning_rate;
  c.name = auto_name(c.class_name());
  return c;
}
}  // namespace

OptimizerConfig SGD(double learning_rate, double momentum, bool nesterov) {
  OptimizerConfig c = base(OptimizerKind::SGD, learning_rate);
  c.momentum = momentum, c.nesterov = nesterov;
  return c;
}
OptimizerConfig Adam(double learning_rate, double beta_1, double beta_2, double epsilon, bool amsgrad) {
  OptimizerConfig c = base(OptimizerKind::Adam, learning_rate);
  c.beta_1 = beta_1, c.beta_2 = beta_2, c.epsilon = epsilon, c.amsgrad = amsgrad;
  return c;
}
OptimizerConfig AdamW(double learning_rate, double weight_decay) {
  OptimizerConfig c = base(OptimizerKind::AdamW, learning_rate);
  c.weight_decay = weight_decay;
  return c;
}
OptimizerConfig RMSprop(double learning_rate, double rho, double momentum, double epsilon, bool centered) {
  OptimizerConfig c = base(OptimizerKind::RMSprop, learning_rate);
  c.rho = rho, c.momentum = momentum, c.epsilon = epsilon, c.centered = centered;
  return c;
}
OptimizerConfig Adagrad(double learning_rate, double initial_accumulator_value) {
  OptimizerConfig c = base(OptimizerKind::Adagrad, learning_rate);
  c.initial_accumulator_value = initial_accumulator_value;
  return c;
}
OptimizerConfig Adadelta(double learning_rate, double rho) {
  OptimizerConfig c = base(OptimizerKind::Adadelta, learning_rate);
  c.rho = rho;
  return c;
}
OptimizerConfig Adamax(double learning_rate) { return base(OptimizerKind::Adamax, learning_rate); }
OptimizerConfig Nadam(double learning_rate) { return base(OptimizerKind::Nadam, learning_rate); }
OptimizerConfig Ftrl(double learning_rate, double learning_rate_power, double initial_accumulator_value,
                     double l1_regularization_strength, double l2_regularization_strength,
                     double l2_shrinkage_regularization_strength, double beta) {
  OptimizerConfig c = base(OptimizerKind::Ftrl, learning_rate);
  c.learning_rate_power = learning_rate_power, c.initial_accumulator_value = initial_accumulator_value;
  c.l1_regularization_strength = l1_regularization_strength, c.l2_regularization_strength = l2_regularization_strength;
  c.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength, c.beta = beta;
  return c;
}
OptimizerConfig Lion(double learning_rate, double beta_1, double beta_2) {
  OptimizerConfig c = base(OptimizerKind::Lion, learning_rate);
  c.beta_1 = beta_1, c.beta_2 = beta_2;
  return c;
}
OptimizerConfig Lamb(double learning_rate, double beta_1, double beta_2, double epsilon) {
  OptimizerConfig c = base(OptimizerKind::Lamb, learning_rate);
  c.beta_1 = beta_1, c.beta_2 = beta_2, c.epsilon = epsilon;
  return c;
}

namespace schedules {
namespace {
LearningRateSchedule make(ScheduleKind kind, const char* name, double lr0, double decay_steps) {
  LearningRateSchedule s;
  s.kind = kind, s.name = name, s.initial_learning_rate = lr0, s.decay_steps = decay_steps;
  return s;
}
LearningRateSchedule checked(LearningRateSchedule s) {
  s.validate();
  return s;
}
}  // namespace

LearningRateSchedule ExponentialDecay(double initial_learning_rate, double decay_steps, double decay_rate, bool staircase) {
  auto s = make(ScheduleKind::ExponentialDecay, "ExponentialDecay", initial_learning_rate, decay_steps);
  s.decay_rate = decay_rate, s.staircase = staircase;
  return checked(s);
}
LearningRateSchedule PiecewiseConstantDecay(const std::vector<double>& boundaries, const std::vector<double>& values) {
  auto s = make(ScheduleKind::PiecewiseConstantDecay, "PiecewiseConstant", 0.0, 1.0);
  s.boundaries = boundaries, s.values = values;
  return checked(s);
}
LearningRateSchedule PolynomialDecay(double initial_learning_rate, double decay_steps, double end_learning_rate, double power,
                                     bool cycle) {
  auto s = make(ScheduleKind::PolynomialDecay, "PolynomialDecay", initial_learning_rate, decay_steps);
  s.end_learning_rate = end_learning_rate, s.power = power, s.cycle = cycle;
  return checked(s);
}
LearningRateSchedule InverseTimeDecay(double initial_learning_rate, double decay_steps, double decay_rate, bool staircase) {
  auto s = make(ScheduleKind::InverseTimeDecay, "InverseTimeDecay", initial_learning_rate, decay_steps);
  s.decay_rate = decay_rate, s.staircase = staircase;
  return checked(s);
}
LearningRateSchedule CosineDecay(double initial_learning_rate, double decay_steps, double alpha,
                                 std::optional<double> warmup_target, double warmup_steps) {
  auto s = make(ScheduleKind::CosineDecay, "CosineDecay", initial_learning_rate, decay_steps);
  s.alpha = alpha, s.warmup_target = warmup_target, s.warmup_steps = warmup_steps;
  return checked(s);
}
LearningRateSchedule CosineDecayRestarts(double initial_learning_rate, double first_decay_steps, double t_mul, double m_mul,
                                         double alpha) {
  auto s = make(ScheduleKind::CosineDecayRestarts, "SGDRDecay", initial_learning_rate, first_decay_steps);
  s.t_mul = t_mul, s.m_mul = m_mul, s.alpha = alpha;
  return checked(s);
}
}  // namespace schedules
}  // namespace optimizers

namespace constraints {
namespace {
Constraint make(ConstraintKind kind, const std::vector<int64_t>& axis) {
  Constraint c;
  c.kind = kind, c.axis = axis;
  return c;
}
}  // namespace
Constraint MaxNorm(double max_value, const std::vector<int64_t>& axis) {
  Constraint c = make(ConstraintKind::MaxNorm, axis);
  c.max_value = max_value;
  return c;
}
Constraint NonNeg() { return make(ConstraintKind::NonNeg, {0}); }
Constraint UnitNorm(const std::vector<int64_t>& axis) { return make(ConstraintKind::UnitNorm, axis); }
Constraint MinMaxNorm(double min_value, double max_value, double rate, const std::vector<int64_t>& axis) {
  Constraint c = make(ConstraintKind::MinMaxNorm, axis);
  c.min_value = min_value, c.max_value = max_value, c.rate = rate;
  return c;
}
}  // namespace constraints

Sequential::Sequential(const std::vector<LayerPtr>& layers, const std::string& name) : Model(chain(layers)) {
  this->name = name_or(name, "Sequential");
  class_name = "Sequential";
}

Model Functional(std::shared_ptr<Graph> graph, const std::string& name) {
  Model model(std::move(graph));
  model.name = name_or(name, "Functional");
  model.class_name = "Functional";
  return model;
}

}  // namespace densekit
