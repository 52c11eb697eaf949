// Losses (keras/src/losses/loss.py, keras/src/losses/losses.py): per-sample values, Keras's
// reductions, sample weights, and the gradient with respect to the predictions (or to the
// logits, for the fused cross-entropies).
#pragma once

#include <densekit/activations.hpp>
#include <densekit/tensor.hpp>

#include <memory>
#include <string>
#include <vector>

namespace densekit {

class TracedLossFunction;  // traced_loss.hpp

// Keras's backend.epsilon(): the fuzz factor its losses clip by and its metrics add to
// thresholds and denominators.
inline constexpr double kEpsilon = 1e-7;

enum class LossKind {
  MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
  Huber, LogCosh, Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson, CosineSimilarity,
  BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
  BinaryFocalCrossentropy, CategoricalFocalCrossentropy,
  // "crossentropy"/"ce": binary, sparse or categorical, chosen from the shapes (like "accuracy").
  AutoCrossentropy,
};

enum class Reduction { SumOverBatchSize, Sum, MeanWithSampleWeight, None };

// A batch of targets and predictions given as flat arrays, as a caller outside the training loop
// (Python's loss objects) hands them over: the samples are the rows of y_pred's last axis, and
// y_true must split into as many rows (else ValueError).
struct LossBatch {
  Index rows = 0, y_true_cols = 0, y_pred_cols = 0;
  LossBatch(Index y_true_size, Index y_pred_size, Index y_pred_last_axis);
  // Throws ValueError unless `size` sample weights are one per sample.
  void check_sample_weight(Index size) const;
};

struct Loss {
  LossKind kind = LossKind::MeanSquaredError;
  bool from_logits = false;
  double label_smoothing = 0.0;
  double delta = 1.0;  // Huber
  // The focal cross-entropies: the focusing exponent, the class weight alpha (the binary one
  // applies it only with apply_class_balancing).
  double gamma = 2.0;
  double alpha = 0.25;
  bool apply_class_balancing = false;
  Reduction reduction = Reduction::SumOverBatchSize;
  // How compile() received it: a string identifier ("mse") is saved as that string; otherwise
  // the loss is saved as a class with this name.
  std::string identifier;
  std::string display_name;
  // A loss written in Python with densekit.ops (a function, or a Loss subclass's call) and traced
  // into a graph: when set, it replaces `kind` (only the reduction applies).
  std::shared_ptr<TracedLossFunction> traced;

  // String identifiers of keras.losses.get: function names, class names and the aliases.
  static Loss from_name(const std::string& name);
  static std::vector<std::string> names();
  static Reduction reduction_from_name(const std::string& name);
  // Function name, e.g. "binary_crossentropy".
  std::string name() const;

  // Throws ValueError for arguments outside their range (a focal gamma below 0, a non-finite
  // alpha or gamma): checked wherever a loss is made from arguments (configs, Python's classes).
  void validate() const;
  // Binds AutoCrossentropy to a concrete kind from the target and prediction widths.
  Loss resolved(Index y_true_cols, Index y_pred_cols) const;
  // Throws ValueError when targets and predictions cannot go together (widths, label range).
  void check_targets(ConstView y_true, Index y_pred_cols) const;
  // The same for `rows` targets of `y_true_cols` values each (float or double).
  template <class T>
  void check_targets(const T* y_true, Index rows, Index y_true_cols, Index y_pred_cols) const;

  // The per-sample loss (the last axis reduced): y_true (rows, tcols), y_pred (rows, pcols).
  template <class T>
  void per_sample(const T* y_true, Index tcols, const T* y_pred, Index pcols, Index rows, T* out) const;

  // The reduced loss over a batch, and (when grad is non-null) its gradient with respect to
  // y_pred, where the reduction divides by `divisor` samples (the whole batch, for sum over
  // batch size). sample_weight may be null.
  template <class T>
  double value_and_grad(const T* y_true, Index tcols, const T* y_pred, Index pcols, Index rows,
                        const T* sample_weight, double divisor, T* grad) const;

  // The same for a LossBatch: "crossentropy" resolved from the widths first, the reduction
  // dividing by the batch's rows, and sample_weight (may be null) checked to hold one value per
  // sample.
  template <class T>
  void per_sample(const LossBatch& batch, const T* y_true, const T* y_pred, T* out) const;
  template <class T>
  double value_and_grad(const LossBatch& batch, const T* y_true, const T* y_pred, const T* sample_weight,
                        Index sample_weight_size, T* grad) const;

  // Keras on TensorFlow computes the binary, categorical and sparse cross-entropies (and the
  // binary focal one's) of an output that a softmax or sigmoid produced from that activation's
  // input, the logits, whatever from_logits says (keras/src/backend/tensorflow/nn.py,
  // _get_logits): whether this loss is one of them, and the same loss reading logits.
  bool reads_logits() const;
  Loss on_logits() const;

 private:
  void require_built_in() const;  // ValueError for a traced loss
};

}  // namespace densekit
