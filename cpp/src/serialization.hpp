// The config schema as nlohmann JSON, for the files that read and write it (io.cpp).
#pragma once

#include <densekit/model.hpp>

#include <nlohmann/json.hpp>

namespace densekit {

using Json = nlohmann::ordered_json;

Json layer_config(const Layer& layer);
LayerPtr layer_from_config(const std::string& class_name, const Json& config);
Json model_config(const Model& model);
std::shared_ptr<Model> model_from_config(const Json& config, bool compile);
Json compile_config(const Model& model);
void compile_from_config(Model& model, const Json& config);

}  // namespace densekit
