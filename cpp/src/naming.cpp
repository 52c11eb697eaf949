#include <densekit/naming.hpp>
#include <densekit/parallel.hpp>

#include <cctype>
#include <map>
#include <mutex>

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

bool is_upper(char c) { return std::isupper(static_cast<unsigned char>(c)); }
bool is_lower(char c) { return std::islower(static_cast<unsigned char>(c)); }

}  // namespace

// Keras's rules: "_" before a capital that starts a lowercase run (after any character) and
// between a lowercase letter and a capital; non-word characters dropped. Dense → dense,
// BatchNormalization → batch_normalization, ReLU → re_lu, RMSprop → rm_sprop.
std::string to_snake_case(const std::string& class_name) {
  std::string s;
  for (char c : class_name)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') s += c;
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool capital_run = i > 0 && is_upper(s[i]) && i + 1 < s.size() && is_lower(s[i + 1]);
    const bool lower_to_upper = i > 0 && is_lower(s[i - 1]) && is_upper(s[i]);
    if ((capital_run || lower_to_upper) && !out.empty() && out.back() != '_') out += '_';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
  }
  return out;
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
