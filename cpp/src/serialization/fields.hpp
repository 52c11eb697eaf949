// What every config shares: Keras's object wrapper, typed fields, and the configs of
// activations, initializers, regularizers and constraints. Each layer's own file reads and writes
// its config with these (cpp/src/layers/<layer>.cpp); models and compile settings use them too.
#pragma once

#include <densekit/activations.hpp>
#include <densekit/constraints.hpp>
#include <densekit/errors.hpp>
#include <densekit/initializers.hpp>
#include <densekit/layers/layer.hpp>
#include <densekit/regularizers.hpp>
#include <densekit/tensor.hpp>

// nlohmann's const operator[] asserts that the key exists, and a release build then reads out of
// bounds; configs come from files, so a missing field must be an exception, never a bad read.
// (Out of line: inside nlohmann's noexcept internals the same check can only end the process.)
namespace densekit {
[[noreturn]] void throw_missing_json_field();
}  // namespace densekit
#ifndef JSON_ASSERT
#define JSON_ASSERT(condition)                          \
  do {                                                  \
    if (!(condition)) ::densekit::throw_missing_json_field(); \
  } while (false)
#endif
#include <nlohmann/json.hpp>

#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

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

// {"module", "class_name", "config", "registered_name": null}, as Keras serializes an object.
Json wrap(const char* module, const std::string& class_name, Json config);
Json dtype_policy();
// [null, d1, ...] and back (positive dimensions only).
Json batch_shape(const Shape& shape);
Shape shape_from(const Json& batch, const std::string& what);

// config[key] as a T, or `fallback` when absent or null; ValueError naming the key on a wrong type.
template <class T>
T field(const Json& config, const char* key, T fallback) {
  if (!config.contains(key) || config[key].is_null()) return fallback;
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    // nlohmann would truncate 2.5 or 2^40 into an int without a word.
    const Json& v = config[key];
    const bool fits = v.is_number_integer() &&
                      (v.is_number_unsigned() ? v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max())
                                              : v.get<int64_t>() >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                                                    v.get<int64_t>() <= static_cast<int64_t>(std::numeric_limits<T>::max()));
    if (!fits) throw ValueError(std::string("Config field '") + key + "' must be an integer in range; received " + v.dump());
  }
  try {
    return config[key].get<T>();
  } catch (const nlohmann::json::exception&) {
    throw ValueError(std::string("Config field '") + key + "' has the wrong type: " + config[key].dump());
  }
}

// Whether config["data_format"] is "channels_first" (absent or null: "channels_last", Keras's
// image_data_format default); ValueError on any other value (standardize_data_format in
// keras/src/backend/config.py, which ignores case).
bool channels_first(const Json& config);
bool channels_first(std::string data_format);

// Fields a config may carry only at their default: densekit does not implement them (yet).
void require_null(const Json& config, std::initializer_list<const char*> keys, const std::string& who);

Json activation_config(const Activation& a);
Activation activation_from(const Json& j);
Json initializer_config(const Initializer& init);
Initializer initializer_from(const Json& j);
// config[key] as an initializer, or the named one (seed 0) when absent or null.
Initializer initializer_field(const Json& config, const char* key, const char* fallback);
Json regularizer_config(const Regularizer& r);
Regularizer regularizer_from(const Json& j);
Json constraint_config(const Constraint& k);
Constraint constraint_from(const Json& j);
// Integral values (steps, boundaries, axes) as integers, as Keras writes them.
Json number_config(double v);

// name, trainable, dtype (and activity_regularizer when set): the start of every layer's config.
Json base_config(const Layer& layer);
// An int or a list of ints (Keras's axis arguments, shapes) as a vector; ValueError naming the
// field for anything else or, for int_list, a value outside int's range.
std::vector<int64_t> int64_list(const Json& j, const char* what);
std::vector<int> int_list(const Json& j, const char* what);
// Row-major values of `shape` as a nested list (a scalar for {}), and back.
Json nested(const std::vector<double>& values, const Shape& shape, size_t dim = 0, size_t offset = 0);
void flatten_nested(const Json& j, std::vector<double>& values, Shape& shape, size_t dim, const char* what);
std::optional<int64_t> optional_seed(const Json& config);

}  // namespace densekit
