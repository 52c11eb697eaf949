"""densekit's GEMM (cpp/src/gemm.cpp) against its naive reference (cpp/src/gemm_reference.cpp).

Every kernel path gemm() takes (gemm_path in cpp/src/gemm.hpp) is run at the edges of the
build's register blocking: one-row products split into pieces of up to 8 vectors (16 with
AVX-512), column blocks
of 1, 2 and 3 vectors (a single leftover vector making the last two blocks 2 wide), masked last
vectors, tiles of every height with remainders, row blocks, cache-sized row chunks and packed
operands (B in panels, A by chunks of rows; a transposed B read as stored) and deep products
split by depth between 2 threads (each output a sum of two runs from a depth of 257), each with
1 and 2 threads, a row-major and a transposed A, padded leading dimensions, and every epilogue.
Each output must agree with the reference to the error bound of float32 summation, the padding
around C must stay untouched, the FinishedBlock hand-over must report every block of C once and
only when final, and results must not depend on the thread count (gemm.hpp's promise).
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import densekit
from densekit import _cpu, _isa
from densekit._core import _testing

LAYOUT = _testing.gemm_layout()
VECTORIZED = LAYOUT["vector_width"] > 0
W = LAYOUT["vector_width"] or 16  # floats a vector (the Eigen build has none: any sizes do)
R = LAYOUT["tile_rows"] or 8
CHUNK = LAYOUT["chunk_rows"] or 96
ROW_VECS = LAYOUT["row_vectors"] or 8  # vectors a piece of a one-row product
EDGES = [1, 7, 8, 9, 15, 16, 17, 31, 33, 95, 96, 97, 255, 256, 257]
EPILOGUES = [dict(), dict(accumulate=True), dict(bias=True), dict(relu=True), dict(bias=True, relu=True),
             dict(accumulate=True, relu=True)]
U = 2.0 ** -24  # float32 unit roundoff


@pytest.fixture
def two_threads():
    before = densekit.config.get_num_threads()
    densekit.config.set_num_threads(2)
    yield 2
    densekit.config.set_num_threads(before)


@pytest.fixture(params=[1, 2], ids=["1-thread", "2-threads"])
def threads(request):
    before = densekit.config.get_num_threads()
    densekit.config.set_num_threads(request.param)
    yield request.param
    densekit.config.set_num_threads(before)


def stored(rng, rows, cols, pad, fill):
    """rows × cols normal values at the start of a (rows + 1) × (cols + pad) buffer whose other
    elements hold `fill` (NaN: a product that reads outside its operands shows it)."""
    buffer = np.full((rows + 1, cols + pad), fill, dtype=np.float32)
    buffer[:rows, :cols] = rng.standard_normal((rows, cols), dtype=np.float32)
    return buffer


def run(m, n, k, *, transposed=False, accumulate=False, bias=False, relu=False, pad=0, seed=0, nan_row=None,
        report=True):
    """gemm() and gemm_reference() on the same operands; checks them and returns (C, blocks)."""
    rng = np.random.default_rng(seed)
    if transposed:  # A is the transpose of a row-major k × m matrix, read in place
        a_store = stored(rng, k, m, pad, np.nan)
        a, rs, cs = a_store[:k, :m].T, 1, m + pad
    else:
        a_store = stored(rng, m, k, pad, np.nan)
        a, rs, cs = a_store[:m, :k], k + pad, 1
    if nan_row is not None:
        a[nan_row, 0] = np.nan
    b_store = stored(rng, k, n, pad, np.nan)
    c_store = rng.standard_normal((m + 1, n + pad), dtype=np.float32)  # C, then padding and a row to stay as they are
    bias_values = np.append(rng.standard_normal(n, dtype=np.float32), np.float32(np.nan)) if bias else None
    args = dict(m=m, n=n, k=k, a=a_store.reshape(-1), a_row_stride=rs, a_col_stride=cs, b=b_store.reshape(-1),
                ldb=n + pad, ldc=n + pad, accumulate=accumulate, bias=bias_values, relu=relu)
    got, want = c_store.copy(), c_store.copy()
    blocks = _testing.gemm(c=got.reshape(-1), report_blocks=report, **args)
    _testing.gemm_reference(c=want.reshape(-1), **args)

    outside = np.ones(got.shape, dtype=bool)
    outside[:m, :n] = False
    np.testing.assert_array_equal(got[outside], c_store[outside], err_msg="gemm wrote outside C")
    got, want, c_old = got[:m, :n], want[:m, :n], c_store[:m, :n]
    # |error| of a float32 sum of k products, then one addition, rounded: (k + 2)·u·Σ|terms|,
    # with a factor 2 of margin
    magnitude = np.abs(a.astype(np.float64)) @ np.abs(b_store[:k, :n].astype(np.float64))
    if accumulate:
        magnitude += np.abs(c_old)
    elif bias:
        magnitude += np.abs(bias_values[:n])
    tolerance = 2 * (k + 2) * U * magnitude + 1e-30
    error = np.abs(got.astype(np.float64) - want)
    bad = ~(error <= tolerance) & ~(np.isnan(got) & np.isnan(want))
    assert not bad.any(), (f"gemm {m}x{n}x{k} {_testing.gemm_path(m, n, k)} transposed={transposed}: "
                           f"{bad.sum()} outputs beyond the float32 bound, first at {np.argwhere(bad)[0]}")
    if report:
        check_blocks(blocks, got)
    return got, blocks


def check_blocks(blocks, c):
    """Every element of C reported exactly once, with the values it has at the end."""
    seen = np.zeros(c.shape, dtype=np.int64)
    for r0, r1, c0, c1, values in blocks:
        seen[r0:r1, c0:c1] += 1
        np.testing.assert_array_equal(values, c[r0:r1, c0:c1], err_msg="a block changed after it was reported")
    assert (seen == 1).all(), "the reported blocks do not cover C exactly once"


def check_shapes(shapes, path):
    """Runs every shape (with both layouts of A, the epilogues and paddings in turn) on `path`."""
    for i, (m, n, k) in enumerate(shapes):
        if VECTORIZED:
            assert _testing.gemm_path(m, n, k) == path, (m, n, k)
        for transposed in (False, True):
            run(m, n, k, transposed=transposed, pad=3 * (i % 2), seed=i, report=i % 3 != 2,
                **EPILOGUES[(i + transposed) % len(EPILOGUES)])


# --- the shapes of each path, from the build's blocking ---------------------------------------

def widths():
    """Column counts for 1 to 7 vectors (blocks of 1, 2, 3 vectors, 2 + 2, 3 + 2, 3 + 3, 3 + 2 + 2),
    full and with a masked last vector."""
    out = []
    for vectors in range(1, 8):
        out += [vectors * W, vectors * W - (1 if vectors == 1 else 5)]
    return sorted(set(out + [1, 2, W + 1]))


def one_row_shapes():
    # 1 to P vectors (P: the widest piece, 8, or 16 with AVX-512): one piece of each width; P + 1
    # and 2P + 1 vectors: two and three pieces as even as possible
    p = ROW_VECS
    ns = sorted({1, W - 1, W, W + 1, 2 * W + 3, 3 * W, 4 * W + 1, 5 * W, 6 * W - 1, 7 * W, 8 * W, 8 * W + 1,
                 9 * W, 17 * W - 2} | {v * W - v % 3 for v in range(9, p + 1)} | {(p + 1) * W, (2 * p + 1) * W - 2})
    return [(1, n, k) for n in ns for k in (1, 9)] + [(1, 7 * W + 3, 33)]


def column_block_shapes():
    # rows below 4 tiles: every tile height (row-major A: up to 8; transposed: up to 24) and remainder
    rows = [m for m in (2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 16, 17, 23, 24, 25, 4 * R - 1) if m < 4 * R]
    return [(m, n, 5 + m % 4) for m in rows for n in widths()]


def row_block_shapes(threads):
    # 4 tiles of rows or more, up to the chunked size, and fewer column blocks than 2 per thread
    ns = [n for n in (1, W - 1, W + 1, 3 * W, 3 * W - 1, 4 * W + 1, 6 * W) if -(-n // (3 * W)) < 2 * threads]
    return [(m, n, k) for m in (4 * R, 4 * R + 1, 4 * R + 7, CHUNK - 1, CHUNK) for n in ns for k in (1, 17)]


def row_chunk_shapes():
    ns = (1, W - 1, W + 1, 3 * W, 3 * W + 1, 7 * W - 1)
    return [(m, n, 31) for m in (CHUNK + 1, CHUNK + R + 1, 2 * CHUNK + 5, 255, 257) for n in ns]


def packed_shapes():
    # many rows and at least 512 columns: B packed into panels (full, masked, a 2 + 2 split end),
    # A packed by chunks of rows with partial last panels of rows
    ns = (512, 512 + W + 1, 512 + 3 * W - 5, 512 + 4 * W)
    return [(m, n, k) for m in (CHUNK + 1, CHUNK + R + 3, 257) for n in ns for k in (1, 31)]


def depth_split_shapes():
    # few rows, k over 256 and 4 rows of B per row of A, work for 2 threads: every tile height
    # and column block width, at depths whose halves are whole tiles of 8 rows of B and not
    shapes = []
    for m, n in [(m, n) for m in (2, 5, 9, 24, 32) for n in (W - 1, 3 * W + 1, 300)] + [(CHUNK, 3 * W)]:
        k = max(257, 4 * m, -(-2 ** 19 // (m * n)))
        shapes += [(m, n, k), (m, n, k + 7)]
    return shapes


def big_enough(m, n):
    """(m, n, k) with k so that the product has work for a second thread: every path counts at
    least m·n·k multiply-adds, and a thread needs 2^16 of them (kMinWorkPerThread in
    cpp/src/parallel_for.hpp); this k gives each far more."""
    return m, n, -(-int(1.2 * 2 ** 19) // (m * n))


# (The column-block shape is 193 columns wide so that its k stays below 257: deeper products
# with few rows split by depth.)
SPLIT_SHAPES = {"one_row": big_enough(1, 17 * W + 3), "column_blocks": big_enough(24, 193),
                "row_blocks": big_enough(CHUNK, 3 * W - 2), "row_chunks": big_enough(257, 33)}
if VECTORIZED and 4 * CHUNK <= SPLIT_SHAPES["row_blocks"][2]:
    # With 4-float vectors every row-block product with work for 2 threads is deep enough to be
    # split by depth instead.
    del SPLIT_SHAPES["row_blocks"]
if VECTORIZED:
    # The Eigen build has no packed path, and its own product sums a row in an order that
    # depends on where the row falls in its share at this shape: it is exact only per thread count.
    SPLIT_SHAPES["packed"] = big_enough(CHUNK + 5, 512 + 3)


def test_one_row(threads):
    check_shapes(one_row_shapes(), "one_row")


@pytest.mark.skipif(not VECTORIZED, reason="the Eigen build has no one-row path")
def test_one_row_gives_the_odd_vector_to_the_calling_thread(two_threads):
    """A one-row product of 19 vectors (as W1's first layer with AVX-512), two threads: the first
    block, which the calling thread runs at once while the helper wakes, takes 10 of them."""
    n, k = 19 * W - 1, 2048
    blocks = run(1, n, k, report=True)[1]
    assert sorted(b[2:4] for b in blocks) == [(0, 10 * W), (10 * W, n)]


def test_column_blocks(threads):
    check_shapes(column_block_shapes(), "column_blocks")


def test_row_blocks(threads):
    check_shapes(row_block_shapes(threads), "row_blocks")


def test_row_chunks(threads):
    check_shapes(row_chunk_shapes(), "row_chunks")


def test_packed(threads):
    check_shapes(packed_shapes(), "packed")


@pytest.mark.skipif(not VECTORIZED, reason="the Eigen build does not pack")
def test_a_packed_product_hands_over_chunks_of_whole_rows(threads):
    """With a receiver (an optimizer's update, as the weight gradient of a wide layer), the packed
    path reports whole rows of C, a chunk at a time, each short enough that its rows and three
    arrays of the same size fit in four-fifths of L2; the sums are those of the product without one."""
    m, n, k = 700, 2048, 64
    assert _testing.gemm_path(m, n, k) == "packed"
    limit = max(R, LAYOUT["l2_cache_bytes"] * 4 // 5 // (4 * n * 4) // R * R)
    got, blocks = run(m, n, k)
    assert all(c0 == 0 and c1 == n and r1 - r0 <= limit for r0, r1, c0, c1, _ in blocks), \
        [(r0, r1, c0, c1) for r0, r1, c0, c1, _ in blocks]
    assert len(blocks) >= -(-m // limit)
    unreported, _ = run(m, n, k, report=False)
    np.testing.assert_array_equal(got, unreported)


def one_row_at_a_time(m, n, k, a, b, **epilogue):
    """C computed row by row on the one-row path, which reads everything in place."""
    c = np.zeros((m, n), np.float32)
    for i in range(m):
        _testing.gemm(1, n, k, np.ascontiguousarray(a[i]), k, 1, b.reshape(-1), n, c[i], n, **epilogue)
    return c


@pytest.mark.skipif(not VECTORIZED, reason="the Eigen build does not pack")
def test_packing_changes_no_sum(threads):
    """Packed operands are summed in the order they are read in place: bitwise the same C as the
    one-row path gives row by row, over several chunks of rows (k large enough that a chunk is
    shorter than the product)."""
    rng = np.random.default_rng(3)
    # The longest k the packed path takes on this machine (its B panel fills half of L2), and
    # the rows a chunk of A holds at that k: three chunks, the last one short.
    half_l2 = LAYOUT["l2_cache_bytes"] // 2
    k_long = half_l2 // (LAYOUT["block_vectors"] * W * 4)
    chunk_long = max(CHUNK, half_l2 // (4 * k_long))
    for m, n, k in [(CHUNK + 9, 512 + 7, 33), (2 * chunk_long + 17, 600, k_long)]:
        assert _testing.gemm_path(m, n, k) == "packed"
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        bias = rng.standard_normal(n, dtype=np.float32)
        for epilogue in (dict(), dict(bias=bias, relu=True)):
            c = np.zeros((m, n), np.float32)
            _testing.gemm(m, n, k, a.reshape(-1), k, 1, b.reshape(-1), n, c.reshape(-1), n, **epilogue)
            np.testing.assert_array_equal(c, one_row_at_a_time(m, n, k, a, b, **epilogue))


@pytest.mark.skipif(not VECTORIZED, reason="the Eigen build does not pack")
def test_narrow_products_pack_when_deep_below_avx512(threads):
    """With AVX2 (and SSE2), 256-511 columns are packed once k is deep (W1's 784x300x256, measured
    faster packed with AVX2); a shallow k (batch 32's weight gradient, 784x300x32) and AVX-512 keep
    them in place.
    The path changes no sum: C is bitwise the product computed one row at a time."""
    rng = np.random.default_rng(5)
    deep_path = "packed" if W < 16 else "row_chunks"
    for (m, n, k), path in [((CHUNK + 9, 300, 160), deep_path), ((CHUNK + 9, 256, 128), deep_path),
                            ((CHUNK + 9, 300, 32), "row_chunks"), ((CHUNK + 9, 255, 160), "row_chunks")]:
        assert _testing.gemm_path(m, n, k) == path, (m, n, k)
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        c = np.zeros((m, n), np.float32)
        _testing.gemm(m, n, k, a.reshape(-1), k, 1, b.reshape(-1), n, c.reshape(-1), n)
        np.testing.assert_array_equal(c, one_row_at_a_time(m, n, k, a, b))


@pytest.mark.parametrize("shape", [(5, 40, 9), (32, 300, 100), (13, 4 * W + 1, 20), (CHUNK + 9, 3 * W + 1, 20),
                                   (CHUNK + 9, 512 + 5, 37), (1024 + R + 3, 512 + 5, 37), (1, 600, 33)],
                         ids=lambda s: "x".join(map(str, s)))
def test_transposed_b_is_the_product_with_a_transposed_copy(threads, shape):
    """gemm_transposed_b reads Bᵀ as stored (a layer's kernel, for d(x)): packed directly (on the
    packed path, and by each thread for its own column blocks: W1's 32x300x100 input gradient
    splits 7 blocks between 2 threads, 4W+1 columns end in two blocks of 2 vectors), or through a
    transposed copy on the other paths; either way bitwise the same as gemm() on Bᵀ transposed
    explicitly, in every epilogue, and never writing outside C."""
    m, n, k = shape
    rng = np.random.default_rng(4)
    a = rng.standard_normal((m, k), dtype=np.float32)
    bt_store = np.full((n, k + 3), np.nan, np.float32)  # Bᵀ with 3 padding columns that must not be read
    bt_store[:, :k] = rng.standard_normal((n, k), dtype=np.float32)
    b = np.ascontiguousarray(bt_store[:, :k].T)
    c0 = rng.standard_normal((m + 1, n), dtype=np.float32)
    for accumulate in (False, True):
        got, want = c0.copy(), c0.copy()
        _testing.gemm(m, n, k, a.reshape(-1), k, 1, bt_store.reshape(-1), k + 3, got.reshape(-1), n,
                      accumulate=accumulate, b_transposed=True)
        _testing.gemm(m, n, k, a.reshape(-1), k, 1, b.reshape(-1), n, want.reshape(-1), n, accumulate=accumulate)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(got[m], c0[m], err_msg="wrote outside C")


@pytest.mark.skipif(not VECTORIZED, reason="the Eigen build has one path")
def test_a_wide_transposed_b_is_packed_by_the_threads_that_read_it():
    """Where B would be packed, a transposed B (an input gradient's kernel) goes by column blocks,
    each thread packing its own, up to 1,024 rows, or deeper from 1,024: the shared packing is kept
    only for many rows of a shallow product."""
    def path(m, n, k):
        return _testing.gemm_path(m, n, k, b_transposed=True)
    assert [path(m, 2048, 2048) for m in (CHUNK + 1, 256, 1024, 4096)] == ["column_blocks"] * 4
    assert [path(m, 600, 300) for m in (CHUNK + 1, 1024)] == ["column_blocks"] * 2
    assert path(1025, 600, 300) == path(1025, 600, 1023) == "packed"
    assert path(1025, 600, 300) == _testing.gemm_path(1025, 600, 300, b_transposed=False)


@pytest.mark.skipif(not VECTORIZED, reason="the Eigen build has one path")
def test_every_path_is_reached(threads):
    reached = {_testing.gemm_path(*s) for s in one_row_shapes() + column_block_shapes() + row_block_shapes(threads)
               + row_chunk_shapes() + packed_shapes() + list(SPLIT_SHAPES.values()) + depth_split_shapes()}
    two_threads = {"depth_split"} if threads == 2 else set()
    assert reached == {"one_row", "column_blocks", "row_blocks", "row_chunks", "packed"} | two_threads


def test_a_product_over_nothing_is_its_epilogue(threads):
    """k = 0 on every path, wide ones included (a regression: the packed path sized its chunks
    by dividing by k, a floating-point exception that killed the process)."""
    for m, n in [(1, 600), (13, 40), (4 * R + 3, W + 1), (CHUNK + 9, 40), (CHUNK + 9, 600), (257, 512)]:
        for epilogue in EPILOGUES:
            c, _ = run(m, n, 0, **epilogue)
            assert np.isfinite(c).all()


def test_edge_sizes_in_every_dimension(threads):
    for i, size in enumerate(EDGES):
        for j, shape in enumerate([(size, 33, 33), (33, size, 33), (33, 33, size)]):
            run(*shape, transposed=(i + j) % 2 == 1, pad=(i + j) % 3, seed=i, **EPILOGUES[(i + j) % len(EPILOGUES)])


@pytest.mark.parametrize("epilogue", EPILOGUES, ids=lambda e: "+".join(e) or "plain")
@pytest.mark.parametrize("transposed", [False, True], ids=["row-major-A", "transposed-A"])
def test_every_epilogue_on_every_path(threads, epilogue, transposed):
    for m, n, k in [(1, 5 * W + 3, 40), (13, 4 * W + 1, 20), (4 * R + 3, 2 * W - 1, 20), (CHUNK + 9, 3 * W + 1, 20),
                    (CHUNK + 9, 512 + 1, 20)]:
        run(m, n, k, transposed=transposed, pad=1, **epilogue)


def test_a_partial_last_vector_of_every_width(threads):
    """A masked last vector of 1 to W-1 floats on every path (AVX2 writes it in pieces of 4, 2 and
    1 floats): exact sums, and nothing written past the last column (run() checks the padding)."""
    for lanes in range(1, W):
        for i, (m, n, k) in enumerate([(1, 2 * W + lanes, 9), (13, W + lanes, 5), (13, 3 * W + lanes, 5),
                                       (CHUNK + 9, 2 * W + lanes, 20), (CHUNK + 9, 512 + lanes, 20)]):
            run(m, n, k, transposed=i % 2 == 1, pad=1, seed=lanes, **EPILOGUES[(lanes + i) % len(EPILOGUES)])


@pytest.mark.parametrize("path", sorted(SPLIT_SHAPES))
def test_threads_split_the_work_and_agree_bitwise(path):
    m, n, k = SPLIT_SHAPES[path]
    before = densekit.config.get_num_threads()
    try:
        results = {}
        for threads in (1, 2):
            densekit.config.set_num_threads(threads)
            if VECTORIZED:
                assert _testing.gemm_path(m, n, k) == path
            results[threads], blocks = run(m, n, k, bias=True, relu=True)
            if threads == 2 and (VECTORIZED or m > 1):  # the Eigen build splits rows only
                # The packed path reports a thread's rows by chunks sized from L2, so one or more
                # (two each with 512 KiB of L2 at this shape).
                split = len(blocks) >= 2 if path == "packed" else len(blocks) == 2
                assert split, "the product did not split between 2 threads"
    finally:
        densekit.config.set_num_threads(before)
    np.testing.assert_array_equal(results[1], results[2])


@pytest.mark.skipif(not VECTORIZED, reason="the Eigen build has its own order")
def test_depth_split(two_threads):
    check_shapes(depth_split_shapes(), "depth_split")
    assert _testing.gemm_path(32, 300, 784, b_transposed=True) == "column_blocks", "a transposed B is split by columns"


@pytest.mark.skipif(not VECTORIZED, reason="the Eigen build has its own order")
def test_depth_half(two_threads):
    """Two runs from a depth of 257 (a batch-256 weight gradient keeps one), split at half of the
    8-row tiles of B: where W1's 784-row weight gradient splits its rows between 2 threads (so
    each thread's run reads the kernel rows its own core updated)."""
    assert [_testing.gemm_depth_half(k) for k in (1, 256, 257, 263, 300, 784, 2048)] == [0, 0, 128, 128, 152, 392, 1024]
    blocks = run(784, 300, 32, transposed=True, report=True)[1]
    assert sorted(b[:2] for b in blocks) == [(0, 392), (392, 784)]


@pytest.mark.skipif(not VECTORIZED, reason="the Eigen build has its own order")
@pytest.mark.parametrize("threads_, m, n, path", [(1, 1, 300, "one_row"), (1, 5, 40, "column_blocks"),
                                                  (2, 5, 400, "depth_split"), (2, 32, 300, "depth_split"),
                                                  (1, CHUNK + 9, 3 * W + 1, "row_chunks"),
                                                  (1, CHUNK + 9, 512 + 5, "packed")])
def test_a_deep_sum_is_two_runs_added(threads_, m, n, path):
    """At k = 300 (halves 152 and 148, each summed in one run) every path gives C = (the product
    over the first 152 rows of B + the product over the other 148), then the epilogue: bitwise,
    as numpy adds the two in float32."""
    k, half = 300, 152
    before = densekit.config.get_num_threads()
    densekit.config.set_num_threads(threads_)
    try:
        assert _testing.gemm_path(m, n, k) == path and _testing.gemm_depth_half(k) == half
        rng = np.random.default_rng(6)
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        bias = rng.standard_normal(n, dtype=np.float32)
        c_old = rng.standard_normal((m, n), dtype=np.float32)
        runs = []
        for p0, p1 in ((0, half), (half, k)):
            part = np.zeros((m, n), np.float32)
            _testing.gemm(m, n, p1 - p0, np.ascontiguousarray(a[:, p0:p1]).reshape(-1), p1 - p0, 1,
                          np.ascontiguousarray(b[p0:p1]).reshape(-1), n, part.reshape(-1), n)
            runs.append(part)
        total = runs[0] + runs[1]
        for epilogue, want in ((dict(), total), (dict(bias=bias, relu=True), np.maximum(total + bias, 0)),
                               (dict(accumulate=True), total + c_old)):
            c = c_old.copy()
            _testing.gemm(m, n, k, a.reshape(-1), k, 1, b.reshape(-1), n, c.reshape(-1), n, **epilogue)
            np.testing.assert_array_equal(c, want, err_msg=str(epilogue))
    finally:
        densekit.config.set_num_threads(before)


@pytest.mark.skipif(not VECTORIZED, reason="the Eigen build has its own order")
@pytest.mark.parametrize("m, n, k", [(32, 300, 784), (5, 130, 1031), (CHUNK, 3 * W + 1, 4 * CHUNK + 64)])
def test_depth_split_gives_the_bits_of_one_thread_and_of_one_row(m, n, k):
    """A product split by depth between 2 threads equals, bit for bit, the same product on one
    thread (column blocks) and row by row (the one-row path): what fit computes for a batch of
    32 rows, predict gives for one row or 10,000."""
    rng = np.random.default_rng(7)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    bias = rng.standard_normal(n, dtype=np.float32)
    before = densekit.config.get_num_threads()
    try:
        results = {}
        for threads_ in (1, 2):
            densekit.config.set_num_threads(threads_)
            assert (_testing.gemm_path(m, n, k) == "depth_split") == (threads_ == 2)
            c = np.zeros((m, n), np.float32)
            _testing.gemm(m, n, k, a.reshape(-1), k, 1, b.reshape(-1), n, c.reshape(-1), n, bias=bias, relu=True)
            results[threads_] = c
    finally:
        densekit.config.set_num_threads(before)
    np.testing.assert_array_equal(results[2], results[1])
    np.testing.assert_array_equal(results[2], one_row_at_a_time(m, n, k, a, b, bias=bias, relu=True))


def test_nan_passes_through_relu(threads):
    for m in (1, 5, 40, CHUNK + 1):
        c, _ = run(m, 2 * W + 3, 9, nan_row=m // 2, bias=True, relu=True)
        assert np.isnan(c[m // 2]).all() and not np.isnan(np.delete(c, m // 2, axis=0)).any()


def test_transpose_matches_reference():
    rng = np.random.default_rng(0)
    for rows in (1, 7, 8, 9, 16, 17, 33):
        for cols in (1, 7, 8, 9, 15, 16, 17):
            src = rng.standard_normal((rows, cols), dtype=np.float32)
            np.testing.assert_array_equal(_testing.transpose(src), _testing.transpose_reference(src))
            np.testing.assert_array_equal(_testing.transpose(src), src.T)


OTHER_VARIANTS = [tag for tag in _isa.BUILT if _cpu.supports(tag) and tag != densekit._core.ISA]


@pytest.mark.parametrize("isa", OTHER_VARIANTS)
def test_every_other_variant_of_this_build(isa):
    """The kernels differ per instruction set (16-, 8- or 4-float vectors, or Eigen): run this file
    again on each other variant the CPU runs, with the tests that a row's prediction does not
    depend on its batch (the baseline broke that promise while it used Eigen's product)."""
    env = dict(os.environ, DENSEKIT_ISA=isa)
    tests = os.path.join(os.path.dirname(__file__), os.pardir)
    batch_independence = [os.path.join(tests, "test_predict_chunks.py"),
                          os.path.join(tests, "test_activations.py") + "::test_softmax_of_a_row_does_not_depend_on_its_place_in_the_batch"]
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__, *batch_independence,
                             "-k", "not every_other_variant"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.skipif(not VECTORIZED, reason="the Eigen build has its own order")
@pytest.mark.parametrize("m, n, k, read_only_path", [(256, 255, 784, "row_chunks"), (CHUNK + 5, 49, 257, "row_chunks"),
                                                    (150, 255, 300, "row_chunks"), (CHUNK + 9, 512 + 5, 300, "packed")])
def test_a_kernel_in_training_splits_by_depth_up_to_half_its_depth(two_threads, m, n, k, read_only_path):
    """In training (b_rows_apart: the weight gradient and the optimizer left each half of the
    kernel's rows in its own core) products split by depth while k is at least twice m, past a
    chunk of rows, so that each thread reads only the rows its core updated (a wide B packed by
    each thread for its own run); read-only (predict) they keep their rows. The split changes no
    bit: C is the product computed row by row."""
    assert _testing.gemm_path(m, n, k, b_rows_apart=True) == "depth_split"
    assert _testing.gemm_path(m, n, k) == read_only_path
    rng = np.random.default_rng(8)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    bias = rng.standard_normal(n, dtype=np.float32)
    want = one_row_at_a_time(m, n, k, a, b, bias=bias, relu=True)
    for apart in (True, False):
        c = np.zeros((m, n), np.float32)
        blocks = _testing.gemm(m, n, k, a.reshape(-1), k, 1, b.reshape(-1), n, c.reshape(-1), n, bias=bias, relu=True,
                               report_blocks=True, b_rows_apart=apart)
        np.testing.assert_array_equal(c, want, err_msg=f"b_rows_apart={apart}")
        check_blocks(blocks, c)


@pytest.mark.skipif(not VECTORIZED, reason="the Eigen build has no paths of its own")
def test_where_a_kernel_in_training_splits_by_depth(two_threads):
    """Past half of k the rows split (packed when wide); a wide kernel splits by depth while half
    of it fits in L2, and W5's wide layers, whose halves do not, take the shared packing."""
    assert _testing.gemm_path(151, 255, 300, b_rows_apart=True) == "row_chunks"
    assert _testing.gemm_path(393, 255, 784, b_rows_apart=True) == "row_chunks"
    assert _testing.gemm_path(393, 2048, 784, b_rows_apart=True) == "packed"
    assert _testing.gemm_path(392, 255, 784, b_rows_apart=True) == "depth_split"
    l2 = _testing.gemm_layout()["l2_cache_bytes"]
    for k in (784, 2048):
        assert _testing.gemm_path(256, 2048, k) == "packed"
        beyond = k * 2048 * 4 // 2 > l2
        assert _testing.gemm_path(256, 2048, k, b_rows_apart=True) == ("packed" if beyond else "depth_split")
    k = 300  # deep enough for two runs; half of a 512-column kernel is 300 KiB
    assert _testing.gemm_path(CHUNK + 1, 512, k) == "packed"
    fits = k * 512 * 4 // 2 <= l2
    assert _testing.gemm_path(CHUNK + 1, 512, k, b_rows_apart=True) == ("depth_split" if fits else "packed")
