// Model and compile configs as nlohmann JSON, for the files that read and write them (io.cpp).
// Layer configs: layers/registry.hpp.
#pragma once

#include <densekit/model.hpp>

#include "serialization/fields.hpp"

#include <functional>

namespace densekit {

Json model_config(const Model& model);
// before_allocation (optional) sees the built, unallocated graph: the file loader checks the
// architecture's size against the file there.
std::shared_ptr<Model> model_from_config(const Json& config, bool compile,
                                         const std::function<void(const Graph&)>& before_allocation = nullptr);
Json compile_config(const Model& model);
void compile_from_config(Model& model, const Json& config);

}  // namespace densekit
