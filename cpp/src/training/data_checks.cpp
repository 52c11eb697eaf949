// The checks of what fit / evaluate / predict receive: counts, widths, finite values, label
// ranges (keras/src/trainers/data_adapters/ raises these in Keras), and class_weight.
#include <densekit/errors.hpp>
#include <densekit/model.hpp>
#include "../finite_scan.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace densekit {
namespace {

void check_finite(ConstView v, const std::string& what) {
  const Index n = v.rows * v.cols;
  if (all_finite(v.data, n)) return;
  for (Index i = 0; i < n; ++i)
    if (!std::isfinite(v.data[i]))
      throw ValueError(what + " contains " + (std::isnan(v.data[i]) ? "NaN" : "infinity") + " (first at row " +
                       std::to_string(i / std::max<Index>(v.cols, 1)) + ", column " + std::to_string(i % std::max<Index>(v.cols, 1)) +
                       "). Remove or impute non-finite values before passing the data to the model.");
}

// A view the C++ API was given without its values.
void check_present(ConstView v, const std::string& what) {
  if (!v.data && v.rows > 0 && v.cols > 0) throw ValueError(what + " has no data: its pointer is null.");
}

}  // namespace

void Model::check_inputs(const std::vector<ConstView>& x, Index rows) const {
  const auto& inputs = graph().input_nodes();
  if (x.size() != inputs.size())
    throw ValueError("The model expects " + std::to_string(inputs.size()) + " input array(s), but received " +
                     std::to_string(x.size()) + ".");
  if (rows < 0) throw ValueError("The number of samples cannot be negative. Received: rows=" + std::to_string(rows));
  for (const auto& v : x)
    if (v.rows != rows)
      throw ValueError("Data cardinality is ambiguous: the input arrays have " + std::to_string(rows) + " and " +
                       std::to_string(v.rows) + " samples. Make sure all arrays contain the same number of samples.");
  if (rows == 0) throw ValueError("The data is empty: x has 0 samples. Pass at least one sample.");
  for (size_t k = 0; k < x.size(); ++k) check_present(x[k], inputs.size() == 1 ? "The input x" : "Input " + std::to_string(k));
  for (size_t k = 0; k < x.size(); ++k) {
    const Index cols = shape_size(graph_->shape(inputs[k]));
    if (x[k].cols != cols)
      throw ValueError("Input " + std::to_string(k) + " of the model is incompatible: expected shape " +
                       shape_to_string(graph_->shape(inputs[k])) + " (" + std::to_string(cols) +
                       " values per sample), but received " + std::to_string(x[k].cols) + " values per sample.");
    check_finite(x[k], inputs.size() == 1 ? "The input x" : "Input " + std::to_string(k));
  }
}

void Model::check_data(const Data& data, bool with_targets) const {
  check_inputs(data.x, data.rows);
  if (!with_targets) return;
  const auto& outputs = graph_->output_nodes();
  const bool has_metrics = std::any_of(compile_.metrics.begin(), compile_.metrics.end(), [](const auto& m) { return !m.empty(); }) ||
                           std::any_of(compile_.weighted_metrics.begin(), compile_.weighted_metrics.end(),
                                       [](const auto& m) { return !m.empty(); });
  if (compile_.losses.empty() && data.y.empty()) {  // compiled without a loss: the model's own losses need no targets
    if (has_metrics)
      throw ValueError("The model's metrics need targets: pass `y` (the model was compiled without a loss, so its own "
                       "losses need none).");
    check_sample_weight(data);
    return;
  }
  if (data.y.size() != outputs.size())
    throw ValueError("The model has " + std::to_string(outputs.size()) + " output(s), but " + std::to_string(data.y.size()) +
                     " target array(s) were given.");
  for (size_t k = 0; k < data.y.size(); ++k) {
    if (data.y[k].rows != data.rows)
      throw ValueError("Data cardinality is ambiguous: x has " + std::to_string(data.rows) + " samples but y has " +
                       std::to_string(data.y[k].rows) + ". Make sure all arrays contain the same number of samples.");
    const std::string what = data.y.size() == 1 ? "The target y" : "Target " + std::to_string(k);
    if (data.y[k].cols < 1)  // (the values a sample divide the row count below)
      throw ValueError(what + " needs at least one value a sample. Received: cols=" + std::to_string(data.y[k].cols));
    check_present(data.y[k], what);
    check_finite(data.y[k], what);
    if (compile_.losses.empty()) continue;
    const Index pcols = graph_->shape(outputs[k]).empty() ? 1 : graph_->shape(outputs[k]).back();
    const Loss& loss = compile_.losses[k];
    if (loss.traced) {
      loss.check_targets(data.y[k], shape_size(graph_->shape(outputs[k])));  // its traced shapes
      continue;
    }
    // Per position of the output (each a row of its last axis, as the loss computes it).
    const Index p = positions(k);
    if (p > 1 && data.y[k].cols % p != 0)
      throw ValueError("Arguments `target` and `output` must have the same shape: output " + std::to_string(k) + " has " +
                       std::to_string(p) + " positions of " + std::to_string(pcols) + " values a sample (shape " +
                       shape_to_string(graph_->shape(outputs[k])) + "), its target " + std::to_string(data.y[k].cols) +
                       " values a sample.");
    const Index tcols = target_cols_per_position(k, data.y[k].cols);
    const Index rows = data.y[k].rows * (data.y[k].cols / tcols);
    // "crossentropy" is bound to one kind by the first data the model sees, as Keras's compiled loss
    // is built once: later targets are checked against that kind, not re-resolved from their shape.
    const Loss& bound = resolved_ && k < losses_.size() ? losses_[k] : loss.resolved(tcols, pcols);
    bound.check_targets(ConstView{data.y[k].data, rows, tcols}, pcols);
  }
  check_sample_weight(data);
}

// Its width first: the values are read as rows x sample_weight_cols.
void Model::check_sample_weight(const Data& data) const {
  if (!data.sample_weight) return;
  if (data.sample_weight_cols < 1)
    throw ValueError("`sample_weight` needs at least one value a sample. Received: sample_weight_cols=" +
                     std::to_string(data.sample_weight_cols));
  if (data.sample_weight_cols > 1) check_position_weights(data.sample_weight_cols);
  check_finite(ConstView{data.sample_weight, data.rows, data.sample_weight_cols}, "sample_weight");
}

void Model::check_position_weights(Index cols) const {
  // Keras weighs each position of a (batch, steps, ...) output by a (batch, steps) weight; the
  // same array goes to every output, so each must have that many positions.
  const auto& outputs = graph_->output_nodes();
  for (size_t k = 0; k < outputs.size(); ++k) {
    if (positions(k) != cols)
      throw ValueError("`sample_weight` has " + std::to_string(cols) + " values a sample, one per position, but output " +
                       std::to_string(k) + " has " + std::to_string(positions(k)) + " position(s) a sample (shape " +
                       shape_to_string(graph_->shape(outputs[k])) + "). Pass one weight per sample, or one per "
                       "position of outputs such as (batch, steps, classes).");
    const bool traced_loss = k < compile_.losses.size() && compile_.losses[k].traced;
    const auto traced = [](const MetricPtr& m) { return m->kind() == MetricKind::Stateful || m->loss.traced; };
    if (traced_loss || std::any_of(compile_.metrics[k].begin(), compile_.metrics[k].end(), traced) ||
        std::any_of(compile_.weighted_metrics[k].begin(), compile_.weighted_metrics[k].end(), traced))
      throw ValueError("A weight per position (`sample_weight` of shape (batch, steps)) is taken by the built-in losses "
                       "and metrics; output " + std::to_string(k) + " has a loss or metric written in Python, traced "
                       "for one weight a sample.");
  }
}

std::vector<float> class_weights_to_sample_weights(ConstView y, const std::vector<std::pair<int64_t, double>>& weights) {
  for (const auto& [cls, w] : weights) {
    if (!std::isfinite(w))
      throw ValueError("`class_weight` must map classes to finite weights; class " + std::to_string(cls) + " has " +
                       (std::isnan(w) ? "NaN." : "an infinite weight."));
  }
  std::vector<float> out(static_cast<size_t>(y.rows), 1.0f);
  for (Index i = 0; i < y.rows; ++i) {
    const float* row = y.data + i * y.cols;
    // A label is rounded half to even, as Keras's np.round (0.5 is class 0); one that is no
    // integer (NaN, beyond int64) is no class.
    const int64_t cls = y.cols > 1 ? static_cast<int64_t>(std::max_element(row, row + y.cols) - row)
                        : std::fabs(row[0]) < 1e18f ? static_cast<int64_t>(std::nearbyint(row[0]))
                                                    : std::numeric_limits<int64_t>::min();
    for (const auto& [c, w] : weights)
      if (c == cls) out[i] = static_cast<float>(w);
  }
  return out;
}

Index sample_weight_cols_for(Index size, Index weight_rows, Index rows) {
  if (weight_rows == rows) {
    if (size == rows) return 1;
    if (rows > 0 && size > rows && size % rows == 0) return size / rows;
  }
  // (5, 12) weights for 12 samples of 5 positions hold as many values as (12, 5): refused, as the
  // rows must be the samples.
  std::string received = std::to_string(size);
  if (weight_rows != size) received += " in " + std::to_string(weight_rows) + (weight_rows == 1 ? " row" : " rows");
  throw ValueError("`sample_weight` must have one value per sample: expected " + std::to_string(rows) + " values, received " +
                   received + " (or one row a sample of one value per position, for outputs of several positions a "
                   "sample: (batch, steps) for outputs (batch, steps, classes)).");
}

std::vector<float> class_weights_to_sample_weights(const Data& data, const std::vector<std::pair<int64_t, double>>& weights,
                                                   Index positions) {
  if (data.sample_weight) throw ValueError("You cannot `class_weight` and `sample_weight` at the same time.");
  if (data.y.size() != 1) throw ValueError("`class_weight` is only supported for Models with a single output.");
  if (positions > 1)  // a sample's class is one class (Keras refuses class_weight here too)
    throw ValueError("`class_weight` is only supported for outputs of one class vector a sample; this output has " +
                     std::to_string(positions) + " positions a sample. Pass per-sample weights as `sample_weight`.");
  return class_weights_to_sample_weights(data.y[0], weights);
}

}  // namespace densekit
