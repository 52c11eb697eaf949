// Softmax, log_softmax (keras/src/activations/activations.py), sparsemax and glu: functions of a
// whole row, threads over rows.
#include "activations_row_wise.hpp"
#include "parallel_for.hpp"
#include "stable_math.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

namespace densekit {
namespace {

// x = exp(x) with Eigen's vectorized exp (TensorFlow's too) for every element, the last few
// included: they go through the same packet function from a padded copy. Eigen's own
// array.exp() takes std::exp for the elements before the first aligned address and after the
// last whole packet, so a row's softmax depended on where the row sat in the batch (one ulp).
template <class T>
void exp_in_place(T* x, Index n) {
  using Packet = typename Eigen::internal::packet_traits<T>::type;
  constexpr Index kLanes = sizeof(Packet) / sizeof(T);  // (unpacket_traits<Packet> drops its alignment attribute, with a warning)
  Index i = 0;
  for (; i + kLanes <= n; i += kLanes)
    Eigen::internal::pstoreu(x + i, Eigen::internal::pexp(Eigen::internal::ploadu<Packet>(x + i)));
  if (i < n) {
    T tail[kLanes] = {};
    std::copy(x + i, x + n, tail);
    Eigen::internal::pstoreu(tail, Eigen::internal::pexp(Eigen::internal::ploadu<Packet>(tail)));
    std::copy(tail, tail + (n - i), x + i);
  }
}

template <class T>
void softmax_rows(const T* z, T* a, Index r0, Index r1, Index cols) {
  // exp(z − max) for the whole block at once: Eigen's vectorized exp, which is also
  // TensorFlow's (a scalar std::exp per element cost 14 µs on 256 rows of 10), the same
  // function for every element wherever its row sits in the batch.
  for (Index r = r0; r < r1; ++r) {
    const T* zr = z + r * cols;
    const T m = *std::max_element(zr, zr + cols);
    for (Index j = 0; j < cols; ++j) a[r * cols + j] = zr[j] - m;
  }
  exp_in_place(a + r0 * cols, (r1 - r0) * cols);
  for (Index r = r0; r < r1; ++r) {
    T* ar = a + r * cols;
    T sum = 0;
    for (Index j = 0; j < cols; ++j) sum += ar[j];
    const T inv = T(1) / sum;
    for (Index j = 0; j < cols; ++j) ar[j] *= inv;
  }
}

template <class T>
void log_softmax_rows(const T* z, T* a, Index r0, Index r1, Index cols) {
  for (Index r = r0; r < r1; ++r) {
    const T* zr = z + r * cols;
    T* ar = a + r * cols;
    const T m = *std::max_element(zr, zr + cols);
    T sum = 0;
    for (Index j = 0; j < cols; ++j) sum += std::exp(zr[j] - m);
    const T lse = std::log(sum);
    for (Index j = 0; j < cols; ++j) ar[j] = zr[j] - m - lse;
  }
}

// The Euclidean projection of the row onto the probability simplex (Martins & Astudillo, 2016):
// max(z − τ, 0), τ = (Σ of the k largest − 1) / k for the largest k with 1 + k·z₍ₖ₎ > that sum.
// (Keras's own tau sums the running sums over the whole support, which agrees with this only
// when one value is in it: docs/ops.md.)
template <class T>
void sparsemax_rows(const T* z, T* a, Index r0, Index r1, Index cols) {
  thread_local std::vector<T> sorted;  // grown once, not at every step
  sorted.resize(static_cast<size_t>(cols));
  for (Index r = r0; r < r1; ++r) {
    const T* zr = z + r * cols;
    T* ar = a + r * cols;
    if (std::any_of(zr, zr + cols, [](T v) { return std::isnan(v); })) {
      // A NaN has no place in a sorted order (std::sort would be undefined): the row is NaN.
      std::fill(ar, ar + cols, std::numeric_limits<T>::quiet_NaN());
      continue;
    }
    std::copy(zr, zr + cols, sorted.begin());
    std::sort(sorted.begin(), sorted.end(), std::greater<T>());
    T running = 0, sum = 0;
    Index k = 0;
    for (Index j = 0; j < cols; ++j) {
      running += sorted[j];
      if (T(1) + T(j + 1) * sorted[j] > running) k = j + 1, sum = running;
    }
    const T tau = k > 0 ? (sum - T(1)) / T(k) : T(0);
    for (Index j = 0; j < cols; ++j) ar[j] = std::max(zr[j] - tau, T(0));
  }
}

// glu: the first half of the row times the sigmoid of the second.
template <class T>
void glu_rows(const T* z, T* a, Index r0, Index r1, Index cols) {
  const Index half = cols / 2;
  for (Index r = r0; r < r1; ++r)
    for (Index j = 0; j < half; ++j) a[r * half + j] = z[r * cols + j] * sigmoid(z[r * cols + half + j]);
}

}  // namespace

template <class T>
void row_wise_forward(const Activation& act, const T* z, T* a, Index rows, Index cols) {
  parallel_rows(rows, static_cast<double>(cols) * 10, [&](int64_t r0, int64_t r1) {
    switch (act.kind) {
      case ActivationKind::Softmax: softmax_rows(z, a, r0, r1, cols); break;
      case ActivationKind::LogSoftmax: log_softmax_rows(z, a, r0, r1, cols); break;
      case ActivationKind::Sparsemax: sparsemax_rows(z, a, r0, r1, cols); break;
      default: glu_rows(z, a, r0, r1, cols); break;
    }
  });
}

template <class T>
void row_wise_backward(const Activation& act, const T* z, const T* a, const T* da, T* dz, Index rows, Index cols) {
  const ActivationKind kind = act.kind;
  parallel_rows(rows, static_cast<double>(cols) * 4, [&](int64_t r0, int64_t r1) {
    for (Index r = r0; r < r1; ++r) {
      T* dr = dz + r * cols;
      if (kind == ActivationKind::Glu) {
        // Each pair of inputs is read before either of its gradients is written (dz may be z).
        const Index half = cols / 2;
        const T* zr = z + r * cols;
        const T* gr = da + r * half;
        for (Index j = 0; j < half; ++j) {
          const T x1 = zr[j], s = sigmoid(zr[half + j]), g = gr[j];
          dr[j] = g * s;
          dr[half + j] = g * x1 * s * (T(1) - s);
        }
        continue;
      }
      const T* ar = a + r * cols;
      const T* gr = da + r * cols;
      T dot = 0;
      if (kind == ActivationKind::LogSoftmax) {
        // d/dz (z - lse) = I - softmax: dz = da - softmax * Σda
        for (Index j = 0; j < cols; ++j) dot += gr[j];
        for (Index j = 0; j < cols; ++j) dr[j] = gr[j] - std::exp(ar[j]) * dot;
      } else if (kind == ActivationKind::Sparsemax) {
        // On the support (a > 0): da less its mean over the support; 0 elsewhere.
        Index support = 0;
        for (Index j = 0; j < cols; ++j)
          if (ar[j] > 0) dot += gr[j], ++support;
        const T mean = support ? dot / T(support) : T(0);
        for (Index j = 0; j < cols; ++j) dr[j] = ar[j] > 0 ? gr[j] - mean : T(0);
      } else {
        // dz = a * (da - Σ a·da)
        for (Index j = 0; j < cols; ++j) dot += ar[j] * gr[j];
        for (Index j = 0; j < cols; ++j) dr[j] = ar[j] * (gr[j] - dot);
      }
    }
  });
}

template void row_wise_forward<float>(const Activation&, const float*, float*, Index, Index);
template void row_wise_forward<double>(const Activation&, const double*, double*, Index, Index);
template void row_wise_backward<float>(const Activation&, const float*, const float*, const float*, float*, Index, Index);
template void row_wise_backward<double>(const Activation&, const double*, const double*, const double*, double*, Index, Index);

}  // namespace densekit
