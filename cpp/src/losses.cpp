#include <densekit/errors.hpp>
#include <densekit/losses.hpp>
#include <densekit/traced_loss.hpp>
#include "focal_losses.hpp"
#include "stable_math.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace densekit {
namespace {

struct LossName {
  const char* name;
  LossKind kind;
};

// keras.losses.get: function names, class names, aliases.
const std::vector<LossName>& loss_names() {
  static const std::vector<LossName> e = {
      {"mean_squared_error", LossKind::MeanSquaredError}, {"mse", LossKind::MeanSquaredError},
      {"MSE", LossKind::MeanSquaredError}, {"MeanSquaredError", LossKind::MeanSquaredError},
      {"mean_absolute_error", LossKind::MeanAbsoluteError}, {"mae", LossKind::MeanAbsoluteError},
      {"MAE", LossKind::MeanAbsoluteError}, {"MeanAbsoluteError", LossKind::MeanAbsoluteError},
      {"mean_absolute_percentage_error", LossKind::MeanAbsolutePercentageError},
      {"mape", LossKind::MeanAbsolutePercentageError}, {"MAPE", LossKind::MeanAbsolutePercentageError},
      {"MeanAbsolutePercentageError", LossKind::MeanAbsolutePercentageError},
      {"mean_squared_logarithmic_error", LossKind::MeanSquaredLogarithmicError},
      {"msle", LossKind::MeanSquaredLogarithmicError}, {"MSLE", LossKind::MeanSquaredLogarithmicError},
      {"MeanSquaredLogarithmicError", LossKind::MeanSquaredLogarithmicError},
      {"huber", LossKind::Huber}, {"Huber", LossKind::Huber},
      {"log_cosh", LossKind::LogCosh}, {"LogCosh", LossKind::LogCosh},
      {"hinge", LossKind::Hinge}, {"Hinge", LossKind::Hinge},
      {"squared_hinge", LossKind::SquaredHinge}, {"SquaredHinge", LossKind::SquaredHinge},
      {"categorical_hinge", LossKind::CategoricalHinge}, {"CategoricalHinge", LossKind::CategoricalHinge},
      {"kl_divergence", LossKind::KLDivergence}, {"kld", LossKind::KLDivergence}, {"KLD", LossKind::KLDivergence},
      {"KLDivergence", LossKind::KLDivergence},
      {"poisson", LossKind::Poisson}, {"Poisson", LossKind::Poisson},
      {"cosine_similarity", LossKind::CosineSimilarity}, {"CosineSimilarity", LossKind::CosineSimilarity},
      {"binary_crossentropy", LossKind::BinaryCrossentropy}, {"bce", LossKind::BinaryCrossentropy},
      {"BCE", LossKind::BinaryCrossentropy}, {"BinaryCrossentropy", LossKind::BinaryCrossentropy},
      {"categorical_crossentropy", LossKind::CategoricalCrossentropy},
      {"CategoricalCrossentropy", LossKind::CategoricalCrossentropy},
      {"sparse_categorical_crossentropy", LossKind::SparseCategoricalCrossentropy},
      {"SparseCategoricalCrossentropy", LossKind::SparseCategoricalCrossentropy},
      {"binary_focal_crossentropy", LossKind::BinaryFocalCrossentropy},
      {"BinaryFocalCrossentropy", LossKind::BinaryFocalCrossentropy},
      {"categorical_focal_crossentropy", LossKind::CategoricalFocalCrossentropy},
      {"CategoricalFocalCrossentropy", LossKind::CategoricalFocalCrossentropy},
      {"crossentropy", LossKind::AutoCrossentropy}, {"ce", LossKind::AutoCrossentropy},
  };
  return e;
}

template <class T>
T sign(T x) {
  return x > 0 ? T(1) : (x < 0 ? T(-1) : T(0));
}

// Whether hinge targets are {0, 1} (then mapped to {-1, 1}): decided over the whole batch.
template <class T>
bool binary_labels(const T* y, Index n) {
  for (Index i = 0; i < n; ++i)
    if (y[i] != T(0) && y[i] != T(1)) return false;
  return true;
}

// The loss of one sample and, when g is non-null, its gradient with respect to the
// predictions p (pcols values). y has tcols values (1 for sparse labels).
template <class T>
T row_loss(const Loss& loss, const T* y, const T* p, Index cols, bool map_hinge, T* g) {
  const T eps = static_cast<T>(kEpsilon);
  const T inv_c = T(1) / static_cast<T>(cols);
  T total = 0;
  switch (loss.kind) {
    case LossKind::MeanSquaredError:
      for (Index j = 0; j < cols; ++j) {
        const T e = p[j] - y[j];
        total += e * e;
        if (g) g[j] = T(2) * e * inv_c;
      }
      return total * inv_c;
    case LossKind::MeanAbsoluteError:
      for (Index j = 0; j < cols; ++j) {
        const T e = p[j] - y[j];
        total += std::abs(e);
        if (g) g[j] = sign(e) * inv_c;
      }
      return total * inv_c;
    case LossKind::MeanAbsolutePercentageError:
      for (Index j = 0; j < cols; ++j) {
        const T e = p[j] - y[j], d = std::max(std::abs(y[j]), eps);
        total += std::abs(e) / d;
        if (g) g[j] = T(100) * sign(e) / d * inv_c;
      }
      return T(100) * total * inv_c;
    case LossKind::MeanSquaredLogarithmicError:
      for (Index j = 0; j < cols; ++j) {
        const T pc = std::max(p[j], eps);
        const T e = std::log(pc + T(1)) - std::log(std::max(y[j], eps) + T(1));
        total += e * e;
        if (g) g[j] = p[j] > eps ? T(2) * e / (pc + T(1)) * inv_c : T(0);
      }
      return total * inv_c;
    case LossKind::Huber: {
      const T delta = static_cast<T>(loss.delta);
      for (Index j = 0; j < cols; ++j) {
        const T e = p[j] - y[j], a = std::abs(e);
        total += a <= delta ? T(0.5) * e * e : delta * a - T(0.5) * delta * delta;
        if (g) g[j] = (a <= delta ? e : delta * sign(e)) * inv_c;
      }
      return total * inv_c;
    }
    case LossKind::LogCosh:
      for (Index j = 0; j < cols; ++j) {
        const T e = p[j] - y[j];
        total += e + softplus(T(-2) * e) - std::log(T(2));
        if (g) g[j] = std::tanh(e) * inv_c;
      }
      return total * inv_c;
    case LossKind::Hinge:
    case LossKind::SquaredHinge: {
      const bool squared = loss.kind == LossKind::SquaredHinge;
      for (Index j = 0; j < cols; ++j) {
        const T t = map_hinge ? T(2) * y[j] - T(1) : y[j];
        const T m = std::max(T(1) - t * p[j], T(0));
        total += squared ? m * m : m;
        if (g) g[j] = (m > 0 ? (squared ? T(-2) * m * t : -t) : T(0)) * inv_c;
      }
      return total * inv_c;
    }
    case LossKind::CategoricalHinge: {
      T pos = 0, neg = -std::numeric_limits<T>::infinity();
      Index arg = 0;
      for (Index j = 0; j < cols; ++j) {
        pos += y[j] * p[j];
        const T v = (T(1) - y[j]) * p[j];
        if (v > neg) neg = v, arg = j;
      }
      const T m = std::max(neg - pos + T(1), T(0));
      if (g) {
        for (Index j = 0; j < cols; ++j) g[j] = m > 0 ? -y[j] : T(0);
        if (m > 0) g[arg] += T(1) - y[arg];
      }
      return m;
    }
    case LossKind::KLDivergence:
      for (Index j = 0; j < cols; ++j) {
        const T yc = std::clamp(y[j], eps, T(1)), pc = std::clamp(p[j], eps, T(1));
        total += yc * std::log(yc / pc);
        if (g) g[j] = (p[j] > eps && p[j] < T(1)) ? -yc / pc : T(0);
      }
      return total;
    case LossKind::Poisson:
      for (Index j = 0; j < cols; ++j) {
        total += p[j] - y[j] * std::log(p[j] + eps);
        if (g) g[j] = (T(1) - y[j] / (p[j] + eps)) * inv_c;
      }
      return total * inv_c;
    case LossKind::CosineSimilarity: {
      T yy = 0, pp = 0, yp = 0;
      for (Index j = 0; j < cols; ++j) yy += y[j] * y[j], pp += p[j] * p[j], yp += y[j] * p[j];
      const T ny = std::max(std::sqrt(yy), eps), np = std::max(std::sqrt(pp), eps);
      if (g) {
        const bool floored = std::sqrt(pp) <= eps;
        for (Index j = 0; j < cols; ++j)
          g[j] = floored ? -y[j] / (ny * np) : -(y[j] / (ny * np) - yp * p[j] / (ny * np * np * np));
      }
      return -yp / (ny * np);
    }
    case LossKind::BinaryCrossentropy: {
      const T ls = static_cast<T>(loss.label_smoothing);
      for (Index j = 0; j < cols; ++j) {
        const T t = y[j] * (T(1) - ls) + T(0.5) * ls;
        if (loss.from_logits) {
          const T z = p[j];
          total += std::max(z, T(0)) - z * t + std::log1p(std::exp(-std::abs(z)));
          if (g) g[j] = (sigmoid(z) - t) * inv_c;
        } else {
          // In float32 1 - 1e-7 rounds to 0.99999988: a fully wrong prediction costs 15.942385.
          const T hi = T(1) - eps;
          const T pc = std::clamp(p[j], eps, hi);
          total += -(t * std::log(pc) + (T(1) - t) * std::log(T(1) - pc));
          if (g) g[j] = (p[j] > eps && p[j] < hi) ? (-t / pc + (T(1) - t) / (T(1) - pc)) * inv_c : T(0);
        }
      }
      return total * inv_c;
    }
    case LossKind::CategoricalCrossentropy:
    case LossKind::SparseCategoricalCrossentropy: {
      const bool sparse = loss.kind == LossKind::SparseCategoricalCrossentropy;
      const T ls = sparse ? T(0) : static_cast<T>(loss.label_smoothing);
      const Index label = sparse ? static_cast<Index>(y[0]) : -1;
      auto target = [&](Index j) {
        const T t = sparse ? T(j == label) : y[j];
        return t * (T(1) - ls) + ls / static_cast<T>(cols);
      };
      if (loss.from_logits) {
        // One exponential an element (this is every softmax classifier's training step): the
        // exponentials wait in g for the gradient, softmax · Σt − t.
        const T m = *std::max_element(p, p + cols);
        T s = 0;
        for (Index j = 0; j < cols; ++j) {
          const T e = std::exp(p[j] - m);
          if (g) g[j] = e;
          s += e;
        }
        const T lse = m + std::log(s);
        T tsum = 0;
        for (Index j = 0; j < cols; ++j) {
          const T t = target(j);
          if (t != T(0)) total -= t * (p[j] - lse);  // (a zero target adds exactly 0, even at a logit of -inf)
          tsum += t;
        }
        if (g) {
          const T scale = tsum / s;
          for (Index j = 0; j < cols; ++j) g[j] = g[j] * scale - target(j);
        }
        return total;
      }
      const T hi = T(1) - eps;
      if (sparse) {
        // Keras on TensorFlow clips each probability to [ε, 1 − ε] first, then takes the softmax
        // cross-entropy of their logs (keras/src/backend/tensorflow/nn.py): −log c_t + log Σ c.
        // A row that does not sum to 1 is renormalised after the clip, and a row of zeros (a
        // Dropout after the softmax) reads as uniform, log(classes); clipped values have no gradient.
        T sum_c = 0;
        for (Index j = 0; j < cols; ++j) sum_c += std::clamp(p[j], eps, hi);
        const T c_t = std::clamp(p[label], eps, hi);
        if (g)
          for (Index j = 0; j < cols; ++j)
            g[j] = (p[j] > eps && p[j] < hi) ? T(1) / sum_c - (j == label ? T(1) / c_t : T(0)) : T(0);
        return std::log(sum_c) - std::log(c_t);
      }
      // Probabilities are renormalised along the row, then clipped.
      T s = 0;
      for (Index j = 0; j < cols; ++j) s += p[j];
      T gq_dot_q = 0;
      for (Index j = 0; j < cols; ++j) {
        const T q = p[j] / s, qc = std::clamp(q, eps, hi), t = target(j);
        if (t != T(0)) total -= t * std::log(qc);  // (a zero target adds exactly 0: skip its log)
        if (g) {
          g[j] = (q > eps && q < hi) ? -t / qc : T(0);  // d/dq
          gq_dot_q += g[j] * q;
        }
      }
      if (g)
        for (Index j = 0; j < cols; ++j) g[j] = (g[j] - gq_dot_q) / s;  // chain through q = p / Σp
      return total;
    }
    case LossKind::BinaryFocalCrossentropy:
      return binary_focal_row(loss, y, p, cols, g);
    case LossKind::CategoricalFocalCrossentropy:
      return categorical_focal_row(loss, y, p, cols, g);
    case LossKind::AutoCrossentropy:
      break;
  }
  throw ValueError("The 'crossentropy' loss must be resolved from the data shapes before use.");
}

}  // namespace

Loss Loss::from_name(const std::string& name) {
  for (const auto& e : loss_names())
    if (name == e.name) {
      Loss l;
      l.kind = e.kind;
      l.display_name = l.name();  // the kind's own name, before the identifier is set
      l.identifier = name;
      return l;
    }
  std::string known;
  for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
  throw ValueError("Could not interpret loss identifier: " + name + ". Valid names are: " + known + ".");
}

std::vector<std::string> Loss::names() {
  std::vector<std::string> out;
  for (const auto& e : loss_names())
    if (std::islower(static_cast<unsigned char>(e.name[0])) && std::string(e.name).size() > 4) out.push_back(e.name);
  return out;
}

Reduction Loss::reduction_from_name(const std::string& name) {
  if (name == "sum_over_batch_size" || name == "mean" || name == "auto") return Reduction::SumOverBatchSize;
  if (name == "sum") return Reduction::Sum;
  if (name == "mean_with_sample_weight") return Reduction::MeanWithSampleWeight;
  if (name == "none" || name.empty()) return Reduction::None;
  throw ValueError("Invalid value for argument `reduction`. Expected one of {'sum_over_batch_size', 'sum', 'mean', "
                   "'mean_with_sample_weight', 'none', None}. Received: reduction=" + name);
}

void Loss::validate() const {
  if (!(gamma >= 0.0) || !std::isfinite(gamma) || !std::isfinite(alpha))
    throw ValueError("A focal cross-entropy's `gamma` must be a number >= 0 and `alpha` a finite number. Received: gamma=" +
                     std::to_string(gamma) + ", alpha=" + std::to_string(alpha));
}

void Loss::require_built_in() const {
  // A traced loss runs its graph with a workspace of the model's (TracedLossFunction); this
  // entry point computes built-in losses only.
  if (traced) throw ValueError("The loss '" + traced->name() + "' is traced from Python: it runs within a model's fit "
                               "and evaluate, and is called on arrays through its Python object.");
}

std::string Loss::name() const {
  if (traced) return traced->name();
  for (const auto& e : loss_names())
    if (e.kind == kind) return e.name;
  return "loss";
}

Loss Loss::resolved(Index y_true_cols, Index y_pred_cols) const {
  Loss out = *this;
  if (kind == LossKind::AutoCrossentropy) {
    if (y_pred_cols == 1) out.kind = LossKind::BinaryCrossentropy;
    else if (y_true_cols == 1) out.kind = LossKind::SparseCategoricalCrossentropy;
    else out.kind = LossKind::CategoricalCrossentropy;
  }
  return out;
}

template <class T>
void Loss::check_targets(const T* y_true, Index rows, Index y_true_cols, Index y_pred_cols) const {
  if (traced) {  // checked against the shapes it was traced for
    traced->check(y_true_cols, y_pred_cols);
    return;
  }
  const std::string shapes = "Received: target.shape=(None, " + std::to_string(y_true_cols) +
                             "), output.shape=(None, " + std::to_string(y_pred_cols) + ")";
  if (kind == LossKind::SparseCategoricalCrossentropy) {
    if (y_true_cols != 1)
      throw ValueError("sparse_categorical_crossentropy expects integer class labels, one per sample, but the targets "
                       "have " + std::to_string(y_true_cols) + " columns (one-hot?). Use categorical_crossentropy "
                       "for one-hot targets. " + shapes);
    const Index n = rows;
    for (Index i = 0; i < n; ++i) {
      const T v = y_true[i];
      if (v != std::floor(v))
        throw ValueError("sparse_categorical_crossentropy expects integer class labels, but target " +
                         std::to_string(i) + " is " + std::to_string(v) + ".");
      if (v < 0 || v >= static_cast<T>(y_pred_cols))
        throw ValueError("Received a label value of " +  // (as a whole number only where it is one: 1e30 is no int64)
                         (std::fabs(double(v)) < 1e15 ? std::to_string(static_cast<long long>(v)) : std::to_string(double(v))) +
                         " which is outside the valid range of [0, " + std::to_string(y_pred_cols) +
                         "): the model has " + std::to_string(y_pred_cols) + " outputs (sample " + std::to_string(i) + " of the batch).");
    }
    return;
  }
  if (y_true_cols != y_pred_cols) {
    std::string hint;
    if (kind == LossKind::CategoricalCrossentropy && y_true_cols == 1)
      hint = " The targets look like integer labels: use sparse_categorical_crossentropy, or one-hot encode them with "
             "keras.utils.to_categorical.";
    throw ValueError("Arguments `target` and `output` must have the same shape. " + shapes + "." + hint);
  }
}

void Loss::check_targets(ConstView y_true, Index y_pred_cols) const {
  check_targets<float>(y_true.data, y_true.rows, y_true.cols, y_pred_cols);
}

template <class T>
void Loss::per_sample(const T* y_true, Index tcols, const T* y_pred, Index pcols, Index rows, T* out) const {
  require_built_in();
  const bool map_hinge = (kind == LossKind::Hinge || kind == LossKind::SquaredHinge) && binary_labels(y_true, rows * tcols);
  for (Index i = 0; i < rows; ++i)
    out[i] = row_loss<T>(*this, y_true + i * tcols, y_pred + i * pcols, pcols, map_hinge, nullptr);
}

template <class T>
double Loss::value_and_grad(const T* y_true, Index tcols, const T* y_pred, Index pcols, Index rows,
                            const T* sample_weight, double divisor, T* grad) const {
  require_built_in();
  const bool map_hinge = (kind == LossKind::Hinge || kind == LossKind::SquaredHinge) && binary_labels(y_true, rows * tcols);
  double weighted = 0.0, weight_sum = 0.0;
  for (Index i = 0; i < rows; ++i) {
    T* g = grad ? grad + i * pcols : nullptr;
    const double w = sample_weight ? double(sample_weight[i]) : 1.0;
    weighted += w * double(row_loss<T>(*this, y_true + i * tcols, y_pred + i * pcols, pcols, map_hinge, g));
    weight_sum += w;
    if (g && w != 1.0)
      for (Index j = 0; j < pcols; ++j) g[j] *= static_cast<T>(w);
  }
  double denom = 1.0;
  if (reduction == Reduction::SumOverBatchSize) denom = divisor;
  else if (reduction == Reduction::MeanWithSampleWeight) denom = weight_sum;
  else if (reduction == Reduction::None) throw ValueError("A loss with reduction=None has no scalar value to minimise.");
  if (grad) {
    const T scale = denom > 0 ? static_cast<T>(1.0 / denom) : T(0);
    for (Index i = 0; i < rows * pcols; ++i) grad[i] *= scale;
  }
  return denom > 0 ? weighted / denom : 0.0;
}

LossBatch::LossBatch(Index y_true_size, Index y_pred_size, Index y_pred_last_axis)
    : rows(y_pred_last_axis == 0 ? 0 : y_pred_size / y_pred_last_axis), y_pred_cols(y_pred_last_axis) {
  y_true_cols = rows == 0 ? 0 : y_true_size / rows;
  if (rows * y_true_cols != y_true_size)
    throw ValueError("Arguments `target` and `output` must have the same number of samples. Received: target.size=" +
                     std::to_string(y_true_size) + ", output rows=" + std::to_string(rows));
}

void LossBatch::check_sample_weight(Index size) const {
  if (size != rows) throw ValueError("`sample_weight` must have one value per sample (" + std::to_string(rows) + ").");
}

template <class T>
void Loss::per_sample(const LossBatch& batch, const T* y_true, const T* y_pred, T* out) const {
  const Loss loss = resolved(batch.y_true_cols, batch.y_pred_cols);
  loss.check_targets<T>(y_true, batch.rows, batch.y_true_cols, batch.y_pred_cols);
  loss.per_sample<T>(y_true, batch.y_true_cols, y_pred, batch.y_pred_cols, batch.rows, out);
}

template <class T>
double Loss::value_and_grad(const LossBatch& batch, const T* y_true, const T* y_pred, const T* sample_weight,
                            Index sample_weight_size, T* grad) const {
  if (sample_weight) batch.check_sample_weight(sample_weight_size);
  const Loss loss = resolved(batch.y_true_cols, batch.y_pred_cols);
  loss.check_targets<T>(y_true, batch.rows, batch.y_true_cols, batch.y_pred_cols);
  return loss.value_and_grad<T>(y_true, batch.y_true_cols, y_pred, batch.y_pred_cols, batch.rows, sample_weight,
                                double(batch.rows), grad);
}

bool Loss::reads_logits() const {
  // Keras's binary focal loss calls binary_crossentropy on its output, which TensorFlow computes
  // from the logits too; with from_logits it first applies a sigmoid of its own, whose output
  // the cross-entropy then reads as it is (keras/src/losses/losses.py).
  return !traced && (kind == LossKind::BinaryCrossentropy || kind == LossKind::CategoricalCrossentropy ||
                     kind == LossKind::SparseCategoricalCrossentropy ||
                     (kind == LossKind::BinaryFocalCrossentropy && !from_logits));
}

Loss Loss::on_logits() const {
  Loss out = *this;
  out.from_logits = true;
  return out;
}

template void Loss::check_targets<float>(const float*, Index, Index, Index) const;
template void Loss::check_targets<double>(const double*, Index, Index, Index) const;
template void Loss::per_sample<float>(const float*, Index, const float*, Index, Index, float*) const;
template void Loss::per_sample<double>(const double*, Index, const double*, Index, Index, double*) const;
template double Loss::value_and_grad<float>(const float*, Index, const float*, Index, Index, const float*, double, float*) const;
template double Loss::value_and_grad<double>(const double*, Index, const double*, Index, Index, const double*, double, double*) const;
template void Loss::per_sample<float>(const LossBatch&, const float*, const float*, float*) const;
template void Loss::per_sample<double>(const LossBatch&, const double*, const double*, double*) const;
template double Loss::value_and_grad<float>(const LossBatch&, const float*, const float*, const float*, Index, float*) const;
template double Loss::value_and_grad<double>(const LossBatch&, const double*, const double*, const double*, Index,
                                             double*) const;

}  // namespace densekit
