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

}  // namespace

// Keras's rules: "_" before a capital that starts a lowercase run (after any character) and
// between a lowercase letter and a capital; non-word characters dropped. Dense → dense,
// BatchNormalization → batch_normalization, ReLU → re_lu, RMSprop → rm_sprop; an underscore
// already there is kept beside the one added (_Foo → __foo), as keras/src/utils/naming.py's
// two substitutions do.
std::string to_snake_case(const std::string& class_name) {
  const auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  const auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  std::string word;  // \W+ removed
  for (char c : class_name)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') word += c;
  // (.)([A-Z][a-z]+) -> \1_\2, matched left to right without overlap, as re.sub does
  std::string runs;
  for (size_t i = 0; i < word.size();) {
    size_t end = i + 2;
    while (end < word.size() && lower(word[end])) ++end;
    if (i + 2 < word.size() && upper(word[i + 1]) && end > i + 2) {
      runs += word[i];
      runs += '_';
      runs.append(word, i + 1, end - i - 1);
      i = end;
    } else {
      runs += word[i++];
    }
  }
  // ([a-z])([A-Z]) -> \1_\2, then lowercase
  std::string out;
  for (size_t i = 0; i < runs.size(); ++i) {
    out += runs[i];
    if (lower(runs[i]) && i + 1 < runs.size() && upper(runs[i + 1])) {
      out += '_';
      out += runs[++i];
    }
  }
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
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
