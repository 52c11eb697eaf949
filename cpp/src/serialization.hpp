// The config schema as nlohmann JSON, for the files that read and write it (io.cpp).
#pragma once

#include <densekit/model.hpp>

#include <nlohmann/json.hpp>

#include <functional>

namespace densekit {

using Json = nlohmann::ordered_json;

// Values nested deeper than this are refused: a Keras config nests a few levels per model and a
// few more per layer, far below it. nlohmann's parser is iterative, but copies, dumps and the
// config readers recurse, so an unbounded depth from a file would end in a stack overflow.
constexpr int kMaxJsonDepth = 256;
// Parses JSON text that came from a file or a user, throwing ValueError("The <what> ...") when it
// is not JSON or nests deeper than kMaxJsonDepth.
Json parse_json(const char* begin, const char* end, const std::string& what);
inline Json parse_json(const std::string& text, const std::string& what) {
  return parse_json(text.data(), text.data() + text.size(), what);
}

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
