#include "gemm_packing.hpp"

#include <algorithm>
#include <cstdlib>
#include <new>

#include <unistd.h>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace densekit {
namespace {

#if defined(__AVX2__)
// An 8 × 8 block in registers: a scalar transpose is bound by one load and one store per
// element (0.3 ns each, measured), this by 8 loads, 24 shuffles and 8 stores per 64.
void transpose8x8(const float* src, Index lds, float* dst, Index ldd) {
  __m256 r[8], t[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * lds);
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    r[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    _mm256_storeu_ps(dst + i * ldd, _mm256_permute2f128_ps(r[i], r[i + 4], 0x20));
    _mm256_storeu_ps(dst + (i + 4) * ldd, _mm256_permute2f128_ps(r[i], r[i + 4], 0x31));
  }
}
#endif

// rows × cols of src (lds apart) into dst transposed (ldd apart): dst(c, r) = src(r, c).
void transpose_block(const float* src, Index lds, Index rows, Index cols, float* dst, Index ldd) {
  Index r0 = 0;
#if defined(__AVX2__)
  for (; r0 + 8 <= rows; r0 += 8) {
    Index c = 0;
    for (; c + 8 <= cols; c += 8) transpose8x8(src + r0 * lds + c, lds, dst + c * ldd + r0, ldd);
    for (; c < cols; ++c)
      for (Index r = r0; r < r0 + 8; ++r) dst[c * ldd + r] = src[r * lds + c];
  }
#endif
  for (Index r = r0; r < rows; ++r)
    for (Index c = 0; c < cols; ++c) dst[c * ldd + r] = src[r * lds + c];
}

// `rows` rows of Width floats, ldb apart, into consecutive rows: the length known at compile time
// makes each row's copy a few vector moves rather than a call to memmove for 96 or 192 bytes
// (measured: memmove took 9% of a wide network's epoch).
template <Index Width>
void copy_rows(const float* src, Index ld, Index rows, float* dst) {
  for (Index r = 0; r < rows; ++r, src += ld, dst += Width)
    for (Index q = 0; q < Width; ++q) dst[q] = src[q];
}

}  // namespace

void transpose(const float* src, Index rows, Index cols, float* dst) { transpose_block(src, cols, rows, cols, dst, rows); }

void Scratch::Free::operator()(float* p) const { std::free(p); }

float* Scratch::try_reserve(Index floats) noexcept {
  if (floats > capacity_) {
    // 64-byte aligned: a packed row of whole cache lines then never straddles two.
    const size_t bytes = (static_cast<size_t>(floats) * sizeof(float) + 63) / 64 * 64;
    data_.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
    capacity_ = data_ ? floats : 0;
  }
  return data_.get();
}

float* Scratch::reserve(Index floats) {
  float* data = try_reserve(floats);
  if (!data && floats > 0) throw std::bad_alloc();
  return data;
}

Index l2_cache_bytes() {
  static const Index bytes = [] {
#if defined(_SC_LEVEL2_CACHE_SIZE)
    const long reported = sysconf(_SC_LEVEL2_CACHE_SIZE);
    if (reported >= (256L << 10) && reported <= (64L << 20)) return Index(reported);
#endif
    return Index(1) << 20;
  }();
  return bytes;
}

void pack_b_panel(const float* b, Index ldb, bool transposed, Index j0, Index cols, Index p0, Index p1, Index width,
                  float* panel) {
  const Index rows = p1 - p0;
  panel += p0 * width;
  if (transposed) {
    // The panel's columns are rows j0.. of the stored matrix: a transpose of a cols × k block.
    transpose_block(b + j0 * ldb + p0, ldb, cols, rows, panel, width);
  } else if (cols == width && width == 48) {
    copy_rows<48>(b + p0 * ldb + j0, ldb, rows, panel);  // AVX-512's panels
  } else if (cols == width && width == 24) {
    copy_rows<24>(b + p0 * ldb + j0, ldb, rows, panel);  // AVX2's
  } else {
    for (Index p = 0; p < rows; ++p) std::copy_n(b + (p0 + p) * ldb + j0, cols, panel + p * width);
  }
}

void pack_a_panels(const StridedMatrix& a, Index r0, Index r1, Index k, Index panel_rows, float* out) {
  for (Index i0 = r0; i0 < r1; i0 += panel_rows, out += panel_rows * k) {
    const Index rows = std::min(panel_rows, r1 - i0);
    const float* src = a.data + i0 * a.row_stride;
    // A whole panel of a transposed A is a row copy of known length, and of a row-major A a
    // transpose in 8 x 8 blocks: a call of memmove per 8 floats, or a scalar transpose, took 5 %
    // of W1's training step at batch 256 (docs/performance.md, "Packing A").
    if (a.row_stride == 1 && rows == 8 && panel_rows == 8) {
      copy_rows<8>(src, a.col_stride, k, out);
    } else if (a.row_stride == 1) {
      for (Index p = 0; p < k; ++p) std::copy_n(src + p * a.col_stride, rows, out + p * panel_rows);
    } else if (a.col_stride == 1) {
      transpose_block(src, a.row_stride, rows, k, out, panel_rows);
    } else {
      for (Index i = 0; i < rows; ++i)
        for (Index p = 0; p < k; ++p) out[p * panel_rows + i] = src[i * a.row_stride + p * a.col_stride];
    }
  }
}

}  // namespace densekit
