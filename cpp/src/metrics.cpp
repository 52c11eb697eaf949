#include <densekit/errors.hpp>
#include <densekit/metrics.hpp>
#include <densekit/graph.hpp>
#include <densekit/traced_loss.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace densekit {
namespace {

Index argmax(const float* v, Index n) { return std::max_element(v, v + n) - v; }

bool is_confusion(MetricKind k) {
  switch (k) {
    case MetricKind::Precision: case MetricKind::Recall: case MetricKind::AUC:
    case MetricKind::TruePositives: case MetricKind::FalsePositives:
    case MetricKind::TrueNegatives: case MetricKind::FalseNegatives:
    case MetricKind::SensitivityAtSpecificity: case MetricKind::SpecificityAtSensitivity:
    case MetricKind::PrecisionAtRecall: case MetricKind::RecallAtPrecision:
      return true;
    default:
      return false;
  }
}

bool is_at(MetricKind k) {
  return k == MetricKind::SensitivityAtSpecificity || k == MetricKind::SpecificityAtSensitivity ||
         k == MetricKind::PrecisionAtRecall || k == MetricKind::RecallAtPrecision;
}

bool is_fscore(MetricKind k) { return k == MetricKind::FBetaScore || k == MetricKind::F1Score; }

// Keras counts predictions against evenly spaced thresholds by bucket, after clipping them to
// [0, 1] (keras/src/metrics/metrics_utils.py, _update_confusion_matrix_variables_optimized):
// so for AUC, the *At* metrics and evenly spaced threshold lists (0, 1/(n-1), ..., 1), a
// prediction outside [0, 1] counts as 0 or 1 would.
bool evenly_spaced(const std::vector<double>& t) {
  const size_t n = t.size();
  if (n < 3) return false;
  for (size_t i = 0; i < n; ++i)
    if (std::fabs(t[i] - double(float(double(i) / double(n - 1)))) > 1e-7 + 1e-5 * double(float(double(i) / double(n - 1))))
      return false;
  return true;
}

bool is_accuracy(MetricKind k) {
  return k == MetricKind::BinaryAccuracy || k == MetricKind::CategoricalAccuracy || k == MetricKind::Accuracy ||
         k == MetricKind::SparseCategoricalAccuracy || k == MetricKind::TopKCategoricalAccuracy ||
         k == MetricKind::SparseTopKCategoricalAccuracy;
}

bool is_correlation(MetricKind k) {
  return k == MetricKind::PearsonCorrelation || k == MetricKind::ConcordanceCorrelation;
}

// A row's correlation of targets y and outputs p over its n outputs, with Keras's formulas
// (keras/src/metrics/correlation_metrics.py): Pearson's mean of the products of the standardised
// values (NaN when either row is constant, as in Keras); the concordance coefficient with the
// outputs' mean subtracted from the targets too, as Keras's covariance term has it, and
// epsilon added to its denominator.
double row_correlation(MetricKind kind, const float* y, const float* p, Index n) {
  double y_mean = 0.0, p_mean = 0.0;
  for (Index j = 0; j < n; ++j) y_mean += y[j], p_mean += p[j];
  y_mean /= double(n), p_mean /= double(n);
  double y_var = 0.0, p_var = 0.0, products = 0.0;
  for (Index j = 0; j < n; ++j) {
    const double dy = y[j] - y_mean, dp = p[j] - p_mean;
    y_var += dy * dy, p_var += dp * dp;
    products += (kind == MetricKind::PearsonCorrelation ? dy : y[j] - p_mean) * dp;
  }
  y_var /= double(n), p_var /= double(n), products /= double(n);
  if (kind == MetricKind::PearsonCorrelation) return products / (std::sqrt(y_var) * std::sqrt(p_var));
  const double gap = y_mean - p_mean;
  return 2.0 * products / (y_var + p_var + gap * gap + double(kEpsilon));
}

// Whether output j of a row hits (keras/src/metrics/accuracy_metrics.py): the binary and exact
// accuracies compare each output on its own.
bool output_hits(MetricKind kind, float y, float p, double threshold) {
  return kind == MetricKind::Accuracy ? y == p : y == (p > threshold ? 1.0f : 0.0f);
}

// A sparse label as a class position, or -1 unless it is a whole number in [0, classes): NaN,
// infinities and huge values never reach the cast.
Index class_of(float label, Index classes) {
  return label >= 0.0f && label < static_cast<float>(classes) && label == std::floor(label) ? static_cast<Index>(label) : -1;
}

// Whether a row's class is the predicted one (or among the k highest scores).
bool row_hits(MetricKind kind, const float* y, Index tc, const float* p, Index pc, int k) {
  switch (kind) {
    case MetricKind::CategoricalAccuracy: return argmax(y, tc) == argmax(p, pc);
    case MetricKind::SparseCategoricalAccuracy: return class_of(y[0], pc) == argmax(p, pc);
    default: {
      const Index target = kind == MetricKind::SparseTopKCategoricalAccuracy ? class_of(y[0], pc) : argmax(y, tc);
      if (target < 0 || target >= pc) return false;
      Index above = 0;  // classes scored strictly higher than the target
      for (Index j = 0; j < pc; ++j) {
        if (!std::isfinite(p[j])) return false;  // a row with NaN or inf: no hit (TensorFlow's in_top_k)
        above += p[j] > p[target];
      }
      return above < k;
    }
  }
}

}  // namespace

Metric::Metric(MetricKind kind, std::string name) : kind_(kind), name_(std::move(name)) {}

bool Metric::higher_is_better() const {
  switch (kind_) {
    case MetricKind::BinaryAccuracy:
    case MetricKind::CategoricalAccuracy:
    case MetricKind::SparseCategoricalAccuracy:
    case MetricKind::TopKCategoricalAccuracy:
    case MetricKind::SparseTopKCategoricalAccuracy:
    case MetricKind::Accuracy:
    case MetricKind::CosineSimilarity:
    case MetricKind::Precision:
    case MetricKind::Recall:
    case MetricKind::AUC:
    case MetricKind::AutoAccuracy:
    case MetricKind::SensitivityAtSpecificity:
    case MetricKind::SpecificityAtSensitivity:
    case MetricKind::PrecisionAtRecall:
    case MetricKind::RecallAtPrecision:
    case MetricKind::R2Score:
    case MetricKind::FBetaScore:
    case MetricKind::F1Score:
    case MetricKind::PearsonCorrelation:
    case MetricKind::ConcordanceCorrelation:
      return true;
    default:
      return false;
  }
}

bool Metric::has_direction() const {
  switch (kind_) {
    case MetricKind::TruePositives:
    case MetricKind::FalsePositives:
    case MetricKind::TrueNegatives:
    case MetricKind::FalseNegatives:
    case MetricKind::Mean:
    case MetricKind::Sum:
    case MetricKind::Stateful:  // Keras's Metric has no direction unless the class gives one
      return false;
    case MetricKind::LossFunction:
      return !loss.traced;  // every built-in loss goes down
    default:
      return function_name.empty();  // compiled by name or as an object, its class decides
  }
}

std::shared_ptr<Metric> Metric::resolved(Index y_true_cols, Index y_pred_cols) const {
  auto m = std::make_shared<Metric>(*this);
  m->traced_ws_.reset(), m->result_ws_.reset();  // buffers of its own
  if (kind_ == MetricKind::AutoAccuracy) {
    if (y_pred_cols == 1) m->kind_ = MetricKind::BinaryAccuracy;
    else if (y_true_cols == 1) m->kind_ = MetricKind::SparseCategoricalAccuracy;
    else m->kind_ = MetricKind::CategoricalAccuracy;
  }
  m->reset();
  m->build(y_pred_cols);  // the per-column accumulators sized now
  return m;
}

std::vector<double> Metric::threshold_list() const {
  constexpr int kMostThresholds = 1 << 24;  // (a file's value is not allowed to take all memory)
  if (is_confusion(kind_) && num_thresholds > kMostThresholds)
    throw ValueError("densekit's metrics count at most " + std::to_string(kMostThresholds) +
                     " thresholds. Received: num_thresholds=" + std::to_string(num_thresholds));
  switch (kind_) {
    case MetricKind::Precision:
    case MetricKind::Recall:
    case MetricKind::TruePositives:
    case MetricKind::FalsePositives:
    case MetricKind::TrueNegatives:
    case MetricKind::FalseNegatives:
      return thresholds.empty() ? std::vector<double>{threshold} : thresholds;
    case MetricKind::AUC: {
      if (num_thresholds < 2)  // (a C++ caller's or a file's value: Python refuses it first)
        throw ValueError("Argument `num_thresholds` must be an integer > 1. Received: num_thresholds=" +
                         std::to_string(num_thresholds));
      // Evenly spaced, the ends just outside [0, 1] so every prediction falls between them.
      std::vector<double> t(static_cast<size_t>(num_thresholds));
      for (int i = 1; i + 1 < num_thresholds; ++i) t[i] = double(i) / double(num_thresholds - 1);
      t.front() = -kEpsilon, t.back() = 1.0 + kEpsilon;
      return t;
    }
    case MetricKind::SensitivityAtSpecificity:
    case MetricKind::SpecificityAtSensitivity:
    case MetricKind::PrecisionAtRecall:
    case MetricKind::RecallAtPrecision: {
      if (num_thresholds < 1)
        throw ValueError("Argument `num_thresholds` must be an integer > 0. Received: num_thresholds=" +
                         std::to_string(num_thresholds));
      if (num_thresholds == 1) return {0.5};
      std::vector<double> t(static_cast<size_t>(num_thresholds));  // 0 and 1 themselves at the ends
      for (int i = 1; i + 1 < num_thresholds; ++i) t[i] = double(i) / double(num_thresholds - 1);
      t.front() = 0.0, t.back() = 1.0;
      return t;
    }
    default:
      return {};
  }
}

void Metric::build(Index y_pred_cols) {
  const bool per_column = kind_ == MetricKind::R2Score || is_fscore(kind_) || (kind_ == MetricKind::AUC && multi_label);
  if (!per_column) return;
  const Index columns = kind_ == MetricKind::AUC && num_labels > 0 ? num_labels : y_pred_cols;
  if (columns != columns_) size_columns(columns);
}

namespace {
constexpr size_t kMostCounts = size_t(1) << 24;  // a metric's counts (a file's num_labels must not take all memory)
}  // namespace

void Metric::size_columns(Index columns) {
  if (columns < 0 || size_t(columns) > kMostCounts)
    throw ValueError("The metric '" + name_ + "' cannot count " + std::to_string(columns) + " columns: densekit's "
                     "metrics count between 0 and " + std::to_string(kMostCounts) + ".");
  columns_ = columns;
  reset();
}

void Metric::reset() {
  // Every count and its layout (per label, per class or pooled) follows the settings of this
  // moment; update() and results() read that layout, never settings changed since.
  total_ = count_ = 0.0;
  accumulators_sized_ = true;
  counts_per_label_ = kind_ == MetricKind::AUC && multi_label;
  pools_classes_ = is_fscore(kind_) && average == "micro";
  if (stateful) state_ = stateful->reset_state();
  size_t n = 1;
  if (is_confusion(kind_)) {
    // Keras compares in float32, predictions and thresholds alike: a prediction of 0.3f is not
    // above a threshold of 0.3 (in double it would be). Kept here so update() allocates nothing.
    const std::vector<double> list = threshold_list();
    compared_thresholds_.assign(list.begin(), list.end());
    clips_predictions_ = kind_ == MetricKind::AUC || (is_at(kind_) && num_thresholds != 1) || evenly_spaced(list);
    const size_t labels = counts_per_label_ ? std::max<size_t>(1, size_t(columns_)) : 1;
    if (list.size() > kMostCounts / labels)
      throw ValueError("The metric '" + name_ + "' would keep " + std::to_string(list.size()) + " thresholds for each of " +
                       std::to_string(labels) + " labels: densekit keeps at most " + std::to_string(kMostCounts) + " counts.");
    n = list.size() * (counts_per_label_ ? size_t(columns_) : 1);
  }
  const size_t cols = pools_classes_ ? std::min<size_t>(1, size_t(columns_)) : size_t(columns_);
  if (is_fscore(kind_)) n = cols;
  tp_.assign(n, 0.0), fp_.assign(n, 0.0), tn_.assign(n, 0.0), fn_.assign(n, 0.0);
  const size_t per_column = kind_ == MetricKind::R2Score || is_fscore(kind_) ? cols : 0;
  sum_.assign(per_column, 0.0), squared_sum_.assign(per_column, 0.0), squared_error_.assign(per_column, 0.0),
      weight_.assign(per_column, 0.0);
}

void Metric::append_state(std::vector<double>& out) const {
  out.push_back(total_), out.push_back(count_);
  out.insert(out.end(), state_.begin(), state_.end());
  for (const auto* sums : {&tp_, &fp_, &tn_, &fn_, &sum_, &squared_sum_, &squared_error_, &weight_})
    out.insert(out.end(), sums->begin(), sums->end());
}

const double* Metric::restore_state(const double* in) {
  total_ = *in++, count_ = *in++;
  for (double& v : state_) v = *in++;
  for (auto* sums : {&tp_, &fp_, &tn_, &fn_, &sum_, &squared_sum_, &squared_error_, &weight_})
    for (double& c : *sums) c = *in++;
  return in;
}

void Metric::update(const LossBatch& batch, const float* y_true, const float* y_pred, const float* sample_weight,
                    Index sample_weight_size) {
  if (sample_weight) batch.check_sample_weight(sample_weight_size);
  update(ConstView(y_true, batch.rows, batch.y_true_cols), ConstView(y_pred, batch.rows, batch.y_pred_cols), sample_weight);
}

ConstView Metric::targets_for(ConstView y_true, Index pc) {
  const Index tc = y_true.cols;
  const auto refuse = [&](const std::string& expected) {
    throw ValueError("The metric '" + name_ + "' expects " + expected + ". Received: target.shape=(None, " +
                     std::to_string(tc) + "), output.shape=(None, " + std::to_string(pc) + ").");
  };
  switch (kind_) {
    case MetricKind::SparseCategoricalAccuracy:
    case MetricKind::SparseTopKCategoricalAccuracy:
      if (tc != 1) refuse("integer class labels, one per sample");
      return y_true;
    case MetricKind::CategoricalAccuracy:
    case MetricKind::TopKCategoricalAccuracy:
      if (tc != pc) refuse("one-hot targets as wide as the outputs");
      return y_true;
    case MetricKind::LossFunction:
      loss.resolved(tc, pc).check_targets(y_true, pc);
      return y_true;
    default:
      if (tc == pc) return y_true;
      if (tc != 1) refuse("targets as wide as the outputs, or one column");
      broadcast_.resize(static_cast<size_t>(y_true.rows * pc));
      for (Index i = 0; i < y_true.rows; ++i) std::fill_n(broadcast_.data() + i * pc, pc, y_true.data[i]);
      return ConstView(broadcast_.data(), y_true.rows, pc);
  }
}

Index Metric::sample_value_cols(Index y_pred_cols) const {
  if (!is_accuracy(kind_) && !is_correlation(kind_))
    throw ValueError("The metric '" + name_ + "' has no per-sample values: only the accuracies and correlations do.");
  return kind_ == MetricKind::BinaryAccuracy || kind_ == MetricKind::Accuracy ? y_pred_cols : 1;
}

void Metric::sample_values(ConstView targets, ConstView y_pred, float* out) {
  sample_value_cols(y_pred.cols);  // (throws for a metric that is not an accuracy)
  const ConstView y_true = targets_for(targets, y_pred.cols);
  const Index pc = y_pred.cols, tc = y_true.cols;
  const bool per_output = kind_ == MetricKind::BinaryAccuracy || kind_ == MetricKind::Accuracy;
  for (Index i = 0; i < y_pred.rows; ++i) {
    const float* y = y_true.data + i * tc;
    const float* p = y_pred.data + i * pc;
    if (is_correlation(kind_)) out[i] = static_cast<float>(row_correlation(kind_, y, p, pc));
    else if (!per_output) out[i] = row_hits(kind_, y, tc, p, pc, k) ? 1.0f : 0.0f;
    else
      for (Index j = 0; j < pc; ++j) out[i * pc + j] = output_hits(kind_, y[j], p[j], threshold) ? 1.0f : 0.0f;
  }
}

void Metric::update(ConstView targets, ConstView y_pred, const float* sample_weight, ConstView logits) {
  if (kind_ == MetricKind::Stateful) {  // the targets as they come: update_state was traced for them
    if (!stateful) throw ValueError("The metric '" + name_ + "' has no traced update_state.");
    if (!traced_ws_) traced_ws_ = std::make_shared<Workspace>();
    stateful->update(*traced_ws_, state_, targets, y_pred, sample_weight);
    return;
  }
  if (!accumulators_sized_) reset();  // a metric made and updated without reset(): sized now
  const ConstView y_true = targets_for(targets, y_pred.cols);
  const Index rows = y_pred.rows, pc = y_pred.cols, tc = y_true.cols;
  auto weight = [&](Index i) { return sample_weight ? double(sample_weight[i]) : 1.0; };
  auto add_mean = [&](auto per_row) {
    for (Index i = 0; i < rows; ++i) {
      total_ += weight(i) * per_row(y_true.data + i * tc, y_pred.data + i * pc);
      count_ += weight(i);
    }
  };
  switch (kind_) {
    case MetricKind::BinaryAccuracy:
    case MetricKind::Accuracy:
      add_mean([&](const float* y, const float* p) {
        double hits = 0;
        for (Index j = 0; j < pc; ++j) hits += output_hits(kind_, y[j], p[j], threshold);
        return hits / double(pc);
      });
      return;
    case MetricKind::CategoricalAccuracy:
    case MetricKind::SparseCategoricalAccuracy:
    case MetricKind::TopKCategoricalAccuracy:
    case MetricKind::SparseTopKCategoricalAccuracy:
      add_mean([&](const float* y, const float* p) { return double(row_hits(kind_, y, tc, p, pc, k)); });
      return;
    case MetricKind::PearsonCorrelation:
    case MetricKind::ConcordanceCorrelation:  // (float32 per sample, as Keras computes it)
      add_mean([&](const float* y, const float* p) { return double(static_cast<float>(row_correlation(kind_, y, p, pc))); });
      return;
    case MetricKind::MeanAbsoluteError:
    case MetricKind::MeanSquaredError:
    case MetricKind::MeanAbsolutePercentageError:
    case MetricKind::MeanSquaredLogarithmicError:
    case MetricKind::CosineSimilarity:
    case MetricKind::LossFunction: {
      if (loss.traced) {  // Keras's MeanMetricWrapper: each sample's values averaged, then the weighted mean
        if (!traced_ws_) traced_ws_ = std::make_shared<Workspace>();
        const ConstView v = loss.traced->values(*traced_ws_, y_true, y_pred);
        for (Index i = 0; i < rows; ++i) {
          double sum = 0.0;
          for (Index j = 0; j < v.cols; ++j) sum += double(v.data[i * v.cols + j]);
          total_ += weight(i) * (v.cols ? sum / double(v.cols) : 0.0), count_ += weight(i);
        }
        return;
      }
      Loss l = loss;
      if (kind_ == MetricKind::MeanAbsoluteError) l.kind = LossKind::MeanAbsoluteError;
      if (kind_ == MetricKind::MeanSquaredError) l.kind = LossKind::MeanSquaredError;
      if (kind_ == MetricKind::MeanAbsolutePercentageError) l.kind = LossKind::MeanAbsolutePercentageError;
      if (kind_ == MetricKind::MeanSquaredLogarithmicError) l.kind = LossKind::MeanSquaredLogarithmicError;
      values_.resize(static_cast<size_t>(rows));
      const bool from_logits = logits.data && l.reads_logits();
      if (from_logits) l = l.on_logits();
      l.per_sample<float>(y_true.data, tc, from_logits ? logits.data : y_pred.data, pc, rows, values_.data());
      // The cosine similarity metric is the loss's similarity with its sign (keras/src/metrics/regression_metrics.py).
      const double sign = kind_ == MetricKind::CosineSimilarity ? -1.0 : 1.0;
      for (Index i = 0; i < rows; ++i) total_ += weight(i) * sign * values_[i], count_ += weight(i);
      return;
    }
    case MetricKind::RootMeanSquaredError:
      for (Index i = 0; i < rows; ++i)
        for (Index j = 0; j < pc; ++j) {
          const double e = double(y_pred.data[i * pc + j]) - double(y_true.data[i * tc + j]);
          total_ += weight(i) * e * e;
          count_ += weight(i);
        }
      return;
    case MetricKind::Precision:
    case MetricKind::Recall:
    case MetricKind::AUC:
    case MetricKind::TruePositives:
    case MetricKind::FalsePositives:
    case MetricKind::TrueNegatives:
    case MetricKind::FalseNegatives:
    case MetricKind::SensitivityAtSpecificity:
    case MetricKind::SpecificityAtSensitivity:
    case MetricKind::PrecisionAtRecall:
    case MetricKind::RecallAtPrecision: {
      const bool auc = kind_ == MetricKind::AUC;
      const bool per_label = counts_per_label_;
      if (per_label && columns_ == 0) size_columns(num_labels > 0 ? num_labels : pc);
      if (per_label && columns_ != pc)
        throw ValueError("The metric '" + name_ + "' counts " + std::to_string(columns_) + " labels; received predictions with " +
                         std::to_string(pc) + " columns.");
      // class_id: only that column counts (keras/src/metrics/metrics_utils.py).
      Index first = 0, last = pc;
      if (is_at(kind_) && class_id >= 0) {
        if (class_id >= pc)
          throw ValueError("The metric '" + name_ + "' has class_id=" + std::to_string(class_id) + " but the predictions have " +
                           std::to_string(pc) + " columns.");
        first = class_id, last = class_id + 1;
      }
      const std::vector<float>& t_list = compared_thresholds_;
      const bool clip = clips_predictions_;
      const size_t n = t_list.size(), labels = per_label ? size_t(columns_) : 1;
      for (Index i = 0; i < rows; ++i)
        for (Index j = first; j < last; ++j) {
          double p = y_pred.data[i * pc + j];
          if (auc && from_logits) p = 1.0 / (1.0 + std::exp(-p));
          if (clip) p = std::clamp(p, 0.0, 1.0);
          const bool positive = y_true.data[i * tc + j] != 0.0f;
          const double w = weight(i);
          const size_t label = per_label ? size_t(j) : 0;
          for (size_t t = 0; t < n; ++t) {
            const bool predicted = static_cast<float>(p) > t_list[t];
            (positive ? (predicted ? tp_ : fn_) : (predicted ? fp_ : tn_))[t * labels + label] += w;
          }
        }
      return;
    }
    case MetricKind::Mean:
    case MetricKind::Sum:
      for (Index i = 0; i < rows; ++i) {
        double row = 0.0;
        for (Index j = 0; j < pc; ++j) row += y_pred.data[i * pc + j];
        if (kind_ == MetricKind::Mean) row /= double(pc);
        total_ += weight(i) * row, count_ += weight(i);
      }
      return;
    case MetricKind::R2Score: {
      if (columns_ == 0) size_columns(pc);
      if (columns_ != pc)
        throw ValueError("The metric '" + name_ + "' was built for " + std::to_string(columns_) + " outputs; received " +
                         std::to_string(pc) + ".");
      for (Index i = 0; i < rows; ++i) {
        const double w = weight(i);
        for (Index j = 0; j < pc; ++j) {
          const double y = y_true.data[i * tc + j], e = y - double(y_pred.data[i * pc + j]);
          sum_[j] += w * y, squared_sum_[j] += w * y * y, squared_error_[j] += w * e * e, weight_[j] += w;
        }
        total_ += double(pc);  // the adjusted score's n: every element, as Keras's num_samples (ops.size(y_true))
      }
      return;
    }
    case MetricKind::FBetaScore:
    case MetricKind::F1Score: {
      if (columns_ == 0) size_columns(pc);
      if (columns_ != pc)
        throw ValueError("The metric '" + name_ + "' was built for " + std::to_string(columns_) + " classes; received " +
                         std::to_string(pc) + ".");
      const bool micro = pools_classes_;
      for (Index i = 0; i < rows; ++i) {
        const float* p = y_pred.data + i * pc;
        const float row_max = *std::max_element(p, p + pc);
        const double w = weight(i);
        for (Index j = 0; j < pc; ++j) {
          // threshold=None: the row's largest output (unless it is zero) is the predicted class.
          const double predicted = top_only ? double(p[j] >= row_max && std::fabs(p[j]) > 1e-9) : double(p[j] > threshold);
          const double y = y_true.data[i * tc + j];
          const size_t c = micro ? 0 : size_t(j);
          tp_[c] += w * predicted * y, fp_[c] += w * predicted * (1.0 - y), fn_[c] += w * (1.0 - predicted) * y;
          weight_[c] += w * y;
        }
      }
      return;
    }
    case MetricKind::AutoAccuracy:
      throw ValueError("The metric '" + name_ + "' must be resolved from the data shapes before use.");
    case MetricKind::Stateful:
      return;  // updated above, before the targets are read
  }
}

}  // namespace densekit
