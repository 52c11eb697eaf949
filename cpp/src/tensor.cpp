#include <densekit/errors.hpp>
#include <densekit/tensor.hpp>

#include <atomic>
#include <utility>

namespace densekit {

int64_t checked_shape_size(const Shape& shape, const std::string& what) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && n > kMaxValues / d))
      throw ValueError(what + " has the shape " + shape_to_string(shape) + ", too large (more than 2^36 values) or negative.");
    n *= d;
  }
  return n;
}

int64_t shape_size(const Shape& shape) { return checked_shape_size(shape, "A tensor"); }

namespace {
// Atomics: a limit may be raised while another thread loads a model.
std::atomic<int64_t> max_parameters{Limits{}.max_parameters};
std::atomic<int64_t> max_values_per_sample{Limits{}.max_values_per_sample};
std::atomic<int64_t> max_layers{Limits{}.max_layers};
}  // namespace

Limits limits() { return {max_parameters.load(), max_values_per_sample.load(), max_layers.load()}; }

void set_limits(const Limits& l) {
  for (const auto& [name, value] : {std::pair<const char*, int64_t>{"max_parameters", l.max_parameters},
                                    {"max_values_per_sample", l.max_values_per_sample}, {"max_layers", l.max_layers}})
    if (value < 1 || value > kMaxValues)
      throw ValueError(std::string("The limit ") + name + " must be between 1 and 2^36; received " + std::to_string(value) + ".");
  max_parameters = l.max_parameters;
  max_values_per_sample = l.max_values_per_sample;
  max_layers = l.max_layers;
}

void check_sample_size(const Shape& shape, const std::string& what) {
  const int64_t n = checked_shape_size(shape, what);
  if (n > max_values_per_sample.load())
    throw ValueError(what + " has the shape " + shape_to_string(shape) + ": " + std::to_string(n) +
                     " values per sample, more than the limit of " + std::to_string(max_values_per_sample.load()) +
                     " (raise it with densekit.config.set_limits(max_values_per_sample=...) if the model is meant to be this large).");
}

std::string shape_to_string(const Shape& shape) {
  std::string s = "(None";
  for (int64_t d : shape) s += ", " + std::to_string(d);
  return s + (shape.empty() ? ",)" : ")");  // one value per sample: Python's (None,)
}

std::string tuple_to_string(const Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

const char* version() { return DENSEKIT_VERSION; }

}  // namespace densekit
