#include "gemm_reference.hpp"

#include <algorithm>
#include <vector>

namespace densekit {

void gemm_reference(Index m, Index n, Index k, StridedMatrix a, const float* b, Index ldb, float* c, Index ldc,
                    const Epilogue& epilogue) {
  std::vector<double> row(static_cast<size_t>(n));
  for (Index i = 0; i < m; ++i) {
    std::fill(row.begin(), row.end(), 0.0);
    for (Index p = 0; p < k; ++p) {
      const double aip = a.data[i * a.row_stride + p * a.col_stride];
      for (Index j = 0; j < n; ++j) row[j] += aip * double(b[p * ldb + j]);
    }
    for (Index j = 0; j < n; ++j) {
      double v = row[j];
      if (epilogue.accumulate) v += double(c[i * ldc + j]);
      else if (epilogue.bias) v += double(epilogue.bias[j]);
      if (epilogue.relu) v = std::max(v, 0.0);
      c[i * ldc + j] = static_cast<float>(v);
    }
  }
}

void transpose_reference(const float* src, Index rows, Index cols, float* dst) {
  for (Index r = 0; r < rows; ++r)
    for (Index c = 0; c < cols; ++c) dst[c * rows + r] = src[r * cols + c];
}

}  // namespace densekit
