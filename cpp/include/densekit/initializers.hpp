// Weight initializers (keras/src/initializers/). An initializer holds its own seed, drawn from the
// global generator when it is created without one, so it returns the same values on every call.
#pragma once

#include <densekit/tensor.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace densekit {

enum class InitializerKind {
  Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
  GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal, Identity,
};

struct Initializer {
  InitializerKind kind = InitializerKind::Zeros;
  double value = 0.0;                 // Constant
  double mean = 0.0, stddev = 0.05;   // RandomNormal, TruncatedNormal
  double minval = -0.05, maxval = 0.05;  // RandomUniform
  double scale = 1.0;                 // VarianceScaling
  std::string mode = "fan_in";        // fan_in | fan_out | fan_avg
  std::string distribution = "truncated_normal";  // truncated_normal | untruncated_normal | uniform
  double gain = 1.0;                  // Orthogonal, Identity
  uint64_t seed = 0;

  // Snake-case or class name ("glorot_uniform", "GlorotUniform", aliases normal/uniform/zero/one).
  // seed: explicit, or drawn from the global generator now.
  static Initializer from_name(const std::string& name, std::optional<uint64_t> seed = std::nullopt);
  static std::vector<std::string> names();
  std::string class_name() const;

  // Fills a tensor of the given shape (row-major).
  void fill(float* out, const Shape& shape) const;
};

}  // namespace densekit
