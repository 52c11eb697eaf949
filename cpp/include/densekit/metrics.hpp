// Metrics (keras/src/metrics/): streaming accumulators over an epoch.
#pragma once

#include <densekit/losses.hpp>
#include <densekit/tensor.hpp>
#include <densekit/traced_metric.hpp>

#include <memory>
#include <string>
#include <vector>

namespace densekit {

class Workspace;  // graph.hpp

enum class MetricKind {
  // Mean of a per-sample function:
  BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
  SparseTopKCategoricalAccuracy, Accuracy /* y == p exactly */, MeanAbsoluteError, MeanSquaredError, MeanAbsolutePercentageError,
  MeanSquaredLogarithmicError, CosineSimilarity, LossFunction,
  // Their own accumulators:
  RootMeanSquaredError, Precision, Recall, AUC,
  // Confusion counts at each of `thresholds` (keras/src/metrics/confusion_metrics.py):
  TruePositives, FalsePositives, TrueNegatives, FalseNegatives,
  // The best of one rate where another reaches `value`, over `num_thresholds` thresholds in [0, 1]:
  SensitivityAtSpecificity, SpecificityAtSensitivity, PrecisionAtRecall, RecallAtPrecision,
  // Per-column sums (keras/src/metrics/regression_metrics.py, f_score_metrics.py):
  R2Score, FBetaScore, F1Score,
  // The weighted mean / sum of the values (keras/src/metrics/reduction_metrics.py): each row's
  // mean (Mean) or sum (Sum) of y_pred, as the standalone objects pass the values.
  Mean, Sum,
  // "accuracy"/"acc": binary, sparse or categorical accuracy, chosen from the shapes.
  AutoAccuracy,
  // The user's Metric subclass, its update_state and result traced (traced_metric.hpp).
  Stateful,
  // Mean of a per-sample correlation of the targets and outputs across the outputs (the last
  // axis; keras/src/metrics/correlation_metrics.py).
  PearsonCorrelation, ConcordanceCorrelation,
};

class Metric {
 public:
  Metric(MetricKind kind, std::string name);
  // keras.metrics.get: class name, snake-case class name, aliases; throws ValueError listing
  // the known names. The metric is named as given.
  static std::shared_ptr<Metric> from_name(const std::string& identifier);
  static std::vector<std::string> names();

  MetricKind kind() const { return kind_; }
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  // The direction callbacks' mode="auto" uses: true when larger is better.
  bool higher_is_better() const;
  // False for the metrics Keras gives no direction, where mode="auto" cannot tell which way
  // they improve: the confusion counts, Mean, Sum, a stateful metric written in Python, and a
  // function that is not one of Keras's losses (an accuracy function, or one written in Python),
  // which Keras wraps in a MeanMetricWrapper without one (keras/src/metrics/reduction_metrics.py).
  bool has_direction() const;

  // Parameters: set them before reset() (update() calls it first when it never ran), which
  // sizes the accumulators from them.
  double threshold = 0.5;  // binary accuracy, precision, recall
  int k = 5;               // top-k
  int num_thresholds = 200;  // AUC, the *At* metrics
  bool from_logits = false;  // AUC
  // The confusion-count metrics' thresholds; empty means {threshold}.
  std::vector<double> thresholds;
  std::string curve = "ROC";                   // AUC: "ROC" or "PR"
  std::string summation_method = "interpolation";  // AUC: "interpolation", "minoring", "majoring"
  bool multi_label = false;                    // AUC: counts per label, the mean of the labels' areas
  Index num_labels = 0;                        // AUC multi_label: 0 until the data says
  double value = 0.5;                          // the *At* metrics' constraint
  Index class_id = -1;                         // the *At* metrics: one column, or -1 for all
  std::string class_aggregation = "uniform_average";  // R2Score; "" returns one score per column
  int num_regressors = 0;                      // R2Score: adjusted R² when > 0
  std::string average;                         // FBetaScore: "", "micro", "macro", "weighted"
  double beta = 1.0;                           // FBetaScore
  bool top_only = true;                        // FBetaScore threshold=None: each row's largest output
  Loss loss;               // LossFunction
  std::shared_ptr<TracedMetricFunction> stateful;  // Stateful
  // The string compile() received ("mae"); empty for a metric object, saved as its class.
  std::string identifier;
  // Set for Keras's MeanMetricWrapper of one of its functions (keras.metrics.binary_accuracy,
  // keras.losses.huber), saved as that function, or as the wrapper when named or given arguments.
  std::string function_name;

  // A copy bound to a concrete accumulator (AutoAccuracy resolved from the widths).
  std::shared_ptr<Metric> resolved(Index y_true_cols, Index y_pred_cols) const;

  // Sizes the per-column accumulators (R2Score, F-scores, multi-label AUC) for outputs this wide;
  // the model calls it before training so every process's state has the same length.
  void build(Index y_pred_cols);
  void reset();
  // `logits`, when it has data: the logits of a softmax or sigmoid that produced y_pred, from
  // which the cross-entropies are computed, as Keras on TensorFlow computes them (Loss::reads_logits).
  void update(ConstView y_true, ConstView y_pred, const float* sample_weight, ConstView logits = {});
  // update() for flat arrays as a caller outside the training loop hands them over (Python's
  // metric objects), checked as a LossBatch is: the samples are the rows of y_pred's last axis.
  void update(const LossBatch& batch, const float* y_true, const float* y_pred, const float* sample_weight,
              Index sample_weight_size);
  double result() const;
  // What the accuracies and correlations average, as Keras's functions return it
  // (keras.metrics.binary_accuracy, categorical_accuracy, pearson_correlation, ...): for an
  // accuracy 1 for a hit and 0 for a miss, one per output for the binary and exact accuracies
  // (sample_value_cols), one per sample for the others. y_true and y_pred as update() takes
  // them; throws ValueError for any other kind of metric.
  Index sample_value_cols(Index y_pred_cols) const;
  void sample_values(ConstView y_true, ConstView y_pred, float* out);
  // The result as Keras returns it: one value, or one per threshold / column / label.
  std::vector<double> results() const;
  // True when results() has one value per threshold or column rather than a scalar.
  bool array_valued() const;
  // The accumulators, as sums that add up across processes (data-parallel training adds each
  // process's state): appended to `out`, and read back from `in` (returns the position after).
  void append_state(std::vector<double>& out) const;
  const double* restore_state(const double* in);

 private:
  MetricKind kind_;
  std::string name_;
  double total_ = 0.0;
  double count_ = 0.0;
  // Confusion counts per threshold (AUC) or a single threshold (precision/recall).
  std::vector<double> tp_, fp_, tn_, fn_;
  // Per-column sums: R2Score's Σw·y, Σw·y², Σw·(y−ŷ)², Σw; FBetaScore's Σw·y (the class weights).
  std::vector<double> sum_, squared_sum_, squared_error_, weight_;
  Index columns_ = 0;  // the per-column metrics' width (and AUC's labels), 0 until known

  std::vector<double> threshold_list() const;
  // The confusion metrics' thresholds as update() compares them (float32), and whether it clips
  // predictions to [0, 1] first: set by reset() from the thresholds' settings.
  std::vector<float> compared_thresholds_;
  bool clips_predictions_ = false;
  bool accumulators_sized_ = false;  // reset() has run
  bool counts_per_label_ = false;     // AUC multi_label, as reset() sized the counts
  bool pools_classes_ = false;        // F-scores average="micro", as reset() sized the counts
  void size_columns(Index columns);
  std::vector<float> values_;  // per-sample values of loss-function metrics, reused
  std::shared_ptr<Workspace> traced_ws_;  // a traced function's buffers (LossFunction with loss.traced, Stateful)
  std::vector<double> state_;  // Stateful: the variables' values
  mutable std::shared_ptr<Workspace> result_ws_;  // Stateful: result()'s graph buffers, and its inputs
  mutable std::vector<float> result_inputs_;
  std::vector<float> broadcast_;  // targets repeated across the outputs (targets_for), reused

  // The targets as this metric reads them: checked against the prediction width `pc`, and a
  // one-column target repeated across the outputs for the element-wise metrics, as Keras
  // broadcasts it (a sparse label compared with every output). Throws ValueError otherwise, so
  // no metric reads past the end of a narrower target.
  ConstView targets_for(ConstView y_true, Index pc);
};

using MetricPtr = std::shared_ptr<Metric>;

}  // namespace densekit
