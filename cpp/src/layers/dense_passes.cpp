// Dense's forward and backward passes. Compiled once per instruction set (CMakeLists.txt,
// DENSEKIT_KERNEL_SOURCES); the rest of the layer, compiled once, is in dense.cpp.
#include <densekit/layers/dense.hpp>
#include "../parallel_for.hpp"
#include "../gemm.hpp"

namespace densekit {
namespace {

// Hands rows [r0, r1) × columns [c0, c1) of a row-major gradient (ld floats a row) to the
// updater: one range when the rows are whole, else one per row.
void hand_over(const WeightUpdater& updater, float* grad, Index ld, Index r0, Index r1, Index c0, Index c1) {
  if (c0 == 0 && c1 == ld) {
    updater.update(grad + r0 * ld, (r1 - r0) * ld);
    return;
  }
  for (Index r = r0; r < r1; ++r) updater.update(grad + r * ld + c0, c1 - c0);
}

}  // namespace

void Dense::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  // x: (rows, input_dim) -> out: (rows, units), rows counting every leading axis.
  const ConstMatrixMap x = in[0].map_last(input_dim_);
  const Index rows = x.rows();
  const ConstMatrixMap kernel(kernel_, input_dim_, units_);
  const Activation& act = options_.activation;
  float* z = act.backward_needs_input() || act.yields_logits() ? scratch.data : out.data;
  // Also for fewer than 8 units, where Eigen's matrix-vector product would be faster (0.2 against
  // 0.7 µs for one unit): Eigen's result for a row depended on the rows beside it.
  if (has_own_gemm()) {
    // z = x @ kernel + bias, the kernel read in place, and relu on the way out (a pass over
    // the output saved); any other activation after, threads over rows. In training the kernel's
    // rows were last updated split between the threads (gemm.hpp, b_rows_apart).
    const bool relu = act.is_plain_relu();
    gemm(rows, units_, input_dim_, {x.data(), input_dim_, 1}, kernel_, units_, z, units_, {false, bias_, relu}, nullptr,
         ctx.training && trainable);
    if (relu || act.kind == ActivationKind::Linear) return;
    const Index out_cols = act.output_cols(units_);
    parallel_rows(rows, double(units_) * 4.0, [&](int64_t r0, int64_t r1) {
      act.forward(z + r0 * units_, out.data + r0 * out_cols, r1 - r0, units_);
    });
    return;
  }
  const Index out_cols = act.output_cols(units_);
  parallel_rows(rows, double(input_dim_) * double(units_), [&](int64_t r0, int64_t r1) {
    MatrixMap zb(z + r0 * units_, r1 - r0, units_);
    zb.noalias() = x.middleRows(r0, r1 - r0) * kernel;
    if (bias_) zb.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(bias_, units_);
    act.forward(zb.data(), out.data + r0 * out_cols, r1 - r0, units_);
  });
}

void Dense::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                     const std::vector<View>& grad_in, const Context& ctx) {
  const ConstMatrixMap x = in[0].map_last(input_dim_);
  const Index rows = x.rows();
  const Activation& act = options_.activation;
  // With an updater the weight gradients are written (not added) and each finished range is
  // handed over at once, which changes those weights: d(x), which reads the kernel, comes first.
  const WeightUpdater* updater = ctx.updater;

  // dz = d(loss)/d(x @ kernel + bias): (rows, units)
  const float* dz = grad_out.data;
  if (act.kind != ActivationKind::Linear && !ctx.grad_is_preactivation) {
    float* dz_room = act.yields_logits() ? scratch.data + rows * units_ : scratch.data;  // the logits kept
    act.backward(scratch.data, out.data, grad_out.data, dz_room, rows, units_);
    dz = dz_room;
  }
  const ConstMatrixMap dzm(dz, rows, units_);
  const bool own_gemm = gemm_preferred(input_dim_, units_, rows);

  // d(x) += dz kernelᵀ: (rows, input_dim)
  if (grad_in[0].data) {
    if (own_gemm) {
      gemm_transposed_b(rows, input_dim_, units_, {dz, units_, 1}, kernel_, units_, grad_in[0].data, input_dim_,
                        {!ctx.write_grad_in});
    } else {
      MatrixMap dx = grad_in[0].map_last(input_dim_);
      const ConstMatrixMap kernel(kernel_, input_dim_, units_);
      parallel_rows(rows, double(input_dim_) * double(units_), [&](int64_t r0, int64_t r1) {
        if (ctx.write_grad_in) dx.middleRows(r0, r1 - r0).noalias() = dzm.middleRows(r0, r1 - r0) * kernel.transpose();
        else dx.middleRows(r0, r1 - r0).noalias() += dzm.middleRows(r0, r1 - r0) * kernel.transpose();
      });
    }
  }

  // d(bias) (+)= Σ_rows dz
  if (bias_grad_) {
    Eigen::Map<Eigen::RowVectorXf> dbias(bias_grad_, units_);
    if (updater) {
      dbias = dzm.colwise().sum();
      updater->update(bias_grad_, units_);
    } else {
      dbias += dzm.colwise().sum();
    }
  }

  // d(kernel) (+)= xᵀ dz: (input_dim, units)
  if (own_gemm) {
    // x read through its transpose in place; an updater takes each block as the product finishes it
    struct Handover {
      const WeightUpdater* updater;
      float* grad;
      Index units;
    } handover{updater, kernel_grad_, units_};
    const FinishedBlock finished{[](const void* c, Index r0, Index r1, Index c0, Index c1) {
                                   const auto& h = *static_cast<const Handover*>(c);
                                   hand_over(*h.updater, h.grad, h.units, r0, r1, c0, c1);
                                 }, &handover};
    gemm(input_dim_, units_, rows, {x.data(), 1, input_dim_}, dz, units_, kernel_grad_, units_, {!updater},
         updater ? &finished : nullptr);
    return;
  }
  // threads over kernel rows
  MatrixMap dkernel(kernel_grad_, input_dim_, units_);
  parallel_rows(input_dim_, double(rows) * double(units_), [&](int64_t i0, int64_t i1) {
    auto block = dkernel.middleRows(i0, i1 - i0);
    if (updater) {
      block.noalias() = x.middleCols(i0, i1 - i0).transpose() * dzm;
      hand_over(*updater, kernel_grad_, units_, i0, i1, 0, units_);
    } else {
      block.noalias() += x.middleCols(i0, i1 - i0).transpose() * dzm;
    }
  });
}

}  // namespace densekit
