#include <densekit/errors.hpp>
#include <densekit/layers/dense.hpp>
#include "../parallel_for.hpp"
#include "../gemm.hpp"

namespace densekit {

Dense::Dense(std::string name, int64_t units, DenseOptions options)
    : Layer(std::move(name)), units_(units), options_(std::move(options)) {
  if (units <= 0)
    throw ValueError("Received an invalid value for `units`, expected a positive integer. Received: units=" +
                     std::to_string(units));
}

Shape Dense::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  const Shape& in = inputs[0];
  if (in.empty())
    throw ValueError("Input 0 of layer '" + name() + "' is incompatible with the layer: expected min_ndim=2, found ndim=1. Full shape received: (None,)");
  if (built() && in.back() != input_dim_)
    throw ValueError("Input 0 of layer '" + name() + "' is incompatible with the layer: expected axis -1 of input shape to have value " +
                     std::to_string(input_dim_) + ", but received input with shape " + shape_to_string(in));
  input_dim_ = in.back();
  options_.kernel_constraint.check({input_dim_, units_}, name() + "/kernel");
  options_.bias_constraint.check({units_}, name() + "/bias");
  mark_built();
  Shape out = in;
  out.back() = units_;
  return out;
}

std::vector<WeightSpec> Dense::weight_specs() const {
  std::vector<WeightSpec> specs;
  specs.push_back({"kernel", {input_dim_, units_}, trainable, options_.kernel_initializer, options_.kernel_regularizer,
                   options_.kernel_constraint});
  if (options_.use_bias)
    specs.push_back({"bias", {units_}, trainable, options_.bias_initializer, options_.bias_regularizer,
                     options_.bias_constraint});
  return specs;
}

void Dense::bind(const std::vector<float*>& params, const std::vector<float*>& grads) {
  kernel_ = params.at(0);
  kernel_grad_ = grads.at(0);
  if (options_.use_bias) {
    bias_ = params.at(1);
    bias_grad_ = grads.at(1);
  }
}

Index Dense::scratch_cols(const std::vector<Shape>& inputs, const Shape& output) const {
  // z when the activation's derivative needs it, else room for d(loss)/dz.
  return options_.activation.kind == ActivationKind::Linear ? 0 : shape_size(output);
}

void Dense::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  // x: (rows, input_dim) -> out: (rows, units), rows counting every leading axis.
  const ConstMatrixMap x = in[0].map_last(input_dim_);
  const Index rows = x.rows();
  const ConstMatrixMap kernel(kernel_, input_dim_, units_);
  const Activation& act = options_.activation;
  float* z = act.backward_needs_input() ? scratch.data : out.data;
  if (gemm_preferred(rows, units_, input_dim_)) {
    // z = x @ kernel + bias, the kernel read in place; then the activation, threads over rows.
    gemm(rows, units_, input_dim_, {x.data(), input_dim_, 1}, kernel_, units_, z, units_, false, bias_);
    parallel_rows(rows, double(units_) * 4.0, [&](int64_t r0, int64_t r1) {
      act.forward(z + r0 * units_, out.data + r0 * units_, r1 - r0, units_);
    });
    return;
  }
  parallel_rows(rows, double(input_dim_) * double(units_), [&](int64_t r0, int64_t r1) {
    MatrixMap zb(z + r0 * units_, r1 - r0, units_);
    zb.noalias() = x.middleRows(r0, r1 - r0) * kernel;
    if (bias_) zb.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(bias_, units_);
    act.forward(zb.data(), out.data + r0 * units_, r1 - r0, units_);
  });
}

void Dense::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                     const std::vector<View>& grad_in, const Context& ctx) {
  const ConstMatrixMap x = in[0].map_last(input_dim_);
  const Index rows = x.rows();
  const Activation& act = options_.activation;

  // dz = d(loss)/d(x @ kernel + bias): (rows, units)
  const float* dz = grad_out.data;
  if (act.kind != ActivationKind::Linear && !ctx.grad_is_preactivation) {
    act.backward(scratch.data, out.data, grad_out.data, scratch.data, rows, units_);
    dz = scratch.data;
  }
  const ConstMatrixMap dzm(dz, rows, units_);
  // d(bias) += Σ_rows dz
  if (bias_grad_) Eigen::Map<Eigen::RowVectorXf>(bias_grad_, units_) += dzm.colwise().sum();

  if (gemm_preferred(input_dim_, units_, rows)) {
    // d(kernel) += xᵀ dz: (input_dim, units), x read through its transpose in place
    gemm(input_dim_, units_, rows, {x.data(), 1, input_dim_}, dz, units_, kernel_grad_, units_, true);
    // d(x) += dz kernelᵀ: (rows, input_dim), with kernelᵀ copied once (units × input_dim, small)
    if (grad_in[0].data) {
      kernel_t_.resize(static_cast<size_t>(units_ * input_dim_));
      MatrixMap(kernel_t_.data(), units_, input_dim_) = ConstMatrixMap(kernel_, input_dim_, units_).transpose();
      gemm(rows, input_dim_, units_, {dz, units_, 1}, kernel_t_.data(), input_dim_, grad_in[0].data, input_dim_, true);
    }
    return;
  }

  // d(kernel) += xᵀ dz: (input_dim, units), threads over kernel rows
  MatrixMap dkernel(kernel_grad_, input_dim_, units_);
  parallel_rows(input_dim_, double(rows) * double(units_), [&](int64_t i0, int64_t i1) {
    dkernel.middleRows(i0, i1 - i0).noalias() += x.middleCols(i0, i1 - i0).transpose() * dzm;
  });
  // d(x) += dz kernelᵀ: (rows, input_dim)
  if (grad_in[0].data) {
    MatrixMap dx = grad_in[0].map_last(input_dim_);
    const ConstMatrixMap kernel(kernel_, input_dim_, units_);
    parallel_rows(rows, double(input_dim_) * double(units_), [&](int64_t r0, int64_t r1) {
      dx.middleRows(r0, r1 - r0).noalias() += dzm.middleRows(r0, r1 - r0) * kernel.transpose();
    });
  }
}

}  // namespace densekit
