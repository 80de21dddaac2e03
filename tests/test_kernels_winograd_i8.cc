#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "kernels/gemm_i8.h"
#include "kernels/winograd.h"
#include "kernels/winograd_i8.h"
}
#include "support/pool.h"
#include "support/random.h"
#include "support/thread_counts.h"

namespace {

struct Case {
  int h, w, in_c, out_c, batch;
};

std::string describe(const Case &c) {
  return std::to_string(c.batch) + "x" + std::to_string(c.h) + "x" + std::to_string(c.w) + "x" +
         std::to_string(c.in_c) + " -> " + std::to_string(c.out_c);
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

std::vector<int8_t> random_weights(TestRandom &rng, size_t count) {
  std::vector<int8_t> w(count);
  for (auto &v : w) v = static_cast<int8_t>(rng.below(255) - 127);
  return w;
}

constexpr int kTiles[] = {2, 4};

std::vector<float> run_kernel(const mrw_conv_shape &s, int tile, const std::vector<float> &input,
                              const std::vector<int16_t> &packed,
                              const std::vector<float> &col_scales, const mrw_epilogue &e,
                              int threads) {
  ScopedPool pool(threads);
  std::vector<float> ws((mrw_winograd_i8_workspace_bytes(&s, tile, pool.size()) + 3) / 4, NAN);
  std::vector<float> out(size_t(mrw_conv_batch(&s)) * s.in_h * s.in_w * s.out_c, NAN);
  mrw_winograd_i8_conv2d(&s, tile, input.data(), packed.data(), col_scales.data(), &e,
                         out.data(), ws.data(), pool.get());
  return out;
}

std::vector<int16_t> pack(const mrw_conv_shape &s, int tile, const std::vector<int8_t> &weights) {
  std::vector<int16_t> packed(mrw_winograd_i8_packed_count(&s, tile), 99);
  mrw_winograd_i8_pack_weights(&s, tile, weights.data(), packed.data());
  return packed;
}

// The kernel (2 threads) and the reference on the same values with one weight scale and no
// epilogue: equal bit for bit. Returns the kernel's output.
std::vector<float> checked_output(const mrw_conv_shape &s, int tile,
                                  const std::vector<float> &input,
                                  const std::vector<int8_t> &weights, float col_scale) {
  std::vector<float> col_scales(s.out_c, col_scale);
  mrw_epilogue e{nullptr, nullptr, size_t(s.out_c), 0, nullptr};
  std::vector<float> out = run_kernel(s, tile, input, pack(s, tile, weights), col_scales, e, 2);
  std::vector<float> expected(out.size());
  mrw_winograd_i8_conv2d_ref(&s, tile, input.data(), weights.data(), col_scales.data(), &e,
                             expected.data());
  size_t i = 0;
  while (i < out.size() && same_bits(out[i], expected[i])) i++;
  EXPECT_EQ(i, out.size()) << "tile " << tile << ": first difference at " << i;
  return out;
}

// The SIMD kernel at 1, 2 and 4 threads against its reference (the direct integer
// convolution of the same quantized values), with both tiles: bit for bit.
void check_case(const Case &c, bool bias, bool residual, bool relu, uint64_t seed) {
  mrw_conv_shape s{c.h, c.w, c.in_c, c.out_c, 3, 3, 1, 1, c.batch};
  ASSERT_TRUE(mrw_winograd_i8_applies(&s));
  TestRandom rng(seed);
  size_t out_count = size_t(c.batch) * c.h * c.w * c.out_c;
  std::vector<float> input = rng.floats(size_t(c.batch) * c.h * c.w * c.in_c, -3.0f, 3.0f);
  std::vector<int8_t> weights = random_weights(rng, size_t(c.out_c) * c.in_c * 9);
  std::vector<float> col_scales = rng.floats(c.out_c, 0.001f, 0.02f);
  std::vector<float> b = rng.floats(c.out_c), res = rng.floats(out_count);
  mrw_epilogue e{bias ? b.data() : nullptr, residual ? res.data() : nullptr, size_t(c.out_c),
                 relu ? 1 : 0, nullptr};
  ASSERT_TRUE(mrw_winograd_i8_tile4_exact(&s, weights.data())) << describe(c);
  for (int tile : kTiles) {
    std::vector<float> expected(out_count, NAN);
    mrw_winograd_i8_conv2d_ref(&s, tile, input.data(), weights.data(), col_scales.data(), &e,
                               expected.data());
    std::vector<int16_t> packed = pack(s, tile, weights);
    for (int threads : kThreadCounts) {
      std::vector<float> out = run_kernel(s, tile, input, packed, col_scales, e, threads);
      for (size_t i = 0; i < out_count; i++)
        ASSERT_TRUE(same_bits(out[i], expected[i]))
            << describe(c) << " tile " << tile << " threads " << threads << " index " << i
            << ": " << out[i] << " vs " << expected[i];
    }
  }
}

TEST(WinogradI8, KernelTransformIsFourTimesTheFloatOne) {
  TestRandom rng(3);
  for (int trial = 0; trial < 200; trial++) {
    std::vector<int8_t> g = random_weights(rng, 9);
    if (trial == 0) std::fill(g.begin(), g.end(), int8_t(127));
    if (trial == 1) std::fill(g.begin(), g.end(), int8_t(-127));
    float gf[9], uf[16];
    int16_t u[16];
    for (int i = 0; i < 9; i++) gf[i] = g[i];
    mrw_winograd_kernel_transform(2, gf, uf);
    mrw_winograd_i8_kernel_transform(2, g.data(), u);
    for (int i = 0; i < 16; i++) ASSERT_EQ(float(u[i]), 4.0f * uf[i]) << "trial " << trial;
  }
}

// Tile 4: u = D G g G^T D with G of F(4x4, 3x3) (points 0, 1, -1, 2, -2, infinity) and
// D = diag(24, 24, 24, 24, 24, 6), computed here in double from the matrix itself.
TEST(WinogradI8, Tile4KernelTransformIsTheScaledMatrixProduct) {
  const double G[6][3] = {{1 / 4.0, 0, 0},           {-1 / 6.0, -1 / 6.0, -1 / 6.0},
                          {-1 / 6.0, 1 / 6.0, -1 / 6.0}, {1 / 24.0, 1 / 12.0, 1 / 6.0},
                          {1 / 24.0, -1 / 12.0, 1 / 6.0}, {0, 0, 1}};
  const double D[6] = {24, 24, 24, 24, 24, 6};
  TestRandom rng(4);
  for (int trial = 0; trial < 200; trial++) {
    std::vector<int8_t> g = random_weights(rng, 9);
    if (trial == 0) std::fill(g.begin(), g.end(), int8_t(127));
    if (trial == 1) std::fill(g.begin(), g.end(), int8_t(-128));
    int16_t u[36];
    mrw_winograd_i8_kernel_transform(4, g.data(), u);
    for (int i = 0; i < 6; i++)
      for (int j = 0; j < 6; j++) {
        double sum = 0;
        for (int k = 0; k < 3; k++)
          for (int l = 0; l < 3; l++) sum += G[i][k] * g[k * 3 + l] * G[j][l];
        ASSERT_EQ(double(u[i * 6 + j]), std::nearbyint(D[i] * D[j] * sum))
            << "trial " << trial << " point " << i << "," << j;
        ASSERT_NEAR(D[i] * D[j] * sum, std::nearbyint(D[i] * D[j] * sum), 1e-6);
      }
  }
}

TEST(WinogradI8, MatchesReferenceBitForBitOnOddShapes) {
  uint64_t seed = 1;
  for (const Case &c : {Case{1, 1, 1, 1, 1}, Case{2, 3, 3, 5, 1}, Case{5, 7, 8, 8, 1},
                        Case{7, 4, 17, 9, 2}, Case{9, 9, 16, 24, 1}, Case{4, 13, 33, 40, 3},
                        Case{14, 14, 64, 64, 5}, Case{13, 19, 40, 17, 1}, Case{6, 10, 8, 12, 2}}) {
    check_case(c, seed % 2 == 0, seed % 3 == 0, seed % 5 != 0, seed);
    seed++;
  }
}

TEST(WinogradI8, MatchesReferenceOnLargerMapsWithEveryEpilogue) {
  TestRandom shapes(11);
  for (int i = 0; i < 8; i++) {
    Case c{1 + shapes.below(40), 1 + shapes.below(60), 1 + shapes.below(130),
           1 + shapes.below(70), 1 + shapes.below(2)};
    check_case(c, (i & 1) != 0, (i & 2) != 0, (i & 4) != 0, 100 + i);
  }
}

// Windows of output rows (each starting on a tile row, the last cut short) at 1 and 2 threads:
// each window holds the bits of those rows of the whole image's call, with bias, residual and
// ReLU, on an odd width and a channel count that is not a multiple of 8.
TEST(WinogradI8, RowWindowsHoldTheWholeImagesRows) {
  const int h = 23, w = 17, in_c = 13, out_c = 10;
  mrw_conv_shape s{h, w, in_c, out_c, 3, 3, 1, 1, 1};
  TestRandom rng(700);
  std::vector<float> input = rng.floats(size_t(h) * w * in_c, -3.0f, 3.0f);
  std::vector<int8_t> weights = random_weights(rng, size_t(out_c) * in_c * 9);
  std::vector<float> col_scales = rng.floats(out_c, 0.001f, 0.02f);
  std::vector<float> bias = rng.floats(out_c), res = rng.floats(size_t(h) * w * out_c);
  const size_t row = size_t(w) * out_c;
  for (int tile : kTiles) {
    std::vector<int16_t> packed = pack(s, tile, weights);
    mrw_epilogue whole_e{bias.data(), res.data(), size_t(out_c), 1, nullptr};
    std::vector<float> whole = run_kernel(s, tile, input, packed, col_scales, whole_e, 2);
    for (int threads : {1, 2}) {
      ScopedPool pool(threads);
      for (int rows : {tile, 2 * tile, 3 * tile, 24}) {
        std::vector<float> ws(
            (mrw_winograd_i8_rows_workspace_bytes(&s, tile, rows, pool.size()) + 3) / 4, NAN);
        for (int row0 = 0; row0 < h; row0 += rows) {
          int n = h - row0 < rows ? h - row0 : rows;
          mrw_epilogue e{bias.data(), res.data() + size_t(row0) * row, size_t(out_c), 1, nullptr};
          std::vector<float> out(size_t(n) * row, NAN);
          mrw_winograd_i8_conv2d_rows(&s, tile, input.data(), row0, n, packed.data(),
                                      col_scales.data(), &e, out.data(), ws.data(), pool.get());
          EXPECT_EQ(0, std::memcmp(out.data(), whole.data() + size_t(row0) * row,
                                   out.size() * sizeof(float)))
              << "tile " << tile << ", rows " << row0 << ".." << row0 + n << ", threads "
              << threads;
        }
      }
    }
  }
}

// Trained-like weights (mostly small, a few at the peak) on 256 channels: beyond the channel
// count any weights allow for tile 4, within the sum bound, and exact there.
TEST(WinogradI8, Tile4ExactOnWideLayersWithinTheWeightBound) {
  mrw_conv_shape s{11, 9, 256, 16, 3, 3, 1, 1, 1};
  TestRandom rng(21);
  std::vector<int8_t> weights(size_t(s.out_c) * s.in_c * 9);
  for (size_t i = 0; i < weights.size(); i++)
    weights[i] = int8_t(i % 97 == 0 ? 127 : int(rng.below(61)) - 30);
  ASSERT_TRUE(mrw_winograd_i8_tile4_exact(&s, weights.data()));
  std::vector<float> input = rng.floats(size_t(s.in_h) * s.in_w * s.in_c, 0.0f, 4.0f);
  checked_output(s, 4, input, weights, 0.01f);
}

// Tile 4's bound: 231 channels of weights all at 127, every input at its patch's peak with the
// weights' signs, gives the largest direct sum below 2^25 (9 * 231 * 127 * 127), which must
// come out exact; one channel more and the weights no longer qualify.
TEST(WinogradI8, Tile4ExactAtItsWeightBound) {
  mrw_conv_shape s{5, 6, 231, 8, 3, 3, 1, 1, 1};
  size_t taps = size_t(s.in_c) * 9;
  std::vector<float> input(size_t(s.in_h) * s.in_w * s.in_c);
  for (size_t i = 0; i < input.size(); i++) input[i] = (i % s.in_c) % 3 == 0 ? -1.0f : 1.0f;
  std::vector<int8_t> weights(size_t(s.out_c) * taps);
  for (size_t co = 0; co < size_t(s.out_c); co++)
    for (size_t i = 0; i < taps; i++) {
      bool negative = co == 0 ? input[i / 9] < 0 : (i / 9 + co) % 2 == 0;
      weights[co * taps + i] = negative ? int8_t(-127) : int8_t(127);
    }
  ASSERT_TRUE(mrw_winograd_i8_tile4_exact(&s, weights.data()));
  std::vector<float> out = checked_output(s, 4, input, weights, 1.0f);
  // pixel (1, 1) of out channel 0 sees all 9 taps at +127 * 127 (scale 1/127): 9 * 231 * 127
  EXPECT_NEAR(out[(1 * s.in_w + 1) * s.out_c], 9.0 * 231 * 127, 9.0 * 231 * 127 * 1e-6);

  mrw_conv_shape wider = s;
  wider.in_c++;
  std::vector<int8_t> more(size_t(wider.out_c) * wider.in_c * 9, int8_t(127));
  EXPECT_FALSE(mrw_winograd_i8_tile4_exact(&wider, more.data()));
}

// The largest sums the channel bound allows: every input at the image's peak and every weight
// at +-127 (the transformed values at their extremes), so any overflow would show.
TEST(WinogradI8, ExactAtTheChannelBound) {
  mrw_conv_shape s{4, 5, MRW_WINOGRAD_I8_MAX_IN_C, 8, 3, 3, 1, 1, 1};
  ASSERT_TRUE(mrw_winograd_i8_applies(&s));
  mrw_conv_shape over = s;
  over.in_c++;
  EXPECT_FALSE(mrw_winograd_i8_applies(&over));
  size_t pixels = size_t(s.in_h) * s.in_w;
  std::vector<float> input(pixels * s.in_c, 1.0f);
  for (size_t i = 0; i < input.size(); i++) input[i] = (i % s.in_c) % 3 == 0 ? -1.0f : 1.0f;
  std::vector<int8_t> weights(size_t(s.out_c) * s.in_c * 9);
  for (size_t i = 0; i < weights.size(); i++)
    weights[i] = (i / 9) % 2 == 0 ? int8_t(127) : int8_t(-127);
  for (size_t ci = 0; ci < size_t(s.in_c); ci++)  // out channel 0: every product +127 * 127
    for (int k = 0; k < 9; k++) weights[ci * 9 + k] = input[ci] > 0 ? int8_t(127) : int8_t(-127);
  std::vector<float> out = checked_output(s, 2, input, weights, 1.0f);
  // pixel (1, 1) of out channel 0 sees all 9 taps at +127 * 127 (scale 1/127): 9 * 2048 * 127
  EXPECT_NEAR(out[(1 * s.in_w + 1) * s.out_c], 9.0 * 2048 * 127, 9.0 * 2048 * 127 * 1e-6);
}

// Against the float convolution of the values the integers stand for (each tile's patch
// dequantized with its own scale, the weights with theirs), in double: equal up to float
// rounding, which checks the reference itself, for both tiles.
TEST(WinogradI8, ReferenceIsTheConvolutionOfTheDequantizedValues) {
  mrw_conv_shape s{9, 11, 24, 16, 3, 3, 1, 1, 2};
  TestRandom rng(5);
  size_t h = s.in_h, w = s.in_w, c = s.in_c, oc = s.out_c;
  std::vector<float> input = rng.floats(2 * h * w * c, -2.0f, 2.0f);
  for (size_t i = 0; i < input.size(); i += 7) input[i] *= 20.0f;  // uneven magnitudes
  std::vector<int8_t> weights = random_weights(rng, oc * c * 9);
  std::vector<float> col_scales = rng.floats(oc, 0.001f, 0.02f), bias = rng.floats(oc);
  mrw_epilogue e{bias.data(), nullptr, oc, 0, nullptr};
  for (size_t m : {size_t(2), size_t(4)}) {
    size_t n = m + 2;
    std::vector<float> ours(2 * h * w * oc);
    mrw_winograd_i8_conv2d_ref(&s, int(m), input.data(), weights.data(), col_scales.data(), &e,
                               ours.data());
    for (size_t b = 0; b < 2; b++)
      for (size_t ty = 0; ty < (h + m - 1) / m; ty++)
        for (size_t tx = 0; tx < (w + m - 1) / m; tx++) {
          std::vector<double> patch(n * n * c, 0.0);
          float peak = 0.0f;
          for (size_t i = 0; i < n * n; i++) {
            long y = long(m * ty + i / n) - 1, x = long(m * tx + i % n) - 1;
            if (y < 0 || x < 0 || y >= long(h) || x >= long(w)) continue;
            for (size_t ci = 0; ci < c; ci++) {
              patch[i * c + ci] = input[((b * h + y) * w + x) * c + ci];
              peak = std::fmax(peak, std::fabs(float(patch[i * c + ci])));
            }
          }
          for (double &v : patch) v = std::nearbyint(float(v) * (127.0f / peak)) * (peak / 127.0f);
          for (size_t dy = 0; dy < m && m * ty + dy < h; dy++)
            for (size_t dx = 0; dx < m && m * tx + dx < w; dx++)
              for (size_t co = 0; co < oc; co++) {
                double sum = bias[co];
                for (size_t ky = 0; ky < 3; ky++)
                  for (size_t kx = 0; kx < 3; kx++)
                    for (size_t ci = 0; ci < c; ci++)
                      sum += patch[((dy + ky) * n + dx + kx) * c + ci] *
                             (double(weights[(co * c + ci) * 9 + ky * 3 + kx]) * col_scales[co]);
                size_t at = ((b * h + m * ty + dy) * w + m * tx + dx) * oc + co;
                ASSERT_NEAR(ours[at], sum, 1e-4 * (1.0 + std::fabs(sum)))
                    << "tile " << m << " " << at;
              }
        }
  }
}

}  // namespace
