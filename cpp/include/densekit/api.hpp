// The Keras-shaped C++ API: build a model from layers, compile it with Keras's identifiers,
// fit / evaluate / predict on Eigen matrices, save it — with the names and defaults of Python.
//
//   densekit::Sequential net({densekit::layers::Input({30}),
//                             densekit::layers::Dense(30, "relu"),
//                             densekit::layers::Dense(1, "sigmoid")});
//   net.compile(densekit::optimizers::Adam(1e-3), "binary_crossentropy", {"accuracy"});
//   densekit::History h = net.fit(X, y, fit_options);
//   net.save("classifier.dk");
#pragma once

#include <densekit/layers/activation.hpp>
#include <densekit/layers/dense.hpp>
#include <densekit/layers/dropout.hpp>
#include <densekit/layers/flatten.hpp>
#include <densekit/layers/input_layer.hpp>
#include <densekit/model.hpp>

#include <optional>
#include <string>
#include <vector>

namespace densekit {

// Layers with Keras's defaults; a name is generated ("dense", "dense_1", ...) when none is given.
namespace layers {
// dtype "float32", or an integer type (or "bool") for whole numbers such as an Embedding's
// indices: each value becomes what Keras's cast to that type makes of it (truncated toward zero;
// wrapped around the range of the narrow types; 1 where non-zero for bool).
LayerPtr Input(const Shape& shape, const std::string& name = "", const std::string& dtype = "float32");
LayerPtr Dense(int64_t units, const std::string& activation = "linear", bool use_bias = true,
               const std::string& kernel_initializer = "glorot_uniform", const std::string& bias_initializer = "zeros",
               const std::string& name = "");
// Rows of an (input_dim, output_dim) table for whole-number inputs in [0, input_dim).
LayerPtr Embedding(int64_t input_dim, int64_t output_dim, const std::string& embeddings_initializer = "uniform",
                   const std::string& name = "");
LayerPtr Dropout(double rate, const std::string& name = "");
LayerPtr Flatten(const std::string& name = "");
// Each channel's mean or maximum over a sample's steps (1D), pixels (2D) or voxels (3D); inputs
// (spatial..., channels) or, with data_format "channels_first", (channels, spatial...).
LayerPtr GlobalAveragePooling1D(const std::string& data_format = "channels_last", bool keepdims = false,
                                const std::string& name = "");
LayerPtr GlobalAveragePooling2D(const std::string& data_format = "channels_last", bool keepdims = false,
                                const std::string& name = "");
LayerPtr GlobalAveragePooling3D(const std::string& data_format = "channels_last", bool keepdims = false,
                                const std::string& name = "");
LayerPtr GlobalMaxPooling1D(const std::string& data_format = "channels_last", bool keepdims = false,
                            const std::string& name = "");
LayerPtr GlobalMaxPooling2D(const std::string& data_format = "channels_last", bool keepdims = false,
                            const std::string& name = "");
LayerPtr GlobalMaxPooling3D(const std::string& data_format = "channels_last", bool keepdims = false,
                            const std::string& name = "");
LayerPtr Activation(const std::string& activation, const std::string& name = "");
LayerPtr ReLU(const std::string& name = "");
LayerPtr LeakyReLU(double negative_slope = 0.3, const std::string& name = "");
LayerPtr ELU(double alpha = 1.0, const std::string& name = "");
LayerPtr Softmax(const std::string& name = "");
LayerPtr PReLU(const std::string& name = "");
// Merges: call them on several nodes (Graph::add_layer(layer, {a, b})).
LayerPtr Add(const std::string& name = "");
LayerPtr Subtract(const std::string& name = "");
LayerPtr Multiply(const std::string& name = "");
LayerPtr Average(const std::string& name = "");
LayerPtr Maximum(const std::string& name = "");
LayerPtr Minimum(const std::string& name = "");
LayerPtr Concatenate(int axis = -1, const std::string& name = "");
// The dot product of two inputs' vectors (their cosine similarity with normalize): one value a sample.
LayerPtr Dot(int axes = -1, bool normalize = false, const std::string& name = "");
LayerPtr BatchNormalization(double momentum = 0.99, double epsilon = 1e-3, const std::string& name = "");
LayerPtr LayerNormalization(double epsilon = 1e-3, const std::string& name = "");
// x / sqrt(mean(x²) + epsilon) · scale over the last axis.
LayerPtr RMSNormalization(double epsilon = 1e-6, const std::string& name = "");
// Per-feature statistics, as Keras's Normalization(mean=..., variance=...).
LayerPtr Normalization(const std::vector<double>& mean, const std::vector<double>& variance, const std::string& name = "");
LayerPtr GaussianNoise(double stddev, const std::string& name = "");
LayerPtr GaussianDropout(double rate, const std::string& name = "");
LayerPtr AlphaDropout(double rate, const std::string& name = "");
LayerPtr Rescaling(double scale, double offset = 0.0, const std::string& name = "");
LayerPtr Reshape(const Shape& target_shape, const std::string& name = "");
LayerPtr Identity(const std::string& name = "");
// A sample's axes reordered: dims are 1-based, the batch axis not counted ({2, 1} swaps two axes).
LayerPtr Permute(const std::vector<int>& dims, const std::string& name = "");
// (d,) -> (n, d): the vector repeated n times.
LayerPtr RepeatVector(int64_t n, const std::string& name = "");
// Each sample divided by its L2 norm along `axis` (Keras's axis, counting the batch axis).
LayerPtr UnitNormalization(int axis = -1, const std::string& name = "");
// Whole numbers in [0, num_tokens) as num_tokens columns: output_mode "multi_hot", "count" or "one_hot".
LayerPtr CategoryEncoding(int64_t num_tokens, const std::string& output_mode = "multi_hot", const std::string& name = "");
}  // namespace layers

// Optimizer settings with Keras's defaults (pass them to compile).
namespace optimizers {
OptimizerConfig SGD(double learning_rate = 0.01, double momentum = 0.0, bool nesterov = false);
OptimizerConfig Adam(double learning_rate = 0.001, double beta_1 = 0.9, double beta_2 = 0.999, double epsilon = 1e-7,
                     bool amsgrad = false);
OptimizerConfig AdamW(double learning_rate = 0.001, double weight_decay = 0.004);
OptimizerConfig RMSprop(double learning_rate = 0.001, double rho = 0.9, double momentum = 0.0, double epsilon = 1e-7,
                        bool centered = false);
OptimizerConfig Adagrad(double learning_rate = 0.001, double initial_accumulator_value = 0.1);
OptimizerConfig Adadelta(double learning_rate = 0.001, double rho = 0.95);
OptimizerConfig Adamax(double learning_rate = 0.001);
OptimizerConfig Nadam(double learning_rate = 0.001);
OptimizerConfig Ftrl(double learning_rate = 0.001, double learning_rate_power = -0.5, double initial_accumulator_value = 0.1,
                     double l1_regularization_strength = 0.0, double l2_regularization_strength = 0.0,
                     double l2_shrinkage_regularization_strength = 0.0, double beta = 0.0);
OptimizerConfig Lion(double learning_rate = 0.001, double beta_1 = 0.9, double beta_2 = 0.99);
OptimizerConfig Lamb(double learning_rate = 0.001, double beta_1 = 0.9, double beta_2 = 0.999, double epsilon = 1e-7);

// Learning-rate schedules (set OptimizerConfig::schedule); evaluated at every step.
namespace schedules {
LearningRateSchedule ExponentialDecay(double initial_learning_rate, double decay_steps, double decay_rate,
                                      bool staircase = false);
LearningRateSchedule PiecewiseConstantDecay(const std::vector<double>& boundaries, const std::vector<double>& values);
LearningRateSchedule PolynomialDecay(double initial_learning_rate, double decay_steps, double end_learning_rate = 0.0001,
                                     double power = 1.0, bool cycle = false);
LearningRateSchedule InverseTimeDecay(double initial_learning_rate, double decay_steps, double decay_rate,
                                      bool staircase = false);
LearningRateSchedule CosineDecay(double initial_learning_rate, double decay_steps, double alpha = 0.0,
                                 std::optional<double> warmup_target = std::nullopt, double warmup_steps = 0.0);
LearningRateSchedule CosineDecayRestarts(double initial_learning_rate, double first_decay_steps, double t_mul = 2.0,
                                         double m_mul = 1.0, double alpha = 0.0);
}  // namespace schedules
}  // namespace optimizers

// Weight constraints (DenseOptions::kernel_constraint / bias_constraint).
namespace constraints {
Constraint MaxNorm(double max_value = 2.0, const std::vector<int64_t>& axis = {0});
Constraint NonNeg();
Constraint UnitNorm(const std::vector<int64_t>& axis = {0});
Constraint MinMaxNorm(double min_value = 0.0, double max_value = 1.0, double rate = 1.0,
                      const std::vector<int64_t>& axis = {0});
}  // namespace constraints

// A stack of layers, the first an Input: builds its graph at once.
class Sequential : public Model {
 public:
  explicit Sequential(const std::vector<LayerPtr>& layers, const std::string& name = "");
};

// A functional model: a graph built node by node (Graph::add_input, Graph::add_layer,
// Graph::set_outputs), wrapped as a model.
Model Functional(std::shared_ptr<Graph> graph, const std::string& name = "");

}  // namespace densekit
