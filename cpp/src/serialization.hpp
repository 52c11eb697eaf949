// Model and compile configs as nlohmann JSON, for the files that read and write them (io.cpp).
// Layer configs: layers/registry.hpp.
#pragma once

#include <densekit/model.hpp>

#include "serialization/fields.hpp"

#include <functional>

namespace densekit {

Json model_config(const Model& model);
// A model's output names where they are not its output layers' (densekit's files keep them in
// their metadata; model_from_config takes them beside "config", which Keras reads, not in it).
inline constexpr const char* kOutputNamesKey = "densekit_output_names";
std::string renamed_outputs_json(const Model& model);  // those names as JSON text ("" if there are none)
// before_allocation (optional) sees the built, unallocated graph: the file loader checks the
// architecture's size against the file there.
std::shared_ptr<Model> model_from_config(const Json& config, bool compile,
                                         const std::function<void(const Graph&)>& before_allocation = nullptr);
Json compile_config(const Model& model);
void compile_from_config(Model& model, const Json& config);

}  // namespace densekit
