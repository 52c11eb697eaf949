// Optimizers (keras-spec.md §6) over the model's flat parameter buffer: every slot mirrors
// the parameter layout, so a step is one loop per trainable tensor.
#pragma once

#include <densekit/tensor.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace densekit {

enum class OptimizerKind { SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam };

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::RMSprop;
  double learning_rate = 0.001;
  double beta_1 = 0.9, beta_2 = 0.999, epsilon = 1e-7;
  bool amsgrad = false;
  double momentum = 0.0;
  bool nesterov = false;
  double rho = 0.9;
  bool centered = false;
  double initial_accumulator_value = 0.1;
  std::optional<double> weight_decay, clipnorm, clipvalue, global_clipnorm;
  std::string name;  // "adam", "adam_1", ...

  // Keras's defaults for `kind` ("adam", "SGD", ... case-insensitive); throws ValueError.
  static OptimizerConfig defaults(OptimizerKind kind);
  static OptimizerConfig from_name(const std::string& name);
  static std::vector<std::string> names();
  std::string class_name() const;
  void validate() const;
};

// One trainable tensor inside the flat buffer.
struct Segment {
  int64_t offset = 0;
  int64_t size = 0;
};

class Optimizer {
 public:
  explicit Optimizer(OptimizerConfig config);
  const OptimizerConfig& config() const { return config_; }

  // Allocates slots for a buffer of `size` floats of which `segments` are trainable.
  void build(int64_t size, std::vector<Segment> segments);
  bool built() const { return built_; }
  // One update of `params` from `grads` (grads may be clipped in place).
  void apply(float* params, float* grads);

  int64_t iterations() const { return iterations_; }
  void set_iterations(int64_t it) { iterations_ = it; }
  double learning_rate() const { return config_.learning_rate; }
  void set_learning_rate(double lr);
  // What Keras counts as the optimizer's variables: iteration, learning_rate and the slots.
  int64_t variable_count() const;
  // Slot buffers (each the size of the parameter buffer), for saving and tests.
  std::vector<Buffer>& slots() { return slots_; }
  double nadam_u_product() const { return u_product_; }
  // Resumes a loaded optimizer where it stopped (slots are restored through slots()).
  void restore_progress(int64_t iterations, double nadam_u_product) {
    iterations_ = iterations;
    u_product_ = nadam_u_product;
  }

 private:
  void clip(float* grads) const;
  void update_segment(float* w, const float* g, int64_t offset, int64_t n, double t, double lr);

  OptimizerConfig config_;
  bool built_ = false;
  int64_t iterations_ = 0;
  std::vector<Segment> segments_;
  std::vector<Buffer> slots_;
  double u_product_ = 1.0;  // Nadam's running product of momentum coefficients
};

}  // namespace densekit
