// The layers that densekit.ops records when it is called on symbolic tensors (and that Python's
// operators on symbolic tensors record: x ** 2, a / b, x[:, 1:3]). Keras records these calls as
// Operations (keras/src/ops/numpy.py); densekit records them as weightless layers of the same
// C++ graph, so a model with custom arithmetic trains with no Python per batch, and saves and
// loads (from Python or C++) like any other graph.
//
// Every op works per sample: its axes are the sample's axes (Keras's axis 1 is the first of
// them); reductions over the batch axis are a loss's business, not a layer's.
#pragma once

#include <densekit/layers/layer.hpp>
#include <densekit/losses.hpp>

#include <optional>
#include <string>
#include <vector>

namespace densekit {

// y = f(x) element-wise, f one of ElementwiseOp::names(): "abs", "sqrt", ... and those with a
// number: "power" (x ** value), "rpower" (value ** x), "rdivide" (value / x), "maximum",
// "minimum", "clip" (to [value, value2]), the comparisons with the number ("equal", "greater",
// ...: 1 where true, else 0). "logical_not", "trunc" and "not_zero" are ops.logical_not and
// ops.cast to integers and to bool in a graph that carries every value as a float. Gradients
// follow TensorFlow's conventions at kinks (abs'(0) = 0; maximum/minimum/clip pass the gradient
// where x reaches the bound); the piecewise-constant ops pass none, as JAX's zero gradient.
class ElementwiseOp : public Layer {
 public:
  ElementwiseOp(std::string name, std::string op, double value = 0.0, double value2 = 0.0);
  std::string class_name() const override { return "ElementwiseOp"; }
  static const std::vector<std::string>& names();
  const std::string& op() const { return op_; }
  double value() const { return value_; }
  double value2() const { return value2_; }

  Shape build(const std::vector<Shape>& inputs) override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;


 private:
  std::string op_;
  double value_, value2_;
  int kind_;
};

// Two tensors with broadcasting (Keras's rule, right-aligned; a dimension of 1 broadcasts):
// "divide" (x / y), "power" (x ** y), and the comparisons and logic ("equal", "not_equal",
// "greater", "greater_equal", "less", "less_equal", "logical_and", "logical_or": 1 or 0, no
// gradient). Add, Subtract, Multiply, Maximum and Minimum are the merge layers (merging.hpp).
class BinaryOp : public Layer {
 public:
  BinaryOp(std::string name, std::string op);
  std::string class_name() const override { return "BinaryOp"; }
  const std::string& op() const { return op_; }

  Shape build(const std::vector<Shape>& inputs) override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  std::string op_;
  int kind_ = 0;  // the op, as an index into the known names
  std::vector<std::vector<Index>> index_;  // per input: output element → input element (empty: same)
  Index cols_ = 0;
};

// A reduction over some of a sample's axes: "sum", "mean", "max", "min", "prod", "var", "std",
// "logsumexp"; `axes` count the batch axis as Keras's do (1 = the sample's first axis; negative
// from the end; empty: every sample axis). keepdims keeps them as dimensions of 1. "argmax" and
// "argmin" take one axis and give the position of the first extreme along it (as a float, no
// gradient).
class Reduce : public Layer {
 public:
  Reduce(std::string name, std::string op, std::vector<int> axes, bool keepdims);
  std::string class_name() const override { return "Reduce"; }
  const std::string& op() const { return op_; }
  const std::vector<int>& axes() const { return axes_; }
  bool keepdims() const { return keepdims_; }

  Shape build(const std::vector<Shape>& inputs) override;
  Index scratch_cols(const std::vector<Shape>& inputs, const Shape& output) const override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  std::string op_;
  std::vector<int> axes_;
  bool keepdims_;
  int kind_ = 0;
  std::vector<Index> target_;  // per input element of a sample: the output element it reduces into
  std::vector<float> position_;  // argmax/argmin: per input element, its coordinate along the axis
  Index in_cols_ = 0, out_cols_ = 0, count_ = 1;  // count_: elements per output
};

// One step of basic indexing along one sample axis: an integer (the axis goes) or a slice.
struct IndexStep {
  std::optional<int64_t> index;
  std::optional<int64_t> start, stop;
  int64_t step = 1;
};

// An output element is an input element: slicing (x[:, 1:3], "get_item"), "transpose" (of the
// sample axes) and "take" (constant indices along one axis). Backward adds each output's
// gradient into the element it came from.
class IndexMapOp : public Layer {
 public:
  // op "get_item": steps per leading sample axis; "transpose": `axes` a permutation of the
  // batch-counted axes 1..rank (empty: reversed); "take": `indices` along batch-counted `axis`.
  IndexMapOp(std::string name, std::string op, std::vector<IndexStep> steps, std::vector<int> axes,
             std::vector<int64_t> indices, int axis);
  std::string class_name() const override { return "IndexMapOp"; }
  const std::string& op() const { return op_; }
  const std::vector<IndexStep>& steps() const { return steps_; }
  const std::vector<int>& axes() const { return axes_; }
  const std::vector<int64_t>& indices() const { return indices_; }
  int axis() const { return axis_; }

  Shape build(const std::vector<Shape>& inputs) override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  Shape build_get_item(const Shape& in, std::vector<std::vector<Index>>& coords) const;
  std::string op_;
  std::vector<IndexStep> steps_;
  std::vector<int> axes_;
  std::vector<int64_t> indices_;
  int axis_;
  std::vector<Index> source_;  // per output element of a sample: the input element it copies
  Index in_cols_ = 0;
};

// A loss term a Layer subclass's call adds (Keras's add_loss of scale · mean(x) or scale · sum(x)
// over the whole batch, plus a constant `offset`): the output is the input unchanged, and the
// term, with its gradient, joins the model's loss in fit and evaluate.
class AddLoss : public Layer {
 public:
  AddLoss(std::string name, std::string reduction, double scale, double offset);
  std::string class_name() const override { return "AddLoss"; }
  const std::string& reduction() const { return reduction_; }
  double scale() const { return scale_; }
  double offset() const { return offset_; }

  Shape build(const std::vector<Shape>& inputs) override;
  double added_loss(ConstView out) const override;
  bool adds_loss() const override { return true; }
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  double weight(Index rows, Index cols) const;  // d(term)/d(each element)
  std::string reduction_;
  double scale_, offset_;
};

// A built-in loss called on symbolic tensors in a traced call (the Keras guide's LogisticEndpoint:
// `self.loss_fn(targets, logits)` inside `call`): inputs y_true and y_pred, each a vector per
// sample, output the loss of each sample (shape ()), as Loss::per_sample computes it. The
// gradient goes to y_pred only: targets are data.
class LossOp : public Layer {
 public:
  LossOp(std::string name, Loss loss);
  std::string class_name() const override { return "LossOp"; }
  const Loss& loss() const { return loss_; }

  Shape build(const std::vector<Shape>& inputs) override;
  Index scratch_cols(const std::vector<Shape>& inputs, const Shape& output) const override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  Loss loss_, resolved_, summed_;  // summed_: resolved_ with the Sum reduction
  Index true_cols_ = 0, pred_cols_ = 0;
};

// Random values of its input's shape (whose values it ignores), drawn at every call, in training
// and inference alike, from the model's generator: "normal" (mean a, stddev b) or "uniform" in
// [a, b). What densekit.random's normal and uniform record inside a traced call (the guide's
// Sampling layer). No gradient flows back.
class RandomDraw : public Layer {
 public:
  RandomDraw(std::string name, std::string distribution, double a, double b);
  std::string class_name() const override { return "RandomDraw"; }
  bool draws_in_inference() const override { return true; }
  const std::string& distribution() const { return distribution_; }
  double a() const { return a_; }
  double b() const { return b_; }

  Shape build(const std::vector<Shape>& inputs) override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& /*in*/, ConstView /*out*/, ConstView /*grad_out*/, View /*scratch*/,
                const std::vector<View>& /*grad_in*/, const Context& /*ctx*/) override {}

 private:
  std::string distribution_;
  double a_, b_;
};

// A weight that a Layer subclass created with add_weight, applied to a tensor by the one op its
// traced call combines them with (Keras's Variable in keras/src/backend/common/variables.py,
// used in keras.ops): "matmul" (x @ W, W of shape (x's last axis, units)), "add" (x + W),
// "subtract" (x − W), "rsubtract" (W − x), "multiply" (x · W), "divide" (x / W). For the
// element-wise ops W's shape is the trailing part of the sample's (right-aligned broadcasting
// over the leading axes). A weight used at several places with the same op is one layer at
// several nodes, so its gradients add.
struct WeightOpOptions {
  std::string weight_name = "weight";
  Shape shape;
  bool trainable = true;
  Initializer initializer = Initializer::from_name("glorot_uniform", 0);
  Regularizer regularizer;
  Constraint constraint;
};

class WeightOp : public Layer {
 public:
  WeightOp(std::string name, std::string op, WeightOpOptions options);
  std::string class_name() const override { return "WeightOp"; }
  static const std::vector<std::string>& names();
  const std::string& op() const { return op_; }
  const WeightOpOptions& options() const { return options_; }
  // Values the weight starts from in the next graph that places it (the variable's values in
  // Python before any model held it), instead of its initializer's.
  void set_initial_values(std::vector<float> values);

  Shape build(const std::vector<Shape>& inputs) override;
  std::vector<WeightSpec> weight_specs() const override;
  void init_weights(const std::vector<float*>& params) const override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  void bind(const std::vector<float*>& params, const std::vector<float*>& grads) override;
  std::string op_;
  WeightOpOptions options_;
  std::vector<float> initial_;
  int kind_ = 0;
  Index size_ = 0, in_cols_ = 0, units_ = 0;  // units_: matmul's output width
  float *w_ = nullptr, *w_grad_ = nullptr;
};

}  // namespace densekit
