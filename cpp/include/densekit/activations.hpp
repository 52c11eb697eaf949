// Activation functions (keras/src/activations/activations.py): forward and backward, applied
// along the last axis.
#pragma once

#include <densekit/tensor.hpp>

#include <limits>
#include <string>
#include <vector>

namespace densekit {

enum class ActivationKind {
  Linear, Relu, LeakyRelu, Relu6, Elu, Selu, Gelu, Silu, Softplus, Softsign, Sigmoid,
  HardSigmoid, HardSilu, Tanh, Softmax, LogSoftmax, Exponential, Mish,
  Celu, HardTanh, HardShrink, SoftShrink, TanhShrink, LogSigmoid, SparsePlus, SparseSigmoid, Squareplus,
  Threshold, Sparsemax, Glu,
};

struct Activation {
  ActivationKind kind = ActivationKind::Linear;
  // relu: negative_slope, max_value (infinite = none), threshold; leaky_relu: negative_slope;
  // elu, celu: alpha; gelu: approximate; hard_shrink, soft_shrink: threshold (0.5);
  // squareplus: b; threshold: threshold and default_value (x if x > threshold, else the value).
  double negative_slope = 0.0;
  double max_value = std::numeric_limits<double>::infinity();
  double threshold = 0.0;
  double alpha = 1.0;
  bool approximate = false;
  double b = 4.0;
  double default_value = 0.0;

  // "relu", "swish", ... (keras.activations.get); throws ValueError listing the known names.
  static Activation from_name(const std::string& name);
  static std::vector<std::string> names();
  std::string name() const;

  // Row-wise functions (softmax, log_softmax, sparsemax, glu) see each row of `cols` values whole.
  bool is_row_wise() const {
    return kind == ActivationKind::Softmax || kind == ActivationKind::LogSoftmax || kind == ActivationKind::Sparsemax ||
           kind == ActivationKind::Glu;
  }
  // The values a row of `cols` inputs gives: glu halves the row (its first half gated by the
  // sigmoid of its second), every other function keeps it. Throws ValueError for glu on an odd row.
  Index output_cols(Index cols) const { return kind == ActivationKind::Glu ? glu_output_cols(cols) : cols; }
  // Whether backward needs the input z, or can work from the output a alone.
  bool backward_needs_input() const;
  // softmax and sigmoid: Keras on TensorFlow computes a cross-entropy of their output from their
  // input, the logits (keras/src/backend/tensorflow/nn.py, _get_logits).
  bool yields_logits() const { return kind == ActivationKind::Softmax || kind == ActivationKind::Sigmoid; }
  // max(z, 0) itself (no slope, threshold or cap).
  bool is_plain_relu() const {
    return kind == ActivationKind::Relu && negative_slope == 0.0 && threshold == 0.0 && !(max_value < std::numeric_limits<double>::infinity());
  }

  // a = f(z) for rows x cols values (a may alias z for element-wise kinds); a has
  // output_cols(cols) values a row.
  template <class T>
  void forward(const T* z, T* a, Index rows, Index cols) const;
  // dz = da * f'(z), cols the input's values a row; z may be null when !backward_needs_input();
  // dz may alias z, and da too except for glu (whose da has half as many values a row).
  template <class T>
  void backward(const T* z, const T* a, const T* da, T* dz, Index rows, Index cols) const;

 private:
  static Index glu_output_cols(Index cols);
};

}  // namespace densekit
