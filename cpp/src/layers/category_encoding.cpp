#include <densekit/errors.hpp>
#include <densekit/layers/category_encoding.hpp>

#include <algorithm>
#include <cstdio>
#include "layers/registry.hpp"

namespace densekit {

CategoryEncoding::CategoryEncoding(std::string name, int64_t num_tokens, Mode mode)
    : Layer(std::move(name)), num_tokens_(num_tokens), mode_(mode) {
  if (num_tokens_ < 1)
    throw ValueError("`num_tokens` must be >= 1. Received: num_tokens=" + std::to_string(num_tokens_) + ".");
}

Shape CategoryEncoding::build(const std::vector<Shape>& inputs) {
  expect_inputs(name(), inputs, 1);
  const Shape& in = inputs[0];
  Shape out;
  if (mode_ == Mode::OneHot) {  // each value its own row; a last axis of 1 dropped first
    out = in;
    if (!out.empty() && out.back() == 1) out.pop_back();
    out.push_back(num_tokens_);
  } else {
    if (in.size() != 1)
      throw ValueError("CategoryEncoding layer '" + name() + "' with output_mode=\"" +
                       (mode_ == Mode::Count ? "count" : "multi_hot") + "\" encodes a vector of tokens per sample; "
                       "received input shape " + shape_to_string(in) + ".");
    out = {num_tokens_};
  }
  check_sample_size(out, "The output of CategoryEncoding layer '" + name() + "'");
  mark_built();
  return out;
}

void CategoryEncoding::forward(const std::vector<ConstView>& in, View out, View scratch, const Context& ctx) {
  const Index n = in[0].rows * in[0].cols;
  const float* x = in[0].data;
  for (Index i = 0; i < n; ++i) {  // every value checked before any is encoded
    const float v = x[i];
    if (!(v > -1.0f && v < static_cast<float>(num_tokens_))) {  // (NaN fails too)
      char shown[32];
      std::snprintf(shown, sizeof shown, "%g", static_cast<double>(v));
      throw ValueError("Input values must be in the range 0 <= values < num_tokens with num_tokens=" +
                       std::to_string(num_tokens_) + "; CategoryEncoding layer '" + name() + "' received " + shown + ".");
    }
  }
  std::fill(out.data, out.data + out.rows * out.cols, 0.0f);
  if (mode_ == Mode::OneHot) {  // value i is output row i
    for (Index i = 0; i < n; ++i) out.data[i * num_tokens_ + static_cast<Index>(x[i])] = 1.0f;
    return;
  }
  for (Index r = 0; r < in[0].rows; ++r) {
    float* y = out.data + r * out.cols;
    for (Index j = 0; j < in[0].cols; ++j) {
      float& slot = y[static_cast<Index>(x[r * in[0].cols + j])];  // truncated, as Keras's cast to an integer
      slot = mode_ == Mode::Count ? slot + 1.0f : 1.0f;
    }
  }
}

// --- config (keras/src/layers/preprocessing/category_encoding.py) ------------------------------

namespace {
const char* mode_name(CategoryEncoding::Mode mode) {
  switch (mode) {
    case CategoryEncoding::Mode::Count: return "count";
    case CategoryEncoding::Mode::OneHot: return "one_hot";
    default: return "multi_hot";
  }
}

Json category_encoding_config(const Layer& layer) {
  const CategoryEncoding& e = layer_as<CategoryEncoding>(layer);
  Json c = base_config(layer);
  c["num_tokens"] = e.num_tokens();
  c["output_mode"] = mode_name(e.mode());  // no "sparse": Keras's get_config leaves it out (read below)
  return c;
}

LayerPtr category_encoding_from_config(const std::string&, const std::string& name, const Json& config) {
  std::string mode = field(config, "output_mode", std::string("multi_hot"));
  if (mode == "binary") mode = "multi_hot";  // Keras's deprecated name
  if (mode != "multi_hot" && mode != "count" && mode != "one_hot")
    throw ValueError("Unknown arg for output_mode: " + mode);
  if (!config.contains("num_tokens") || config["num_tokens"].is_null())
    throw ValueError("num_tokens must be set to use this layer. If the number of tokens is not known beforehand, use "
                     "the IntegerLookup layer instead.");
  if (field(config, "sparse", false))
    throw ValueError("CategoryEncoding layer '" + name + "': densekit computes dense outputs only (sparse=True).");
  const CategoryEncoding::Mode m = mode == "count"     ? CategoryEncoding::Mode::Count
                                   : mode == "one_hot" ? CategoryEncoding::Mode::OneHot
                                                       : CategoryEncoding::Mode::MultiHot;
  return std::make_shared<CategoryEncoding>(name, field(config, "num_tokens", int64_t(0)), m);
}
}  // namespace

const LayerType& category_encoding_type() {
  static const LayerType type{{{"CategoryEncoding", {"num_tokens", "output_mode", "sparse"}}}, category_encoding_config,
                              category_encoding_from_config};
  return type;
}

}  // namespace densekit
