#include <densekit/errors.hpp>
#include <densekit/metrics.hpp>

#include <algorithm>
#include <cmath>

namespace densekit {
namespace {

constexpr double kEpsilon = 1e-7;

struct Entry {
  const char* name;
  MetricKind kind;
  const char* loss;  // for loss-function metrics: the loss name
};

// keras.metrics.get's string identifiers: function names, class names, their snake-case forms
// and the aliases. compile() names the metric by the string it was given, whatever it names
// (get_metric in keras/src/trainers/compile_utils.py): "AUC" → "AUC", "mse" → "mse".
const std::vector<Entry>& registry() {
  static const std::vector<Entry> e = {
      {"accuracy", MetricKind::AutoAccuracy, nullptr},
      {"acc", MetricKind::AutoAccuracy, nullptr},
      {"binary_accuracy", MetricKind::BinaryAccuracy, nullptr},
      {"BinaryAccuracy", MetricKind::BinaryAccuracy, nullptr},
      {"categorical_accuracy", MetricKind::CategoricalAccuracy, nullptr},
      {"CategoricalAccuracy", MetricKind::CategoricalAccuracy, nullptr},
      {"sparse_categorical_accuracy", MetricKind::SparseCategoricalAccuracy, nullptr},
      {"SparseCategoricalAccuracy", MetricKind::SparseCategoricalAccuracy, nullptr},
      {"top_k_categorical_accuracy", MetricKind::TopKCategoricalAccuracy, nullptr},
      {"TopKCategoricalAccuracy", MetricKind::TopKCategoricalAccuracy, nullptr},
      {"sparse_top_k_categorical_accuracy", MetricKind::SparseTopKCategoricalAccuracy, nullptr},
      {"SparseTopKCategoricalAccuracy", MetricKind::SparseTopKCategoricalAccuracy, nullptr},
      {"mean_absolute_error", MetricKind::MeanAbsoluteError, nullptr},
      {"mae", MetricKind::MeanAbsoluteError, nullptr},
      {"MAE", MetricKind::MeanAbsoluteError, nullptr},
      {"MeanAbsoluteError", MetricKind::MeanAbsoluteError, nullptr},
      {"mean_squared_error", MetricKind::MeanSquaredError, nullptr},
      {"mse", MetricKind::MeanSquaredError, nullptr},
      {"MSE", MetricKind::MeanSquaredError, nullptr},
      {"MeanSquaredError", MetricKind::MeanSquaredError, nullptr},
      {"mean_absolute_percentage_error", MetricKind::MeanAbsolutePercentageError, nullptr},
      {"mape", MetricKind::MeanAbsolutePercentageError, nullptr},
      {"MAPE", MetricKind::MeanAbsolutePercentageError, nullptr},
      {"MeanAbsolutePercentageError", MetricKind::MeanAbsolutePercentageError, nullptr},
      {"mean_squared_logarithmic_error", MetricKind::MeanSquaredLogarithmicError, nullptr},
      {"msle", MetricKind::MeanSquaredLogarithmicError, nullptr},
      {"MSLE", MetricKind::MeanSquaredLogarithmicError, nullptr},
      {"MeanSquaredLogarithmicError", MetricKind::MeanSquaredLogarithmicError, nullptr},
      {"root_mean_squared_error", MetricKind::RootMeanSquaredError, nullptr},
      {"RootMeanSquaredError", MetricKind::RootMeanSquaredError, nullptr},
      {"precision", MetricKind::Precision, nullptr},
      {"Precision", MetricKind::Precision, nullptr},
      {"recall", MetricKind::Recall, nullptr},
      {"Recall", MetricKind::Recall, nullptr},
      {"auc", MetricKind::AUC, nullptr},
      {"AUC", MetricKind::AUC, nullptr},
      {"binary_crossentropy", MetricKind::LossFunction, "binary_crossentropy"},
      {"bce", MetricKind::LossFunction, "binary_crossentropy"},
      {"BCE", MetricKind::LossFunction, "binary_crossentropy"},
      {"BinaryCrossentropy", MetricKind::LossFunction, "binary_crossentropy"},
      {"categorical_crossentropy", MetricKind::LossFunction, "categorical_crossentropy"},
      {"CategoricalCrossentropy", MetricKind::LossFunction, "categorical_crossentropy"},
      {"sparse_categorical_crossentropy", MetricKind::LossFunction, "sparse_categorical_crossentropy"},
      {"SparseCategoricalCrossentropy", MetricKind::LossFunction, "sparse_categorical_crossentropy"},
      {"hinge", MetricKind::LossFunction, "hinge"},
      {"squared_hinge", MetricKind::LossFunction, "squared_hinge"},
      {"categorical_hinge", MetricKind::LossFunction, "categorical_hinge"},
      {"poisson", MetricKind::LossFunction, "poisson"},
      {"kl_divergence", MetricKind::LossFunction, "kl_divergence"},
      {"KLDivergence", MetricKind::LossFunction, "kl_divergence"},
      {"log_cosh_error", MetricKind::LossFunction, "log_cosh"},
  };
  return e;
}

Index argmax(const float* v, Index n) { return std::max_element(v, v + n) - v; }

}  // namespace

Metric::Metric(MetricKind kind, std::string name) : kind_(kind), name_(std::move(name)) {}

std::shared_ptr<Metric> Metric::from_name(const std::string& identifier) {
  for (const auto& e : registry()) {
    if (identifier != e.name) continue;
    auto m = std::make_shared<Metric>(e.kind, identifier);
    m->identifier = identifier;
    if (e.loss) m->loss = Loss::from_name(e.loss);
    if (e.kind == MetricKind::SparseTopKCategoricalAccuracy || e.kind == MetricKind::TopKCategoricalAccuracy) m->k = 5;
    return m;
  }
  std::string hint = identifier == "rmse" ? " Use \"root_mean_squared_error\" or RootMeanSquaredError()." : "";
  std::string known;
  for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
  throw ValueError("Could not interpret metric identifier: " + identifier + "." + hint + " Valid names are: " + known + ".");
}

std::vector<std::string> Metric::names() {
  std::vector<std::string> out;
  for (const auto& e : registry()) out.push_back(e.name);
  return out;
}

bool Metric::higher_is_better() const {
  switch (kind_) {
    case MetricKind::BinaryAccuracy:
    case MetricKind::CategoricalAccuracy:
    case MetricKind::SparseCategoricalAccuracy:
    case MetricKind::TopKCategoricalAccuracy:
    case MetricKind::SparseTopKCategoricalAccuracy:
    case MetricKind::Precision:
    case MetricKind::Recall:
    case MetricKind::AUC:
    case MetricKind::AutoAccuracy:
      return true;
    default:
      return false;
  }
}

std::shared_ptr<Metric> Metric::resolved(Index y_true_cols, Index y_pred_cols) const {
  auto m = std::make_shared<Metric>(*this);
  if (kind_ == MetricKind::AutoAccuracy) {
    if (y_pred_cols == 1) m->kind_ = MetricKind::BinaryAccuracy;
    else if (y_true_cols == 1) m->kind_ = MetricKind::SparseCategoricalAccuracy;
    else m->kind_ = MetricKind::CategoricalAccuracy;
  }
  m->reset();
  return m;
}

void Metric::reset() {
  total_ = count_ = 0.0;
  const size_t n = kind_ == MetricKind::AUC ? static_cast<size_t>(num_thresholds) : 1;
  tp_.assign(n, 0.0), fp_.assign(n, 0.0), tn_.assign(n, 0.0), fn_.assign(n, 0.0);
}

void Metric::append_state(std::vector<double>& out) const {
  out.push_back(total_), out.push_back(count_);
  for (const auto* counts : {&tp_, &fp_, &tn_, &fn_}) out.insert(out.end(), counts->begin(), counts->end());
}

const double* Metric::restore_state(const double* in) {
  total_ = *in++, count_ = *in++;
  for (auto* counts : {&tp_, &fp_, &tn_, &fn_})
    for (double& c : *counts) c = *in++;
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

void Metric::update(ConstView targets, ConstView y_pred, const float* sample_weight) {
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
      add_mean([&](const float* y, const float* p) {
        double hits = 0;
        for (Index j = 0; j < pc; ++j) hits += y[j] == (p[j] > threshold ? 1.0f : 0.0f);
        return hits / double(pc);
      });
      return;
    case MetricKind::CategoricalAccuracy:
      add_mean([&](const float* y, const float* p) { return double(argmax(y, tc) == argmax(p, pc)); });
      return;
    case MetricKind::SparseCategoricalAccuracy:
      add_mean([&](const float* y, const float* p) { return double(Index(y[0]) == argmax(p, pc) && y[0] == std::floor(y[0])); });
      return;
    case MetricKind::TopKCategoricalAccuracy:
    case MetricKind::SparseTopKCategoricalAccuracy: {
      const bool sparse = kind_ == MetricKind::SparseTopKCategoricalAccuracy;
      add_mean([&](const float* y, const float* p) {
        const Index target = sparse ? Index(y[0]) : argmax(y, tc);
        if (target < 0 || target >= pc) return 0.0;
        Index above = 0;  // classes scored strictly higher than the target
        for (Index j = 0; j < pc; ++j) above += p[j] > p[target];
        return double(above < k);
      });
      return;
    }
    case MetricKind::MeanAbsoluteError:
    case MetricKind::MeanSquaredError:
    case MetricKind::MeanAbsolutePercentageError:
    case MetricKind::MeanSquaredLogarithmicError:
    case MetricKind::LossFunction: {
      Loss l = loss;
      if (kind_ == MetricKind::MeanAbsoluteError) l.kind = LossKind::MeanAbsoluteError;
      if (kind_ == MetricKind::MeanSquaredError) l.kind = LossKind::MeanSquaredError;
      if (kind_ == MetricKind::MeanAbsolutePercentageError) l.kind = LossKind::MeanAbsolutePercentageError;
      if (kind_ == MetricKind::MeanSquaredLogarithmicError) l.kind = LossKind::MeanSquaredLogarithmicError;
      values_.resize(static_cast<size_t>(rows));
      l.per_sample<float>(y_true.data, tc, y_pred.data, pc, rows, values_.data());
      for (Index i = 0; i < rows; ++i) total_ += weight(i) * values_[i], count_ += weight(i);
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
    case MetricKind::AUC: {
      const bool auc = kind_ == MetricKind::AUC;
      const int n = auc ? num_thresholds : 1;
      std::vector<double> thresholds(n);
      if (auc) {
        thresholds[0] = -kEpsilon;
        for (int t = 1; t + 1 < n; ++t) thresholds[t] = double(t) / double(n - 1);
        thresholds[n - 1] = 1.0 + kEpsilon;
      } else {
        thresholds[0] = threshold;
      }
      for (Index i = 0; i < rows; ++i)
        for (Index j = 0; j < pc; ++j) {
          double p = y_pred.data[i * pc + j];
          if (auc && from_logits) p = 1.0 / (1.0 + std::exp(-p));
          const bool positive = y_true.data[i * tc + j] != 0.0f;
          const double w = weight(i);
          for (int t = 0; t < n; ++t) {
            const bool predicted = p > thresholds[t];
            (positive ? (predicted ? tp_ : fn_) : (predicted ? fp_ : tn_))[t] += w;
          }
        }
      return;
    }
    case MetricKind::AutoAccuracy:
      throw ValueError("The metric '" + name_ + "' must be resolved from the data shapes before use.");
  }
}

double Metric::result() const {
  auto div = [](double a, double b) { return b != 0.0 ? a / b : 0.0; };
  switch (kind_) {
    case MetricKind::RootMeanSquaredError:
      return std::sqrt(div(total_, count_));
    case MetricKind::Precision:
      return div(tp_[0], tp_[0] + fp_[0]);
    case MetricKind::Recall:
      return div(tp_[0], tp_[0] + fn_[0]);
    case MetricKind::AUC: {
      // ROC area by trapezoids over the thresholds (true-positive rate against false-positive rate).
      double area = 0.0;
      for (int t = 0; t + 1 < num_thresholds; ++t) {
        const double x0 = div(fp_[t], fp_[t] + tn_[t]), x1 = div(fp_[t + 1], fp_[t + 1] + tn_[t + 1]);
        const double y0 = div(tp_[t], tp_[t] + fn_[t]), y1 = div(tp_[t + 1], tp_[t + 1] + fn_[t + 1]);
        area += (x0 - x1) * (y0 + y1) / 2.0;
      }
      return area;
    }
    default:
      return div(total_, count_);
  }
}

}  // namespace densekit
