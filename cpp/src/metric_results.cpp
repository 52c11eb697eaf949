// What a metric's accumulators come to: result() and results(), the areas under curves and the
// scores computed from the counts update() summed (keras/src/metrics/*.py's result methods).
#include <densekit/errors.hpp>
#include <densekit/graph.hpp>
#include <densekit/metrics.hpp>

#include <algorithm>
#include <cmath>

namespace densekit {

bool Metric::array_valued() const {
  switch (kind_) {
    case MetricKind::Stateful:
      return stateful && stateful->result_size() != 1;
    case MetricKind::Precision:
    case MetricKind::Recall:
    case MetricKind::TruePositives:
    case MetricKind::FalsePositives:
    case MetricKind::TrueNegatives:
    case MetricKind::FalseNegatives:
      return threshold_list().size() != 1;
    case MetricKind::R2Score:
      return class_aggregation.empty();
    case MetricKind::FBetaScore:
    case MetricKind::F1Score:
      return average.empty();
    default:
      return false;
  }
}

double Metric::result() const {
  if (array_valued())
    throw ValueError("The metric '" + name_ + "' has one value per threshold or class; read it with results().");
  const std::vector<double> values = results();
  return values.empty() ? 0.0 : values[0];  // (counts never sized: a metric never reset nor updated)
}

namespace {

double div_no_nan(double a, double b) { return b != 0.0 ? a / b : 0.0; }

// The area under the curve for one label of a (threshold × label) count table, as
// keras/src/metrics/confusion_metrics.py's AUC.result computes it.
double auc_area(const Metric& m, const std::vector<double>& tp, const std::vector<double>& fp, const std::vector<double>& tn,
                const std::vector<double>& fn, size_t labels, size_t label) {
  const size_t n = tp.size() / labels;  // the thresholds counted since reset()
  auto at = [&](const std::vector<double>& v, size_t t) { return v[t * labels + label]; };
  double area = 0.0;
  if (m.curve == "PR" && m.summation_method == "interpolation") {
    // Precision interpolated between thresholds with TP and TP+FP varying linearly (Davis & Goadrich).
    for (size_t t = 0; t + 1 < n; ++t) {
      const double dtp = at(tp, t) - at(tp, t + 1);
      const double p0 = at(tp, t) + at(fp, t), p1 = at(tp, t + 1) + at(fp, t + 1);
      const double slope = div_no_nan(dtp, std::max(p0 - p1, 0.0));
      const double intercept = at(tp, t + 1) - slope * p1;
      const double ratio = p0 > 0 && p1 > 0 ? div_no_nan(p0, std::max(p1, 0.0)) : 1.0;
      area += div_no_nan(slope * (dtp + intercept * std::log(ratio)), std::max(at(tp, t + 1) + at(fn, t + 1), 0.0));
    }
    return area;
  }
  auto point = [&](size_t t) {  // (x, y) of the curve at threshold t
    const double recall = div_no_nan(at(tp, t), at(tp, t) + at(fn, t));
    if (m.curve == "PR") return std::pair<double, double>(recall, div_no_nan(at(tp, t), at(tp, t) + at(fp, t)));
    return std::pair<double, double>(div_no_nan(at(fp, t), at(fp, t) + at(tn, t)), recall);
  };
  for (size_t t = 0; t + 1 < n; ++t) {
    const auto [x0, y0] = point(t);
    const auto [x1, y1] = point(t + 1);
    const double height = m.summation_method == "minoring" ? std::min(y0, y1)
                          : m.summation_method == "majoring" ? std::max(y0, y1)
                                                             : (y0 + y1) / 2.0;
    area += (x0 - x1) * height;
  }
  return area;
}

}  // namespace

std::vector<double> Metric::results() const {
  auto div = div_no_nan;
  switch (kind_) {
    case MetricKind::Stateful: {
      if (!stateful) throw ValueError("The metric '" + name_ + "' has no traced result.");
      if (!result_ws_) result_ws_ = std::make_shared<Workspace>();
      return stateful->result(*result_ws_, state_, result_inputs_);
    }
    case MetricKind::RootMeanSquaredError:
      return {std::sqrt(div(total_, count_))};
    case MetricKind::Precision:
    case MetricKind::Recall: {  // one value per threshold
      const std::vector<double>& other = kind_ == MetricKind::Precision ? fp_ : fn_;
      std::vector<double> out(tp_.size());
      for (size_t t = 0; t < tp_.size(); ++t) out[t] = div(tp_[t], tp_[t] + other[t]);
      return out;
    }
    case MetricKind::TruePositives: return tp_;
    case MetricKind::FalsePositives: return fp_;
    case MetricKind::TrueNegatives: return tn_;
    case MetricKind::FalseNegatives: return fn_;
    case MetricKind::AUC: {
      if (!counts_per_label_) return {auc_area(*this, tp_, fp_, tn_, fn_, 1, 0)};
      double total = 0.0;  // the mean of the labels' areas
      for (Index l = 0; l < columns_; ++l) total += auc_area(*this, tp_, fp_, tn_, fn_, size_t(columns_), size_t(l));
      return {columns_ > 0 ? total / double(columns_) : 0.0};
    }
    case MetricKind::SensitivityAtSpecificity:
    case MetricKind::SpecificityAtSensitivity:
    case MetricKind::PrecisionAtRecall:
    case MetricKind::RecallAtPrecision: {
      // The largest `dependent` among the thresholds whose `constrained` rate reaches `value`; 0 if none.
      double best = 0.0;
      for (size_t t = 0; t < tp_.size(); ++t) {
        const double sensitivity = div(tp_[t], tp_[t] + fn_[t]), specificity = div(tn_[t], tn_[t] + fp_[t]);
        const double precision = div(tp_[t], tp_[t] + fp_[t]);
        double constrained = 0.0, dependent = 0.0;
        switch (kind_) {
          case MetricKind::SensitivityAtSpecificity: constrained = specificity, dependent = sensitivity; break;
          case MetricKind::SpecificityAtSensitivity: constrained = sensitivity, dependent = specificity; break;
          case MetricKind::PrecisionAtRecall: constrained = sensitivity, dependent = precision; break;
          default: constrained = precision, dependent = sensitivity; break;
        }
        if (constrained >= value) best = std::max(best, dependent);
      }
      return {best};
    }
    case MetricKind::R2Score: {
      std::vector<double> raw(sum_.size()), variance(sum_.size());
      for (size_t j = 0; j < sum_.size(); ++j) {
        const double mean = sum_[j] / weight_[j];
        variance[j] = squared_sum_[j] - sum_[j] * mean;
        raw[j] = 1.0 - squared_error_[j] / variance[j];
        if (std::isinf(raw[j])) raw[j] = 0.0;  // a constant target: Keras scores 0
      }
      std::vector<double> score = raw;
      if (class_aggregation == "uniform_average") {
        double s = 0.0;
        for (double r : raw) s += r;
        score = {s / double(raw.size())};
      } else if (class_aggregation == "variance_weighted_average") {
        double weighted = 0.0, weights = 0.0;
        for (size_t j = 0; j < raw.size(); ++j) weighted += variance[j] * raw[j], weights += variance[j];
        score = {weighted / weights};
      }
      const double n = total_, p = num_regressors;
      // Adjusted R² only when n, the elements seen, exceeds the regressors + 1 (else Keras keeps R²).
      if (num_regressors != 0 && p < n - 1)
        for (double& r : score) r = 1.0 - (1.0 - r) * (n - 1.0) / (n - p - 1.0);
      return score;
    }
    case MetricKind::FBetaScore:
    case MetricKind::F1Score: {
      const double b2 = beta * beta;
      std::vector<double> f(tp_.size());
      for (size_t c = 0; c < f.size(); ++c) {
        const double precision = tp_[c] / (tp_[c] + fp_[c] + kEpsilon), recall = tp_[c] / (tp_[c] + fn_[c] + kEpsilon);
        f[c] = precision * recall / (b2 * precision + recall + kEpsilon) * (1.0 + b2);
      }
      if (average.empty()) return f;
      double total = 0.0, weights = 0.0;
      if (average == "weighted") {
        for (double w : weight_) weights += w;
        for (size_t c = 0; c < f.size(); ++c) total += f[c] * weight_[c] / (weights + kEpsilon);
        return {total};
      }
      for (double v : f) total += v;
      return {f.empty() ? 0.0 : total / double(f.size())};
    }
    case MetricKind::Sum:
      return {total_};
    default:
      return {div(total_, count_)};
  }
}

}  // namespace densekit
