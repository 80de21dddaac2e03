#include <gtest/gtest.h>

#include <vector>

extern "C" {
#include "kernels/gemm.h"
}
#include "support/compare.h"
#include "support/pool.h"
#include "support/random.h"
#include "support/thread_counts.h"

namespace {

struct GemmCase {
  size_t m, n, k;
  bool bias, residual, relu;
};

// A [m][lda] in the GEMM's packed left-operand layout over its whole depth: [ceil(m/4)][k][4],
// rows past m zero.
std::vector<float> pack_left(const std::vector<float> &a, size_t m, size_t k, size_t lda) {
  std::vector<float> packed((m + 3) / 4 * k * 4, 0.0f);
  for (size_t i = 0; i < m; i++)
    for (size_t p = 0; p < k; p++) packed[(i / 4 * k + p) * 4 + i % 4] = a[i * lda + p];
  return packed;
}

// Runs the packed SIMD GEMM (or its tall-block form) and the scalar reference on the same
// random operands; with prepacked, A goes in already packed (read in place), else by its packer.
void check_gemm(const GemmCase &g, int threads, uint64_t seed, bool tall = false,
                bool prepacked = false) {
  TestRandom rng(seed);
  size_t lda = g.k + 3, ldc = g.n + 5;
  std::vector<float> a = rng.floats(g.m * lda), b = rng.floats(g.k * g.n);
  std::vector<float> bias = rng.floats(g.n), residual = rng.floats(g.m * g.n);
  mrw_epilogue e{g.bias ? bias.data() : nullptr, g.residual ? residual.data() : nullptr, g.n,
                 g.relu ? 1 : 0, nullptr};
  std::vector<float> packed(mrw_gemm_packed_b_floats(g.k, g.n));
  mrw_gemm_pack_b(b.data(), g.n, g.k, g.n, packed.data());
  ScopedPool pool(threads);
  std::vector<float> workspace(tall ? mrw_gemm_tall_workspace_floats(g.m, pool.size())
                                    : mrw_gemm_workspace_floats(pool.size()));
  std::vector<float> c(g.m * ldc, 7.0f), expected(g.m * ldc, 7.0f);
  mrw_dense_a dense{a.data(), lda};
  std::vector<float> packed_a = prepacked ? pack_left(a, g.m, g.k, lda) : std::vector<float>{};
  mrw_gemm_a left = prepacked ? mrw_gemm_a{nullptr, nullptr, packed_a.data()}
                              : mrw_gemm_a{mrw_pack_a_dense, &dense, nullptr};
  // a packed A takes no workspace
  (tall ? mrw_gemm_tall : mrw_gemm)(g.m, g.n, g.k, left, packed.data(), &e, c.data(), ldc,
                                    prepacked ? nullptr : workspace.data(), pool.get());
  mrw_gemm_ref(g.m, g.n, g.k, a.data(), lda, b.data(), g.n, &e, expected.data(), ldc);
  // Same summation order: equal to the bit, including the untouched padding columns.
  Difference d = compare_arrays(c.data(), expected.data(), c.size());
  EXPECT_EQ(d.max_abs_diff, 0.0) << "m=" << g.m << " n=" << g.n << " k=" << g.k
                                 << " threads=" << threads << " tall " << tall
                                 << " prepacked " << prepacked
                                 << " worst index " << d.worst_index;
}

TEST(Gemm, MatchesReferenceOnOddShapes) {
  const size_t sizes[] = {1, 3, 7, 17, 64, 255};
  uint64_t seed = 1;
  for (int threads : kThreadCounts)
    for (size_t m : sizes)
      for (size_t n : {size_t{1}, size_t{3}, size_t{8}, size_t{17}, size_t{40}})
        for (size_t k : {size_t{1}, size_t{7}, size_t{255}, size_t{300}}) {
          check_gemm({m, n, k, (seed % 2) == 0, (seed % 3) == 0, (seed % 5) != 0}, threads, seed);
          seed++;
        }
}

// A left operand given already packed is read in place over every depth pass (k past
// MRW_GEMM_KC) and row block, in both blocking forms, with the reference's bits.
TEST(Gemm, PackedLeftOperandMatchesReference) {
  uint64_t seed = 500;
  for (int threads : kThreadCounts)
    for (size_t m : {size_t{1}, size_t{6}, size_t{28}, size_t{130}, size_t{300}})
      for (size_t k : {size_t{5}, size_t{256}, size_t{300}, size_t{600}})
        for (bool tall : {false, true}) {
          check_gemm({m, 19, k, (seed % 2) == 0, (seed % 3) == 0, true}, threads, seed, tall, true);
          seed++;
        }
}

TEST(Gemm, MatchesReferenceOnRandomShapesWithEveryEpilogue) {
  TestRandom shapes(99);
  for (int i = 0; i < 24; i++) {
    GemmCase g{size_t(1 + shapes.below(300)), size_t(1 + shapes.below(70)),
               size_t(1 + shapes.below(600)), (i & 1) != 0, (i & 2) != 0, (i & 4) != 0};
    check_gemm(g, kThreadCounts[i % 3], 1000 + i);
  }
}

// The residual as C itself (the result written over it, with residual_keep): the same bits
// as into a separate C, whatever the depth passes, edge tiles and threads.
TEST(Gemm, TallBlocksMatchReference) {
  // Row blocks of up to MRW_GEMM_TALL_MB rows: one, or several with a short last one; depths
  // across KC passes; columns in whole and partial panels.
  uint64_t seed = 3000;
  for (int threads : kThreadCounts)
    for (size_t m : {size_t{5}, size_t{65}, size_t{167}, size_t{MRW_GEMM_TALL_MB + 3}, size_t{600}})
      for (size_t n : {size_t{8}, size_t{41}, size_t{130}})
        for (size_t k : {size_t{300}, size_t{700}}) {
          check_gemm({m, n, k, (seed % 2) == 0, (seed % 3) == 0, (seed % 5) != 0}, threads, seed,
                     true);
          seed++;
        }
}

TEST(Gemm, WritingOverTheResidualGivesTheSameBits) {
  TestRandom shapes(7);
  for (int i = 0; i < 18; i++) {
    size_t m = 1 + shapes.below(200), n = 1 + shapes.below(90), k = i % 6 == 0 ? 0 : 1 + shapes.below(700);
    int threads = kThreadCounts[i % 3];
    TestRandom rng(500 + i);
    std::vector<float> a = rng.floats(m * (k + 1)), b = rng.floats(k * n + 1);
    std::vector<float> bias = rng.floats(n), residual = rng.floats(m * n);
    std::vector<float> packed(mrw_gemm_packed_b_floats(k, n));
    mrw_gemm_pack_b(b.data(), n, k, n, packed.data());
    ScopedPool pool(threads);
    std::vector<float> workspace(mrw_gemm_workspace_floats(pool.size()));
    mrw_dense_a dense{a.data(), k + 1};
    mrw_epilogue apart{(i & 1) ? bias.data() : nullptr, residual.data(), n, (i & 2) ? 1 : 0, nullptr};
    std::vector<float> expected(m * n);
    mrw_gemm(m, n, k, mrw_gemm_a{mrw_pack_a_dense, &dense, nullptr}, packed.data(), &apart, expected.data(), n,
             workspace.data(), pool.get());
    std::vector<float> over = residual, keep(mrw_gemm_keep_floats(n, pool.size()));
    mrw_epilogue onto{apart.bias, over.data(), n, apart.relu, keep.data()};
    mrw_gemm(m, n, k, mrw_gemm_a{mrw_pack_a_dense, &dense, nullptr}, packed.data(), &onto, over.data(), n,
             workspace.data(), pool.get());
    Difference d = compare_arrays(over.data(), expected.data(), over.size());
    EXPECT_EQ(d.max_abs_diff, 0.0) << "m=" << m << " n=" << n << " k=" << k << " threads=" << threads;
    if (k > 0 || apart.bias) {
      EXPECT_NE(over, residual);  // something was written
    }
  }
}

TEST(Gemm, ZeroDepthGivesTheEpilogueOfZero) {
  check_gemm({5, 9, 0, true, true, true}, 2, 5);
}

TEST(Gemm, PackingColumnByColumnEqualsPackingB) {
  for (size_t n : {1u, 8u, 13u, 20u}) {
    const size_t k = 5;
    TestRandom rng(n);
    std::vector<float> b = rng.floats(k * n);
    std::vector<float> whole(mrw_gemm_packed_b_floats(k, n), -1.0f);
    mrw_gemm_pack_b(b.data(), n, k, n, whole.data());
    std::vector<float> by_column(whole.size(), 0.0f);
    for (size_t j = 0; j < n; j++) {
      float *column = mrw_gemm_packed_b_column(by_column.data(), k, j);
      for (size_t p = 0; p < k; p++) column[p * MRW_GEMM_NR] = b[p * n + j];
    }
    EXPECT_EQ(by_column, whole) << "n " << n;
  }
}

TEST(Gemm, KnownSmallProduct) {
  // [1 2; 3 4] * [5 6; 7 8] = [19 22; 43 50], plus bias [1, -100] then ReLU.
  const float a[] = {1, 2, 3, 4}, b[] = {5, 6, 7, 8}, bias[] = {1, -100};
  std::vector<float> packed(mrw_gemm_packed_b_floats(2, 2)), ws(mrw_gemm_workspace_floats(1));
  mrw_gemm_pack_b(b, 2, 2, 2, packed.data());
  float c[4];
  mrw_dense_a dense{a, 2};
  mrw_epilogue e{bias, nullptr, 0, 1, nullptr};
  mrw_gemm(2, 2, 2, mrw_gemm_a{mrw_pack_a_dense, &dense, nullptr}, packed.data(), &e, c, 2, ws.data(),
           nullptr);
  EXPECT_EQ(c[0], 20.0f);
  EXPECT_EQ(c[1], 0.0f);
  EXPECT_EQ(c[2], 44.0f);
  EXPECT_EQ(c[3], 0.0f);
}

}  // namespace
