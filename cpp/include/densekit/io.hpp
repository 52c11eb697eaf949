// The native model file (docs/format.md): a safetensors file whose metadata holds the Keras
// config, with the weights, optimizer state, generator state and a probe as tensors.
#pragma once

#include <densekit/model.hpp>

#include <memory>
#include <string>
#include <vector>

namespace densekit {

// The newest format version this build writes; it reads every version up to this one. A file
// takes the oldest version that holds its model: 2 adds the layers densekit.ops records
// (ElementwiseOp, BinaryOp, Reduce, IndexMapOp) and the losses and metrics traced from Python
// (a compile config entry with "densekit_traced"), so a model without them stays version 1.
constexpr int kFormatVersion = 2;
int format_version_for(const Model& model);

// Saves the whole model: architecture, weights, compile settings, optimizer state, generator
// state and a probe (a few inputs and the outputs they gave). Atomic: the file at `path` is
// either the old one or the complete new one. Throws IOError.
void save_model(const Model& model, const std::string& path);
// Loads a model file, checking every offset, size, dtype, shape, the checksum and the probe;
// throws IOError for anything malformed. `compile`: restore the compile settings and optimizer
// state, so training resumes exactly.
Model load_model(const std::string& path, bool compile = true);

// The same, in memory (pickling, network transfer).
std::string save_model_to_bytes(const Model& model);
Model load_model_from_bytes(const std::string& bytes, bool compile = true);

// Weights (and optimizer state, when built) only, matched to the model's weights in order.
void save_weights(const Model& model, const std::string& path);
// Loads all or nothing: a file that does not fit throws IOError and leaves the model as it was.
// `skip_mismatch`: a weight stored with another shape keeps the model's value instead (and so
// does the optimizer's state, if its slots then do not fit); returns what was left out,
// described. A different number of weights is refused either way: there is no pairing to trust.
std::vector<std::string> load_weights(Model& model, const std::string& path, bool skip_mismatch = false);

}  // namespace densekit
