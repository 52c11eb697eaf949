// Keras's object names: snake-cased class names made unique by one process-wide counter
// ("dense", "dense_1", ...). Python and C++ share this one counter.
#pragma once

#include <string>

namespace densekit {

std::string to_snake_case(const std::string& class_name);
// `prefix` the first time, then `prefix_1`, `prefix_2`, ...
std::string uniquify(const std::string& prefix);
std::string auto_name(const std::string& class_name);
// keras.backend.clear_session(): the counters start over.
void reset_names();

}  // namespace densekit
