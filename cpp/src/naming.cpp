#include <densekit/naming.hpp>
#include <densekit/parallel.hpp>

#include <cctype>
#include <map>
#include <mutex>
#include <regex>

namespace densekit {
namespace {

std::mutex& counter_mutex() {
  static auto* m = new ForkSafeMutex;  // never destroyed: names may be made during shutdown
  return *m;
}

std::map<std::string, int>& counters() {
  static std::map<std::string, int> c;
  return c;
}

}  // namespace

// Keras's rules: "_" before a capital that starts a lowercase run (after any character) and
// between a lowercase letter and a capital; non-word characters dropped. Dense → dense,
// BatchNormalization → batch_normalization, ReLU → re_lu, RMSprop → rm_sprop; an underscore
// already there is kept beside the one added (_Foo → __foo), as keras/src/utils/naming.py's
// two substitutions do.
std::string to_snake_case(const std::string& class_name) {
  static const std::regex not_word("[^A-Za-z0-9_]+"), capital_run("(.)([A-Z][a-z]+)"),
      lower_to_upper("([a-z])([A-Z])");
  std::string s = std::regex_replace(class_name, not_word, "");
  s = std::regex_replace(s, capital_run, "$1_$2");
  s = std::regex_replace(s, lower_to_upper, "$1_$2");
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string uniquify(const std::string& prefix) {
  std::lock_guard<std::mutex> lock(counter_mutex());
  const int count = counters()[prefix]++;
  return count == 0 ? prefix : prefix + "_" + std::to_string(count);
}

std::string auto_name(const std::string& class_name) { return uniquify(to_snake_case(class_name)); }

void reset_names() {
  std::lock_guard<std::mutex> lock(counter_mutex());
  counters().clear();
}

}  // namespace densekit
