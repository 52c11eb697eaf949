// densekit._core._testing: entry points for the test-suite only, kept apart from the API users
// see (python/densekit never imports this submodule). float64 twins of the activation and loss
// paths, for gradient checks by finite differences; a model's flat gradient; and the GEMM
// kernels beside their naive reference (cpp/src/gemm_reference.hpp). The benchmarks also use the
// GEMM and the cross-core round trip.
#include "common.hpp"

#include "gemm.hpp"
#include "gemm_packing.hpp"
#include "gemm_reference.hpp"
#include "parallel_for.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <string>
#include <thread>

namespace densekit_py {

using namespace densekit;

namespace {

py::array_t<double> activation_backward_f64(const Activation& act, ArrayOf<double> z, ArrayOf<double> a,
                                            ArrayOf<double> da) {
  py::array_t<double> dz(shape_of(z));
  const Index last = z.ndim() == 0 ? 1 : z.shape(z.ndim() - 1);
  const Index out_values = last == 0 ? 0 : z.size() / last * act.output_cols(last);
  if (a.size() != out_values || da.size() != out_values)
    throw ValueError("activation_backward_f64: a and da must hold the activation's output for z (" +
                     std::to_string(out_values) + " values).");
  act.backward<double>(z.data(), a.data(), da.data(), dz.mutable_data(), last == 0 ? 0 : z.size() / last, last);
  return dz;
}

// --- GEMM: C (m×n) = or += A (m×k) · B (k×n), on flat float32 buffers with explicit strides ------

using Flat = py::array_t<float, py::array::c_style | kAligned>;

// Every element a product reads or writes lies inside its buffer: a test with a wrong stride
// gets a ValueError, never a read past the end.
void check_extent(const char* name, const Flat& buffer, Index rows, Index row_stride, Index cols, Index col_stride) {
  if (rows < 0 || cols < 0 || row_stride < 0 || col_stride < 0)
    throw ValueError(std::string("gemm: negative size or stride for ") + name + ".");
  if (rows == 0 || cols == 0) return;
  if ((rows - 1) * row_stride + (cols - 1) * col_stride >= buffer.size())
    throw ValueError(std::string("gemm: `") + name + "` is too small for its rows, columns and strides.");
}

struct Product {
  Index m, n, k;
  StridedMatrix a;
  const float* b;
  Index ldb;
  float* c;
  Index ldc;
  Epilogue epilogue;
};

// With b_transposed, `b` holds Bᵀ: n rows of k values, ldb apart.
Product product(Index m, Index n, Index k, const Flat& a, Index a_row_stride, Index a_col_stride, const Flat& b,
                Index ldb, Flat& c, Index ldc, bool accumulate, const std::optional<Flat>& bias, bool relu,
                bool b_transposed = false) {
  check_extent("a", a, m, a_row_stride, k, a_col_stride);
  if (b_transposed) check_extent("b", b, n, ldb, k, 1);
  else check_extent("b", b, k, ldb, n, 1);
  check_extent("c", c, m, ldc, n, 1);
  if (bias && bias->size() < n) throw ValueError("gemm: `bias` has fewer than n values.");
  if (!c.writeable()) throw ValueError("gemm: `c` is read-only.");
  return {m, n, k, {a.data(), a_row_stride, a_col_stride}, b.data(), ldb, c.mutable_data(), ldc,
          {accumulate, bias ? bias->data() : nullptr, relu}};
}

// The blocks gemm() reported final, each with a copy of its values as they were then.
struct Reports {
  const Product* p;
  std::mutex mutex;
  std::vector<std::array<Index, 4>> blocks;
  std::vector<std::vector<float>> values;
};

// `jobs` jobs of `blocks` blocks each on the thread pool: how many times block 0 ran on the
// thread that posted the job, and how many times each block ran in all.
py::tuple pool_blocks(int64_t blocks, int64_t jobs) {
  struct Tally {
    std::thread::id poster = std::this_thread::get_id();
    std::atomic<int64_t> first_on_poster{0};
    std::vector<std::atomic<int64_t>> runs;
    explicit Tally(int64_t blocks) : runs(static_cast<size_t>(blocks)) {}
  } tally(blocks);
  {
    GilRelease release;
    for (int64_t j = 0; j < jobs; ++j)
      run_blocks(blocks, [](const void* context, int64_t block) {
        auto& t = *static_cast<Tally*>(const_cast<void*>(context));
        if (block == 0 && std::this_thread::get_id() == t.poster) ++t.first_on_poster;
        ++t.runs[static_cast<size_t>(block)];
      }, &tally);
  }
  py::list runs;
  for (const auto& r : tally.runs) runs.append(r.load());
  return py::make_tuple(tally.first_on_poster.load(), runs);
}

py::list gemm_kernel(Index m, Index n, Index k, const Flat& a, Index a_row_stride, Index a_col_stride, const Flat& b,
                     Index ldb, Flat& c, Index ldc, bool accumulate, const std::optional<Flat>& bias, bool relu,
                     bool report_blocks, bool b_transposed, bool b_rows_apart) {
  const Product p = product(m, n, k, a, a_row_stride, a_col_stride, b, ldb, c, ldc, accumulate, bias, relu,
                            b_transposed);
  Reports reports;
  reports.p = &p;
  const FinishedBlock finished{[](const void* context, Index r0, Index r1, Index c0, Index c1) {
                                 auto& r = *static_cast<Reports*>(const_cast<void*>(context));
                                 std::vector<float> v;
                                 for (Index i = r0; i < r1; ++i)
                                   v.insert(v.end(), r.p->c + i * r.p->ldc + c0, r.p->c + i * r.p->ldc + c1);
                                 std::lock_guard<std::mutex> lock(r.mutex);
                                 r.blocks.push_back({r0, r1, c0, c1});
                                 r.values.push_back(std::move(v));
                               }, &reports};
  {
    GilRelease release;
    const FinishedBlock* report = report_blocks ? &finished : nullptr;
    if (b_transposed) gemm_transposed_b(p.m, p.n, p.k, p.a, p.b, p.ldb, p.c, p.ldc, p.epilogue, report);
    else gemm(p.m, p.n, p.k, p.a, p.b, p.ldb, p.c, p.ldc, p.epilogue, report, b_rows_apart);
  }
  py::list out;  // (r0, r1, c0, c1, values of rows [r0, r1) × columns [c0, c1) when reported)
  for (size_t i = 0; i < reports.blocks.size(); ++i) {
    const auto& [r0, r1, c0, c1] = reports.blocks[i];
    py::array_t<float> v({r1 - r0, c1 - c0});
    std::copy(reports.values[i].begin(), reports.values[i].end(), v.mutable_data());
    out.append(py::make_tuple(r0, r1, c0, c1, v));
  }
  return out;
}

void gemm_reference_kernel(Index m, Index n, Index k, const Flat& a, Index a_row_stride, Index a_col_stride,
                           const Flat& b, Index ldb, Flat& c, Index ldc, bool accumulate, const std::optional<Flat>& bias,
                           bool relu) {
  const Product p = product(m, n, k, a, a_row_stride, a_col_stride, b, ldb, c, ldc, accumulate, bias, relu);
  GilRelease release;
  gemm_reference(p.m, p.n, p.k, p.a, p.b, p.ldb, p.c, p.ldc, p.epilogue);
}

template <void (*Transpose)(const float*, Index, Index, float*)>
py::array_t<float> transposed(const Flat& src) {
  if (src.ndim() != 2) throw ValueError("transpose: expected a 2-D array.");
  py::array_t<float> dst({src.shape(1), src.shape(0)});
  Transpose(src.data(), src.shape(0), src.shape(1), dst.mutable_data());
  return dst;
}

const char* path_name(GemmPath path) {
  switch (path) {
    case GemmPath::Eigen: return "eigen";
    case GemmPath::OneRow: return "one_row";
    case GemmPath::RowChunks: return "row_chunks";
    case GemmPath::Packed: return "packed";
    case GemmPath::ColumnBlocks: return "column_blocks";
    case GemmPath::RowBlocks: return "row_blocks";
    case GemmPath::DepthSplit: return "depth_split";
  }
  return "?";
}

}  // namespace

void init_testing(py::module_& core) {
  py::module_ m = core.def_submodule("_testing", "Entry points for densekit's tests only; not an API.");

  m.def("activation_forward_f64", &activation_forward<double>, py::arg("activation"), py::arg("x"));
  m.def("activation_backward_f64", &activation_backward_f64, py::arg("activation"), py::arg("z"), py::arg("a"),
        py::arg("da"));
  m.def("loss_per_sample_f64", &loss_per_sample<double>, py::arg("loss"), py::arg("y_true"), py::arg("y_pred"));
  m.def("loss_value_and_grad_f64", &loss_value_and_grad<double>, py::arg("loss"), py::arg("y_true"), py::arg("y_pred"),
        py::arg("sample_weight") = py::none());

  // The flat gradient of a compiled model's loss on one batch (unweighted), in the parameter
  // buffer's layout.
  m.def("compute_gradients", [](Model& model, const std::vector<FloatArray>& x, const std::vector<FloatArray>& y) {
    Data data;
    for (const auto& a : x) data.x.push_back(view_of(a));
    for (const auto& a : y) data.y.push_back(view_of(a));
    data.rows = data.x.empty() ? 0 : data.x[0].rows;
    const std::vector<float> g = model.compute_gradients(data);
    py::array_t<float> out(static_cast<py::ssize_t>(g.size()));
    std::copy(g.begin(), g.end(), out.mutable_data());
    return out;
  }, py::arg("model"), py::arg("x"), py::arg("y"));

  m.def("gemm", &gemm_kernel, py::arg("m"), py::arg("n"), py::arg("k"), py::arg("a"), py::arg("a_row_stride"),
        py::arg("a_col_stride"), py::arg("b"), py::arg("ldb"), py::arg("c").noconvert(), py::arg("ldc"),
        py::arg("accumulate") = false, py::arg("bias") = py::none(), py::arg("relu") = false,
        py::arg("report_blocks") = false, py::arg("b_transposed") = false, py::arg("b_rows_apart") = false);
  m.def("gemm_reference", &gemm_reference_kernel, py::arg("m"), py::arg("n"), py::arg("k"), py::arg("a"),
        py::arg("a_row_stride"), py::arg("a_col_stride"), py::arg("b"), py::arg("ldb"), py::arg("c").noconvert(),
        py::arg("ldc"), py::arg("accumulate") = false, py::arg("bias") = py::none(), py::arg("relu") = false);
  m.def("gemm_path", [](Index m, Index n, Index k, bool b_transposed, bool b_rows_apart) {
          return path_name(gemm_path(m, n, k, b_transposed, b_rows_apart));
        }, py::arg("m"), py::arg("n"), py::arg("k"), py::arg("b_transposed") = false, py::arg("b_rows_apart") = false);
  m.def("gemm_depth_half", &depth_half, py::arg("k"));
  m.def("gemm_layout", [] {
    const GemmLayout l = gemm_layout();
    py::dict out;
    out["vector_width"] = l.vector_width, out["block_vectors"] = l.block_vectors, out["tile_rows"] = l.tile_rows;
    out["accumulators"] = l.accumulators, out["chunk_rows"] = l.chunk_rows, out["row_vectors"] = l.row_vectors;
    out["l2_cache_bytes"] = l2_cache_bytes();  // what the packed path sizes its blocks by
    return out;
  });
  m.def("pool_blocks", &pool_blocks, py::arg("blocks"), py::arg("jobs"));
  m.def("cross_core_round_trip_ns", &cross_core_round_trip_ns, py::arg("trips") = 20000, py::arg("repeats") = 5,
        py::call_guard<GilRelease>());
  m.def("transpose", &transposed<&transpose>, py::arg("src"));
  m.def("transpose_reference", &transposed<&transpose_reference>, py::arg("src"));
}

}  // namespace densekit_py
