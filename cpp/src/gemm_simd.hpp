// The vector instructions of this build's GEMM kernel (cpp/src/gemm.cpp, its only user): one
// Simd type per instruction set, with the register blocking that fits its register file. Kernel
// sources are compiled once per instruction set (CMakeLists.txt), so each variant sees one Simd.
#pragma once

#include <densekit/tensor.hpp>

#include <algorithm>

#if defined(__AVX512F__) || defined(__AVX2__) || defined(__SSE2__)
#include <immintrin.h>
// gemm.cpp's own kernel (else Eigen's product): every x86-64 build has at least SSE2.
#define DENSEKIT_OWN_GEMM 1
#endif

namespace densekit {
namespace {

#if defined(__AVX512F__)
// 16 floats a vector; a tail of fewer columns is read and written through a mask.
struct Simd {
  using V = __m512;
  using Mask = __mmask16;
  static constexpr int W = 16;
  static Mask mask(Index cols) { return cols >= W ? Mask(0xFFFF) : cols <= 0 ? Mask(0) : Mask((1u << cols) - 1u); }
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const float* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }
  static V loadu(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v, Mask m) { _mm512_mask_storeu_ps(p, m, v); }
  static void storeu(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V broadcast(const float* p) { return _mm512_set1_ps(*p); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  // max(x, 0) as std::max(x, 0.0f) computes it: NaN and -0 pass through (maxps returns its second operand then)
  static V relu(V x) { return _mm512_max_ps(_mm512_setzero_ps(), x); }
};
constexpr int kVecs = 3, kAccumulators = 24, kRows = kAccumulators / kVecs;  // 24 of the 32 registers
#elif defined(__AVX2__)
// A partial vector is read through a mask and written in pieces of 4, 2 and 1 floats: AVX2's
// masked store is microcoded on AMD's Zen 1 and 2 (tens of micro-ops, docs/performance.md,
// "Masked stores on AMD without AVX-512").
struct Simd {
  using V = __m256;
  struct Mask {
    __m256i lanes;  // all ones in the lanes in use, from the first
    int count;      // how many
  };
  static constexpr int W = 8;
  static Mask mask(Index cols) {
    const int n = static_cast<int>(std::clamp<Index>(cols, 0, W));
    return {_mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)), n};
  }
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const float* p, Mask m) { return _mm256_maskload_ps(p, m.lanes); }
  static V loadu(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v, Mask m) {
    if (m.count == W) return _mm256_storeu_ps(p, v);
    __m128 part = _mm256_castps256_ps128(v);
    int n = m.count;
    if (n >= 4) {
      _mm_storeu_ps(p, part);
      part = _mm256_extractf128_ps(v, 1);
      p += 4, n -= 4;
    }
    if (n >= 2) {
      _mm_storel_pi(reinterpret_cast<__m64*>(p), part);
      part = _mm_movehl_ps(part, part);
      p += 2, n -= 2;
    }
    if (n == 1) _mm_store_ss(p, part);
  }
  static void storeu(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V relu(V x) { return _mm256_max_ps(_mm256_setzero_ps(), x); }
};
constexpr int kVecs = 3, kAccumulators = 12, kRows = kAccumulators / kVecs;  // 12 of the 16 registers
#elif defined(__SSE2__)
// The baseline x86-64 build: 4 floats a vector. SSE2 has no fused multiply-add (a product is
// rounded before it is added, so this build's last bits differ from the AVX builds') and no
// masked loads or stores (a partial vector goes through a 4-float copy). With Eigen's product
// instead, a row's last bits depended on where it sat in the batch.
struct Simd {
  using V = __m128;
  using Mask = int;  // the lanes in use, from the first
  static constexpr int W = 4;
  static Mask mask(Index cols) { return static_cast<int>(std::clamp<Index>(cols, 0, W)); }
  static V zero() { return _mm_setzero_ps(); }
  static V load(const float* p, Mask m) {
    alignas(16) float lanes[W] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int i = 0; i < m; ++i) lanes[i] = p[i];
    return _mm_load_ps(lanes);
  }
  static V loadu(const float* p) { return _mm_loadu_ps(p); }
  static void store(float* p, V v, Mask m) {
    alignas(16) float lanes[W];
    _mm_store_ps(lanes, v);
    for (int i = 0; i < m; ++i) p[i] = lanes[i];
  }
  static void storeu(float* p, V v) { _mm_storeu_ps(p, v); }
  static V broadcast(const float* p) { return _mm_set1_ps(*p); }
  static V fma(V a, V b, V c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
  static V add(V a, V b) { return _mm_add_ps(a, b); }
  static V relu(V x) { return _mm_max_ps(_mm_setzero_ps(), x); }
};
constexpr int kVecs = 3, kAccumulators = 12, kRows = kAccumulators / kVecs;  // 12 of the 16 registers
#endif

}  // namespace
}  // namespace densekit
