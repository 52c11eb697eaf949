// Keras's names of the metrics: Metric::from_name and Metric::names.
#include <densekit/errors.hpp>
#include <densekit/metrics.hpp>

#include <cctype>

namespace densekit {
namespace {

struct MetricName {
  const char* name;
  MetricKind kind;
  const char* loss;  // for loss-function metrics: the loss name
};

// keras.metrics.get's string identifiers: function names, class names, their snake-case forms
// and the aliases. compile() names the metric by the string it was given, whatever it names
// (get_metric in keras/src/trainers/compile_utils.py): "AUC" → "AUC", "mse" → "mse".
const std::vector<MetricName>& metric_names() {
  static const std::vector<MetricName> e = {
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
      {"true_positives", MetricKind::TruePositives, nullptr},
      {"TruePositives", MetricKind::TruePositives, nullptr},
      {"false_positives", MetricKind::FalsePositives, nullptr},
      {"FalsePositives", MetricKind::FalsePositives, nullptr},
      {"true_negatives", MetricKind::TrueNegatives, nullptr},
      {"TrueNegatives", MetricKind::TrueNegatives, nullptr},
      {"false_negatives", MetricKind::FalseNegatives, nullptr},
      {"FalseNegatives", MetricKind::FalseNegatives, nullptr},
      {"sensitivity_at_specificity", MetricKind::SensitivityAtSpecificity, nullptr},
      {"SensitivityAtSpecificity", MetricKind::SensitivityAtSpecificity, nullptr},
      {"specificity_at_sensitivity", MetricKind::SpecificityAtSensitivity, nullptr},
      {"SpecificityAtSensitivity", MetricKind::SpecificityAtSensitivity, nullptr},
      {"precision_at_recall", MetricKind::PrecisionAtRecall, nullptr},
      {"PrecisionAtRecall", MetricKind::PrecisionAtRecall, nullptr},
      {"recall_at_precision", MetricKind::RecallAtPrecision, nullptr},
      {"RecallAtPrecision", MetricKind::RecallAtPrecision, nullptr},
      {"Mean", MetricKind::Mean, nullptr},
      {"Sum", MetricKind::Sum, nullptr},
      {"r2_score", MetricKind::R2Score, nullptr},
      {"R2Score", MetricKind::R2Score, nullptr},
      {"f1_score", MetricKind::F1Score, nullptr},
      {"F1Score", MetricKind::F1Score, nullptr},
      {"f_beta_score", MetricKind::FBetaScore, nullptr},
      {"FBetaScore", MetricKind::FBetaScore, nullptr},
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
      {"Hinge", MetricKind::LossFunction, "hinge"},
      {"SquaredHinge", MetricKind::LossFunction, "squared_hinge"},
      {"CategoricalHinge", MetricKind::LossFunction, "categorical_hinge"},
      {"poisson", MetricKind::LossFunction, "poisson"},
      {"Poisson", MetricKind::LossFunction, "poisson"},
      {"kl_divergence", MetricKind::LossFunction, "kl_divergence"},
      {"KLDivergence", MetricKind::LossFunction, "kl_divergence"},
      {"log_cosh_error", MetricKind::LossFunction, "log_cosh"},
      {"cosine_similarity", MetricKind::CosineSimilarity, "cosine_similarity"},
      {"CosineSimilarity", MetricKind::CosineSimilarity, "cosine_similarity"},
      {"LogCoshError", MetricKind::LossFunction, "log_cosh"},
      {"pearson_correlation", MetricKind::PearsonCorrelation, nullptr},
      {"PearsonCorrelation", MetricKind::PearsonCorrelation, nullptr},
      {"concordance_correlation", MetricKind::ConcordanceCorrelation, nullptr},
      {"ConcordanceCorrelation", MetricKind::ConcordanceCorrelation, nullptr},
  };
  return e;
}

}  // namespace

std::shared_ptr<Metric> Metric::from_name(const std::string& identifier) {
  std::string lower = identifier;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "accuracy" || lower == "acc") {  // any case, as compile() reads it ("Accuracy" too)
    auto m = std::make_shared<Metric>(MetricKind::AutoAccuracy, identifier);
    m->identifier = identifier;
    return m;
  }
  for (const auto& e : metric_names()) {
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
  for (const auto& e : metric_names()) out.push_back(e.name);
  return out;
}

}  // namespace densekit
