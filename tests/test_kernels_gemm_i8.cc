#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

extern "C" {
#include "kernels/gemm_i8.h"
}
#include "support/pool.h"
#include "support/random.h"
#include "support/thread_counts.h"

namespace {

struct GemmI8Case {
  size_t m, n, k;
  bool bias, residual, relu;
};

std::vector<int8_t> random_weights(TestRandom &rng, size_t count) {
  std::vector<int8_t> w(count);
  for (auto &v : w) v = static_cast<int8_t>(rng.below(255) - 127);
  return w;
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// The SIMD quantizer and GEMM against their scalar references on the same operands: integer
// sums are exact and the float steps are the same, so every output has the same bits.
void check_gemm_i8(const GemmI8Case &g, int threads, uint64_t seed) {
  TestRandom rng(seed);
  size_t ldx = g.k + 3, ldq = mrw_gemm_i8_depth(g.k) + 2, ldw = g.k + 1, ldc = g.n + 5;
  std::vector<float> x = rng.floats(g.m * ldx, -4.0f, 4.0f);
  std::vector<int8_t> w = random_weights(rng, g.n * ldw);
  std::vector<float> col_scales = rng.floats(g.n, 0.001f, 0.02f);
  std::vector<float> bias = rng.floats(g.n), residual = rng.floats(g.m * g.n);
  mrw_epilogue e{g.bias ? bias.data() : nullptr, g.residual ? residual.data() : nullptr, g.n,
                 g.relu ? 1 : 0, nullptr};
  ScopedPool pool(threads);

  std::vector<int16_t> q(g.m * ldq, 99), q_ref(g.m * ldq, 99);
  std::vector<float> scales(g.m), scales_ref(g.m);
  mrw_quantize_rows(x.data(), g.m, g.k, ldx, q.data(), ldq, scales.data(), pool.get());
  mrw_quantize_rows_ref(x.data(), g.m, g.k, ldx, q_ref.data(), ldq, scales_ref.data());
  ASSERT_EQ(q, q_ref) << "m=" << g.m << " k=" << g.k << " threads=" << threads;
  for (size_t i = 0; i < g.m; i++) ASSERT_TRUE(same_bits(scales[i], scales_ref[i])) << "row " << i;

  std::vector<int16_t> packed(mrw_gemm_i8_packed_b_count(g.k, g.n));
  mrw_gemm_i8_pack_b(w.data(), ldw, g.k, g.n, packed.data());
  std::vector<float> c(g.m * ldc, 7.0f), expected(g.m * ldc, 7.0f);
  mrw_gemm_i8(g.m, g.n, g.k, q.data(), ldq, scales.data(), packed.data(), col_scales.data(), &e,
              c.data(), ldc, pool.get());
  mrw_gemm_i8_ref(g.m, g.n, g.k, q_ref.data(), ldq, scales_ref.data(), w.data(), ldw,
                  col_scales.data(), &e, expected.data(), ldc);
  for (size_t i = 0; i < c.size(); i++)
    ASSERT_TRUE(same_bits(c[i], expected[i]))
        << "m=" << g.m << " n=" << g.n << " k=" << g.k << " threads=" << threads << " index " << i
        << ": " << c[i] << " vs " << expected[i];
}

TEST(GemmI8, MatchesReferenceBitForBitOnOddShapes) {
  uint64_t seed = 1;
  for (int threads : kThreadCounts)
    for (size_t m : {1, 3, 4, 7, 64, 65, 200})
      for (size_t n : {1, 3, 8, 17, 40})
        for (size_t k : {1, 2, 7, 64, 301}) {
          check_gemm_i8({m, n, k, (seed % 2) == 0, (seed % 3) == 0, (seed % 5) != 0}, threads, seed);
          seed++;
        }
}

TEST(GemmI8, MatchesReferenceOnRandomShapesWithEveryEpilogue) {
  TestRandom shapes(7);
  for (int i = 0; i < 24; i++) {
    GemmI8Case g{size_t(1 + shapes.below(300)), size_t(1 + shapes.below(70)),
                 size_t(1 + shapes.below(1200)), (i & 1) != 0, (i & 2) != 0, (i & 4) != 0};
    check_gemm_i8(g, kThreadCounts[i % 3], 500 + i);
  }
}

// Values worked out by hand: the largest magnitude (127 here, so x * 127 / max is x itself,
// exactly) maps to 127, and the rest round to nearest with ties to even.
TEST(GemmI8, QuantizesARowByItsLargestMagnitude) {
  const float x[] = {127.0f, 0.5f, 1.5f, 2.5f, -2.5f, -127.0f, 63.25f, 0.0f, -1.75f};
  const int16_t want[] = {127, 0, 2, 2, -2, -127, 63, 0, -2, 0};  // the last: padding
  int16_t q[10], q_ref[10];
  float scale = 0.0f, scale_ref = 0.0f;
  mrw_quantize_rows(x, 1, 9, 9, q, 10, &scale, nullptr);
  mrw_quantize_rows_ref(x, 1, 9, 9, q_ref, 10, &scale_ref);
  for (int i = 0; i < 10; i++) {
    EXPECT_EQ(q[i], want[i]) << "element " << i;
    EXPECT_EQ(q_ref[i], want[i]) << "element " << i;
  }
  EXPECT_EQ(scale, 1.0f);
  EXPECT_EQ(scale_ref, 1.0f);
}

TEST(GemmI8, ZeroAndNonFiniteRowsQuantizeToZero) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  const float x[3][5] = {{0, 0, 0, 0, 0}, {1, inf, 2, 3, 4}, {nan, 2, -4, 1, nan}};
  int16_t q[3][6];
  float scales[3];
  for (int ref = 0; ref < 2; ref++) {
    if (ref) mrw_quantize_rows_ref(&x[0][0], 3, 5, 5, &q[0][0], 6, scales);
    else mrw_quantize_rows(&x[0][0], 3, 5, 5, &q[0][0], 6, scales, nullptr);
    for (int p = 0; p < 6; p++) EXPECT_EQ(q[0][p], 0) << "zero row, ref " << ref;
    for (int p = 0; p < 6; p++) EXPECT_EQ(q[1][p], 0) << "row with inf, ref " << ref;
    EXPECT_EQ(scales[0], 0.0f);
    EXPECT_EQ(scales[1], 0.0f);
    // NaN counts as 0; the rest by the largest finite magnitude, 4
    const int16_t want[6] = {0, 64, -127, 32, 0, 0};  // 2 * 127 / 4 = 63.5 -> 64
    for (int p = 0; p < 6; p++) EXPECT_EQ(q[2][p], want[p]) << "element " << p << ", ref " << ref;
    EXPECT_FLOAT_EQ(scales[2], 4.0f / 127.0f);
  }
}

// Not only equal to its reference: close to the float product it stands for. Each quantized
// activation is off by at most half a step (scale / 2), so each output is off by at most
// sum_k |w_k| * scale / 2.
TEST(GemmI8, ApproximatesTheFloatProductWithinTheQuantizationStep) {
  TestRandom rng(3);
  const size_t m = 37, n = 19, k = 150;
  std::vector<float> x = rng.floats(m * k, -2.0f, 2.0f);
  std::vector<int8_t> w = random_weights(rng, n * k);
  std::vector<float> col_scales = rng.floats(n, 0.01f, 0.02f);
  size_t ldq = mrw_gemm_i8_depth(k);
  std::vector<int16_t> q(m * ldq), packed(mrw_gemm_i8_packed_b_count(k, n));
  std::vector<float> scales(m), c(m * n);
  mrw_quantize_rows(x.data(), m, k, k, q.data(), ldq, scales.data(), nullptr);
  mrw_gemm_i8_pack_b(w.data(), k, k, n, packed.data());
  mrw_gemm_i8(m, n, k, q.data(), ldq, scales.data(), packed.data(), col_scales.data(), nullptr,
              c.data(), n, nullptr);
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) {
      double exact = 0, bound = 0;
      for (size_t p = 0; p < k; p++) {
        double wf = double(w[j * k + p]) * col_scales[j];
        exact += double(x[i * k + p]) * wf;
        bound += std::fabs(wf) * scales[i] / 2;
      }
      EXPECT_NEAR(c[i * n + j], exact, bound * 1.001 + 1e-5) << i << "," << j;
    }
}

}  // namespace
