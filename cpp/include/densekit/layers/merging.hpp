// Merge layers (keras/src/layers/merging/): element-wise Add, Subtract, Multiply, Average, Maximum,
// Minimum over several inputs (trailing dimensions of size 1 broadcast, as in Keras), and
// Concatenate along an axis. No weights.
#pragma once

#include <densekit/layers/layer.hpp>

namespace densekit {

enum class MergeOp { Add, Subtract, Multiply, Average, Maximum, Minimum };

class Merge : public Layer {
 public:
  Merge(std::string name, MergeOp op) : Layer(std::move(name)), op_(op) {}
  std::string class_name() const override;
  MergeOp op() const { return op_; }

  Shape build(const std::vector<Shape>& inputs) override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  // Value of input k at output element j of a row.
  float at(const ConstView& v, size_t k, Index row, Index j) const {
    return v.data[row * v.cols + (index_[k].empty() ? j : index_[k][j])];
  }
  MergeOp op_;
  // Per input: for each output element, the input element it reads (empty: the same one).
  std::vector<std::vector<Index>> index_;
  Index out_cols_ = 0;
};

class Concatenate : public Layer {
 public:
  Concatenate(std::string name, int axis = -1) : Layer(std::move(name)), axis_(axis) {}
  std::string class_name() const override { return "Concatenate"; }
  int axis() const { return axis_; }

  Shape build(const std::vector<Shape>& inputs) override;
  void forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) override;
  void backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                const std::vector<View>& grad_in, const Context& ctx) override;

 private:
  int axis_;  // Keras's axis: counts the batch axis, negative from the end
  // A row is `outer_` blocks; block b holds inner_[k] values of input k, one after another.
  Index outer_ = 1;
  std::vector<Index> inner_;
};

}  // namespace densekit
