#include <densekit/errors.hpp>
#include <densekit/layers/multiplicative_noise.hpp>

#include <algorithm>

namespace densekit {
namespace {

// "(None, 1, 4)": a noise shape as Keras prints the tuple.
std::string noise_shape_string(const Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + (shape[i] == MultiplicativeNoise::kNoneDim ? std::string("None") : std::to_string(shape[i]));
  return s + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

MultiplicativeNoise::MultiplicativeNoise(std::string name, double rate) : Layer(std::move(name)), rate_(rate) {
  if (!(rate >= 0.0 && rate <= 1.0))
    throw ValueError("Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate=" +
                     std::to_string(rate));
}

void MultiplicativeNoise::set_noise_shape(std::optional<Shape> noise_shape) {
  // build() derived the broadcast strides from the noise shape, and the model sized this layer's
  // scratch (scratch_cols) from it: a shape changed afterwards would be drawn with strides that
  // do not exist, into a buffer too small for it.
  if (built())
    throw ValueError(class_name() + " '" + name() + "' is already built: set its noise_shape before building the layer "
                     "(before placing it in a model).");
  if (noise_shape)
    for (size_t i = 0; i < noise_shape->size(); ++i)
      if ((*noise_shape)[i] != kNoneDim && (*noise_shape)[i] <= 0)
        throw ValueError("Invalid value received for argument `noise_shape`. Expected all dimensions to be positive integers or "
                         "None. Received negative or zero value at index " + std::to_string(i) + ": " +
                         std::to_string((*noise_shape)[i]));
  noise_shape_ = std::move(noise_shape);
}

// Keras fills a None of the noise shape with the input's size on the same axis counted from the
// left, then broadcasts the result against the input from the right (keras/src/backend/
// tensorflow/random.py, dropout): a shorter noise shape shares factors over the leading axes.
Shape MultiplicativeNoise::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  if (noise_shape_) {
    const Shape& sample = inputs[0];
    const size_t rank = sample.size() + 1, drawn_rank = noise_shape_->size();
    const auto refuse = [&] {
      return ValueError(class_name() + " '" + name() + "': its noise_shape " + noise_shape_string(*noise_shape_) +
                        " does not broadcast to its input's shape " + shape_to_string(sample) +
                        ": each size must be None, 1 or the input's, for at most as many axes as the input has.");
    };
    if (drawn_rank > rank) throw refuse();
    Shape drawn(rank, 1);  // the noise shape filled, right-aligned with the input's axes
    for (size_t i = 0; i < drawn_rank; ++i) {
      int64_t d = (*noise_shape_)[i];
      if (d == kNoneDim && i > 0) d = sample[i - 1];  // (the batch's size is known per batch)
      drawn[rank - drawn_rank + i] = d;
    }
    for (size_t axis = 1; axis < rank; ++axis)
      if (drawn[axis] != 1 && drawn[axis] != sample[axis - 1]) throw refuse();
    drawn_strides_.assign(rank, 0);
    Index stride = 1;
    for (size_t axis = rank; axis-- > 1;) {
      if (drawn[axis] != 1) drawn_strides_[axis] = stride;
      stride *= drawn[axis];
    }
    drawn_strides_[0] = drawn[0] == 1 ? 0 : stride;
    sample_drawn_ = stride;
    batch_dim_ = drawn[0];
    sample_dims_ = sample;
  }
  mark_built();
  return inputs[0];
}

Index MultiplicativeNoise::scratch_cols(const std::vector<Shape>& inputs, const Shape& output) const {
  return (noise_shape_ ? 2 : 1) * shape_size(output);  // the factors, and those drawn
}

void MultiplicativeNoise::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  const Index n = in[0].rows * in[0].cols;
  const float* x = in[0].data;
  if (!ctx.training || rate_ == 0.0) {
    std::copy(x, x + n, out.data);
    std::fill(scratch.data, scratch.data + n, 1.0f);
    return;
  }
  if (noise_shape_) draw_broadcast(scratch.data, scratch.data + n, in[0].rows, *ctx.rng);
  else draw(scratch.data, n, *ctx.rng);
  for (Index i = 0; i < n; ++i) out.data[i] = x[i] * scratch.data[i];
}

void MultiplicativeNoise::draw_broadcast(float* factors, float* drawn, Index rows, Rng& rng) const {
  if (batch_dim_ != kNoneDim && batch_dim_ != 1 && batch_dim_ != rows)
    throw ValueError(class_name() + " '" + name() + "': its noise_shape " + noise_shape_string(*noise_shape_) +
                     " draws factors for batches of " + std::to_string(batch_dim_) + " samples; this batch has " +
                     std::to_string(rows) + ". Use None for the batch axis.");
  const Index n = rows * shape_size(sample_dims_);
  if (n == 0) return;
  draw(drawn, drawn_strides_[0] ? rows * drawn_strides_[0] : sample_drawn_, rng);
  // Each run of the input's last axis takes its factors from the drawn ones at the offset of
  // its position on the other axes (0 where the noise shape is 1).
  const size_t last = sample_dims_.size();
  const Index run = last ? sample_dims_[last - 1] : rows;
  const Index step = drawn_strides_[last];
  for (Index r = 0; r < n / run; ++r) {
    Index offset = 0, rest = r;
    for (size_t axis = last; axis-- > 0;) {
      const Index size = axis ? sample_dims_[axis - 1] : rows;
      offset += (rest % size) * drawn_strides_[axis];
      rest /= size;
    }
    float* out = factors + r * run;
    if (step == 0) std::fill(out, out + run, drawn[offset]);
    else std::copy(drawn + offset, drawn + offset + run, out);
  }
}

void MultiplicativeNoise::draw_mask(float* factors, Index n, Rng& rng, float kept) const {
  const float r = static_cast<float>(rate_);
  for (Index i = 0; i < n; ++i) factors[i] = rng.uniform() >= r ? kept : 0.0f;
}

void MultiplicativeNoise::backward(const std::vector<ConstView>& in, ConstView out, ConstView grad_out, View scratch,
                                   const std::vector<View>& grad_in, const Context& ctx) {
  if (!grad_in[0].data) return;
  const Index n = grad_out.rows * grad_out.cols;
  for (Index i = 0; i < n; ++i) grad_in[0].data[i] += grad_out.data[i] * scratch.data[i];
}

}  // namespace densekit
