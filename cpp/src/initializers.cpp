#include <densekit/errors.hpp>
#include <densekit/initializers.hpp>
#include <densekit/random.hpp>

#include <Eigen/QR>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

namespace densekit {
namespace {

// Keras's factor that makes a ±2σ truncated normal have the requested variance.
constexpr double kTruncatedStddevFactor = 0.87962566103423978;

struct Entry {
  const char* snake;
  const char* class_name;
  InitializerKind kind;
};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> e = {
      {"zeros", "Zeros", InitializerKind::Zeros},
      {"ones", "Ones", InitializerKind::Ones},
      {"constant", "Constant", InitializerKind::Constant},
      {"random_normal", "RandomNormal", InitializerKind::RandomNormal},
      {"random_uniform", "RandomUniform", InitializerKind::RandomUniform},
      {"truncated_normal", "TruncatedNormal", InitializerKind::TruncatedNormal},
      {"variance_scaling", "VarianceScaling", InitializerKind::VarianceScaling},
      {"glorot_uniform", "GlorotUniform", InitializerKind::GlorotUniform},
      {"glorot_normal", "GlorotNormal", InitializerKind::GlorotNormal},
      {"he_normal", "HeNormal", InitializerKind::HeNormal},
      {"he_uniform", "HeUniform", InitializerKind::HeUniform},
      {"lecun_normal", "LecunNormal", InitializerKind::LecunNormal},
      {"lecun_uniform", "LecunUniform", InitializerKind::LecunUniform},
      {"orthogonal", "Orthogonal", InitializerKind::Orthogonal},
      {"identity", "Identity", InitializerKind::Identity},
  };
  return e;
}

double truncated_normal(Rng& rng, double mean, double stddev) {
  for (;;) {
    const double x = rng.normal();
    if (std::abs(x) <= 2.0) return mean + stddev * x;
  }
}

std::pair<double, double> fans(const Shape& shape) {
  if (shape.empty()) return {1.0, 1.0};
  if (shape.size() == 1) return {double(shape[0]), double(shape[0])};
  if (shape.size() == 2) return {double(shape[0]), double(shape[1])};
  double receptive = 1.0;
  for (size_t i = 0; i + 2 < shape.size(); ++i) receptive *= double(shape[i]);
  return {receptive * double(shape[shape.size() - 2]), receptive * double(shape.back())};
}

}  // namespace

Initializer Initializer::from_name(const std::string& name, std::optional<uint64_t> seed) {
  std::string key = name;
  if (key == "normal") key = "random_normal";
  if (key == "uniform") key = "random_uniform";
  if (key == "zero") key = "zeros";
  if (key == "one") key = "ones";
  for (const auto& e : entries()) {
    if (key == e.snake || key == e.class_name) {
      Initializer init;
      init.kind = e.kind;
      if (init.kind == InitializerKind::Ones) init.value = 1.0;
      init.seed = seed ? *seed : draw_seed();
      return init;
    }
  }
  std::string known;
  for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
  throw ValueError("Could not interpret initializer identifier: '" + name + "'. Valid names are: " + known + ".");
}

std::vector<std::string> Initializer::names() {
  std::vector<std::string> out;
  for (const auto& e : entries()) out.push_back(e.snake);
  return out;
}

std::string Initializer::class_name() const {
  for (const auto& e : entries())
    if (e.kind == kind) return e.class_name;
  return "Zeros";
}

void Initializer::fill(float* out, const Shape& shape) const {
  const int64_t n = shape_size(shape);
  Rng rng(seed);
  auto [fan_in, fan_out] = fans(shape);

  // The named variance-scaling family, as (scale, mode, distribution).
  double vs_scale = scale;
  std::string vs_mode = mode, vs_dist = distribution;
  switch (kind) {
    case InitializerKind::GlorotUniform: vs_scale = 1.0, vs_mode = "fan_avg", vs_dist = "uniform"; break;
    case InitializerKind::GlorotNormal: vs_scale = 1.0, vs_mode = "fan_avg", vs_dist = "truncated_normal"; break;
    case InitializerKind::HeNormal: vs_scale = 2.0, vs_mode = "fan_in", vs_dist = "truncated_normal"; break;
    case InitializerKind::HeUniform: vs_scale = 2.0, vs_mode = "fan_in", vs_dist = "uniform"; break;
    case InitializerKind::LecunNormal: vs_scale = 1.0, vs_mode = "fan_in", vs_dist = "truncated_normal"; break;
    case InitializerKind::LecunUniform: vs_scale = 1.0, vs_mode = "fan_in", vs_dist = "uniform"; break;
    default: break;
  }

  switch (kind) {
    case InitializerKind::Zeros:
    case InitializerKind::Ones:
    case InitializerKind::Constant:
      std::fill(out, out + n, static_cast<float>(value));
      return;
    case InitializerKind::RandomNormal:
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(mean + stddev * rng.normal());
      return;
    case InitializerKind::RandomUniform:
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(minval + (maxval - minval) * rng.uniform());
      return;
    case InitializerKind::TruncatedNormal:
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(truncated_normal(rng, mean, stddev));
      return;
    case InitializerKind::Orthogonal: {
      if (shape.size() < 2) throw ValueError("The Orthogonal initializer requires a shape of rank >= 2.");
      const Index cols = shape.back(), rows = n / cols;
      Eigen::MatrixXd a(std::max(rows, cols), std::min(rows, cols));
      for (Index i = 0; i < a.size(); ++i) a.data()[i] = rng.normal();
      Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
      Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(a.rows(), a.cols());
      const Eigen::MatrixXd r = qr.matrixQR();
      for (Index j = 0; j < q.cols(); ++j)
        if (r(j, j) < 0) q.col(j) *= -1.0;
      if (rows < cols) q.transposeInPlace();
      for (Index i = 0; i < rows; ++i)
        for (Index j = 0; j < cols; ++j) out[i * cols + j] = static_cast<float>(gain * q(i, j));
      return;
    }
    case InitializerKind::Identity: {
      if (shape.size() != 2) throw ValueError("The Identity initializer requires a 2D shape.");
      std::fill(out, out + n, 0.0f);
      for (int64_t i = 0; i < std::min(shape[0], shape[1]); ++i) out[i * shape[1] + i] = static_cast<float>(gain);
      return;
    }
    default: {
      const double fan = vs_mode == "fan_in" ? fan_in : vs_mode == "fan_out" ? fan_out : (fan_in + fan_out) / 2.0;
      const double s = vs_scale / std::max(1.0, fan);
      if (vs_dist == "uniform") {
        const double limit = std::sqrt(3.0 * s);
        for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(-limit + 2.0 * limit * rng.uniform());
      } else if (vs_dist == "untruncated_normal") {
        const double sd = std::sqrt(s);
        for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(sd * rng.normal());
      } else {
        const double sd = std::sqrt(s) / kTruncatedStddevFactor;
        for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(truncated_normal(rng, 0.0, sd));
      }
      return;
    }
  }
}

}  // namespace densekit
