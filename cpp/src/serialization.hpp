// The config schema as nlohmann JSON, for the files that read and write it (io.cpp).
#pragma once

#include <densekit/model.hpp>

#include <nlohmann/json.hpp>

#include <functional>

namespace densekit {

using Json = nlohmann::ordered_json;

Json layer_config(const Layer& layer);
LayerPtr layer_from_config(const std::string& class_name, const Json& config);
Json model_config(const Model& model);
// before_allocation (optional) sees the built, unallocated graph: the file loader checks the
// architecture's size against the file there.
std::shared_ptr<Model> model_from_config(const Json& config, bool compile,
                                         const std::function<void(const Graph&)>& before_allocation = nullptr);
Json compile_config(const Model& model);
void compile_from_config(Model& model, const Json& config);

}  // namespace densekit
