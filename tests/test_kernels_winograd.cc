#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <vector>

extern "C" {
#include "kernels/conv2d.h"
#include "kernels/winograd.h"
}
#include "support/compare.h"
#include "support/pool.h"
#include "support/random.h"
#include "support/thread_counts.h"

namespace {

struct Case {
  int h, w, in_c, out_c, batch;
};

std::string describe(const Case &c, int tile) {
  return "F(" + std::to_string(tile) + ",3) " + std::to_string(c.batch) + "x" + std::to_string(c.h) + "x" + std::to_string(c.w) + "x" +
         std::to_string(c.in_c) + " -> " + std::to_string(c.out_c);
}

// How far from the direct convolution each tile size may land, in units of
// sqrt(K) * eps * max |y| (see check_tile).
double tolerance_units(int tile) { return tile == 4 ? 16.0 : 4.0; }

// Runs the SIMD kernel at 1, 2 and 4 threads, the Winograd reference and the direct
// convolution on one random case, with bias and optionally residual and ReLU.
void check_tile(const Case &c, int tile, bool residual, bool relu, uint64_t seed) {
  mrw_conv_shape s{c.h, c.w, c.in_c, c.out_c, 3, 3, 1, 1, c.batch};
  ASSERT_TRUE(mrw_winograd_applies(&s));
  TestRandom rng(seed);
  size_t out_count = size_t(c.batch) * c.h * c.w * c.out_c;
  std::vector<float> input = rng.floats(size_t(c.batch) * c.h * c.w * c.in_c);
  std::vector<float> weights = rng.floats(size_t(c.out_c) * c.in_c * 9);
  std::vector<float> bias = rng.floats(c.out_c), res = rng.floats(out_count);
  mrw_epilogue e{bias.data(), residual ? res.data() : nullptr, size_t(c.out_c), relu ? 1 : 0, nullptr};

  std::vector<float> u(size_t(mrw_winograd_points(tile)) * c.in_c * c.out_c);
  mrw_winograd_transform_weights_ref(&s, tile, weights.data(), u.data());
  std::vector<float> reference(out_count), direct(out_count);
  mrw_winograd_conv2d_ref(&s, tile, input.data(), u.data(), &e, reference.data());
  mrw_conv2d_ref(&s, input.data(), weights.data(), &e, direct.data());

  std::vector<float> packed(mrw_winograd_packed_floats(&s, tile), NAN);
  {
    ScopedPool pool(2);  // the packing splits output panels among threads
    mrw_winograd_pack_weights(&s, tile, weights.data(), packed.data(), pool.get());
  }
  std::vector<float> first;
  for (int threads : kThreadCounts) {
    ScopedPool pool(threads);
    std::vector<float> ws(mrw_winograd_workspace_floats(&s, tile, pool.size()));
    std::vector<float> out(out_count, NAN);
    mrw_winograd_conv2d(&s, tile, input.data(), packed.data(), &e, out.data(), ws.data(),
                        pool.get());
    // The kernel and its reference do the same float operations in the same order.
    Difference d = compare_arrays(out.data(), reference.data(), out_count);
    EXPECT_EQ(d.max_abs_diff, 0.0) << describe(c, tile) << " threads " << threads << " at "
                                   << d.worst_index;
    if (first.empty())
      first = out;
    else
      EXPECT_EQ(0, std::memcmp(first.data(), out.data(), out_count * sizeof(float)))
          << describe(c, tile) << ": threads " << threads << " differ from 1 thread";
  }

  // Against the direct convolution. Each output sums K = 9 * in_c products (plus bias and
  // residual); both ways round every partial sum, whose magnitude is of the order of the
  // result's. With random signs the rounding errors add up like a random walk: about
  // sqrt(K) * eps * |y|, not the worst case K * eps * |y|. Winograd's transforms scale the
  // intermediate values, and so their rounding errors: for F(2,3) by small constants (up to 4
  // for inputs, 9/4 for weights, 9 products back), for F(4,3) by more (a patch value enters
  // a transformed input with weight up to 100, a product enters an output with weight up to
  // 64, against weights scaled down by up to 1/4). The tolerance is tolerance_units(tile) *
  // sqrt(K) * eps * max |y|: 4 for F(2,3), where the largest difference seen in these cases
  // is about a tenth of that, and 16 for F(4,3), where it is about a fifth. A wrong tap or
  // transform coefficient is off by a whole term.
  double k = 9.0 * c.in_c;
  for (const std::vector<float> *winograd : {&reference, &first}) {
    Difference d = compare_arrays(winograd->data(), direct.data(), out_count);
    EXPECT_LE(d.max_abs_diff, tolerance_units(tile) * std::sqrt(k) * FLT_EPSILON * d.max_abs_expected)
        << describe(c, tile) << (winograd == &first ? " kernel" : " reference") << " max |y| "
        << d.max_abs_expected;
  }
}

// Every case runs with both tile sizes.
void check_winograd(const Case &c, bool residual, bool relu, uint64_t seed) {
  for (int tile : {2, 4}) check_tile(c, tile, residual, relu, seed);
}

TEST(Winograd, KernelTransformOfADeltaIsItsColumnAndRowWeights) {
  // g = delta at the centre: u = (G e1)(G e1)^T, G e1 the middle column of G (see
  // winograd.h): (0, .5, -.5, 0) for F(2,3), (0, -1/6, 1/6, 1/12, -1/12, 0) for F(4,3).
  float g[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0}, u[36];
  EXPECT_TRUE(mrw_winograd_tile_supported(2) && mrw_winograd_tile_supported(4));
  EXPECT_FALSE(mrw_winograd_tile_supported(3) || mrw_winograd_tile_supported(6));
  const float col2[4] = {0.0f, 0.5f, -0.5f, 0.0f};
  const float col4[6] = {0.0f, -1.0f / 6.0f, 1.0f / 6.0f, 1.0f / 12.0f, -1.0f / 12.0f, 0.0f};
  for (int tile : {2, 4}) {
    const float *col = tile == 4 ? col4 : col2;
    int n = tile + 2;
    ASSERT_EQ(mrw_winograd_points(tile), n * n);
    mrw_winograd_kernel_transform(tile, g, u);
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++)
        EXPECT_EQ(u[i * n + j], col[i] * col[j]) << "tile " << tile << " at " << i << "," << j;
  }
}

TEST(Winograd, F43TransformsAreTheirMatrices) {
  // The transforms of F(4,3), against the matrices of winograd.h applied in double: U = G g G^T
  // for a random kernel, and through a whole tile: a 6x6 patch convolved by Winograd equals
  // its 4x4 valid direct convolution.
  const double G[6][3] = {{0.25, 0, 0},           {-1 / 6.0, -1 / 6.0, -1 / 6.0},
                          {-1 / 6.0, 1 / 6.0, -1 / 6.0}, {1 / 24.0, 1 / 12.0, 1 / 6.0},
                          {1 / 24.0, -1 / 12.0, 1 / 6.0}, {0, 0, 1}};
  TestRandom rng(9);
  std::vector<float> g = rng.floats(9);
  float u[36];
  mrw_winograd_kernel_transform(4, g.data(), u);
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++) {
      double want = 0;
      for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) want += G[i][a] * g[a * 3 + b] * G[j][b];
      EXPECT_NEAR(u[i * 6 + j], want, 4e-7) << i << "," << j;
    }
  // One 4x4 tile of a 4x4 image with one channel: its 6x6 patch is the image padded by one.
  mrw_conv_shape s{4, 4, 1, 1, 3, 3, 1, 1, 1};
  std::vector<float> image = rng.floats(16), out(16), direct(16);
  mrw_winograd_conv2d_ref(&s, 4, image.data(), u, nullptr, out.data());
  mrw_conv2d_ref(&s, image.data(), g.data(), nullptr, direct.data());
  for (int i = 0; i < 16; i++) EXPECT_NEAR(out[i], direct[i], 1e-5) << "pixel " << i;
}

TEST(Winograd, PanelsPackToTheBitsOfTheScalarPacking) {
  // Weights grouped by panels and transformed 8 output channels at a time equal the scalar
  // packing of the torch layout, for both tile sizes, channel counts off the multiples of 4
  // and 8, and any thread count; the padding columns are zero either way.
  TestRandom rng(31);
  for (int tile : {2, 4})
    for (Case c : {Case{5, 5, 3, 13, 1}, Case{5, 5, 17, 8, 1}, Case{5, 5, 64, 30, 1}}) {
      mrw_conv_shape s{c.h, c.w, c.in_c, c.out_c, 3, 3, 1, 1, 1};
      std::vector<float> weights = rng.floats(size_t(c.out_c) * c.in_c * 9);
      std::vector<float> scalar(mrw_winograd_packed_floats(&s, tile), NAN);
      mrw_winograd_pack_weights(&s, tile, weights.data(), scalar.data(), nullptr);
      std::vector<float> panels(mrw_winograd_panel_floats(&s), NAN);
      mrw_winograd_group_panels(&s, weights.data(), panels.data());
      for (int threads : kThreadCounts) {
        ScopedPool pool(threads);
        std::vector<float> simd(scalar.size(), NAN);
        mrw_winograd_pack_panels(&s, tile, panels.data(), simd.data(), pool.get());
        size_t per_point = scalar.size() / size_t(mrw_winograd_points(tile));
        for (size_t i = 0; i < simd.size(); i++) {
          size_t column = i % per_point / (size_t(c.in_c) * MRW_GEMM_NR) * MRW_GEMM_NR +
                          i % MRW_GEMM_NR;
          if (column < size_t(c.out_c))
            ASSERT_EQ(0, std::memcmp(&simd[i], &scalar[i], sizeof(float)))
                << describe(c, tile) << " threads " << threads << " at " << i;
          else
            ASSERT_EQ(simd[i], 0.0f) << describe(c, tile) << " padding at " << i;
        }
      }
    }
}

TEST(Winograd, TinyImagesOneToThree) {
  uint64_t seed = 100;
  for (int h = 1; h <= 3; h++)
    for (int w = 1; w <= 3; w++, seed++) check_winograd({h, w, 5, 7, 1}, seed % 2 == 0, true, seed);
}

TEST(Winograd, OddAndEvenSizes) {
  uint64_t seed = 200;
  for (int h : {4, 5, 8, 13})
    for (int w : {6, 7, 9}) {
      check_winograd({h, w, 3 + h, 9 + w, 1}, seed % 2 == 1, seed % 3 != 0, seed);
      seed++;
    }
}

TEST(Winograd, BatchOfMaskHeadMaps) {
  // The mask head: several 14x14 maps at once, each padded on its own.
  check_winograd({14, 14, 19, 24, 5}, false, true, 300);
  check_winograd({7, 5, 12, 10, 3}, true, false, 301);
}

TEST(Winograd, ManyBandsAndWideChannels) {
  // Enough tiles for several bands per thread; depth beyond one GEMM KC pass; channel counts
  // not multiples of 4 or 8.
  check_winograd({37, 41, 13, 21, 2}, true, true, 400);
  check_winograd({9, 11, 261, 35, 1}, true, true, 401);
}

// Windows of output rows starting on tile rows, the last one cut short by the image's edge,
// each with its own residual rows: every window holds the reference's bits for its rows.
// The bands of a call: in order, covering every tile once, starting on groups of 4, within
// the budget and the capacity, as many as a multiple of the thread count unless each is a
// single group, about two a thread where each keeps the minimum, and within 4 tiles of each other so
// that the threads finish together. Before, 100 tiles on 2 threads went in bands of 32, 32, 32
// and 4, one thread doing 64 of them.
TEST(Winograd, BandsSplitTheTilesEvenlyOverTheThreads) {
  for (int threads : {1, 2, 3, 4}) {
    for (size_t most : {size_t(4), size_t(28), size_t(64), size_t(1000)}) {
      for (size_t tiles : {size_t(1), size_t(3), size_t(4), size_t(36), size_t(100), size_t(247),
                           size_t(950), size_t(3800)}) {
        mrw_winograd_split split = mrw_winograd_split_bands(tiles, most, threads);
        size_t quads = (tiles + 3) / 4, capacity = mrw_winograd_band_capacity(tiles, most);
        std::string where = std::to_string(tiles) + " tiles, most " + std::to_string(most) + ", " +
                            std::to_string(threads) + " threads";
        ASSERT_GE(split.bands, size_t(1)) << where;
        if (split.bands < quads) {  // (else each band is one group of 4)
          EXPECT_EQ(split.bands % threads, size_t(0)) << where;
        }
        if (quads >= size_t(2 * threads * MRW_WINOGRAD_BAND_MIN_TILES / 4)) {
          EXPECT_GE(split.bands, size_t(2 * threads)) << where;
        }
        EXPECT_EQ(mrw_winograd_band_first(&split, 0), size_t(0)) << where;
        EXPECT_EQ(mrw_winograd_band_first(&split, split.bands), tiles) << where;
        size_t smallest = tiles, largest = 0;
        for (size_t b = 0; b < split.bands; b++) {
          size_t first = mrw_winograd_band_first(&split, b);
          size_t count = mrw_winograd_band_first(&split, b + 1) - first;
          EXPECT_EQ(first % 4, size_t(0)) << where;
          EXPECT_GE(count, size_t(1)) << where << ", band " << b;
          EXPECT_LE(count, capacity) << where;
          EXPECT_LE(count, most) << where;
          if (b + 1 < split.bands) smallest = std::min(smallest, count);
          largest = std::max(largest, count);
        }
        if (split.bands > 1) {
          EXPECT_LE(largest - smallest, size_t(4)) << where;
        }
      }
    }
  }
  // the capacity never shrinks as the tiles grow, so a window's workspace serves a shorter one
  for (size_t tiles = 1; tiles < 300; tiles++)
    EXPECT_LE(mrw_winograd_band_capacity(tiles, 28), mrw_winograd_band_capacity(tiles + 1, 28));
  mrw_winograd_split two = mrw_winograd_split_bands(100, 1000, 2);
  EXPECT_EQ(two.bands, size_t(4));
  EXPECT_EQ(mrw_winograd_band_first(&two, 2), size_t(48));
}

TEST(Winograd, RowWindowsHoldTheWholeImagesRows) {
  const int h = 23, w = 17, in_c = 13, out_c = 10;
  mrw_conv_shape s{h, w, in_c, out_c, 3, 3, 1, 1, 1};
  TestRandom rng(600);
  std::vector<float> input = rng.floats(size_t(h) * w * in_c);
  std::vector<float> weights = rng.floats(size_t(out_c) * in_c * 9);
  std::vector<float> bias = rng.floats(out_c), res = rng.floats(size_t(h) * w * out_c);
  const size_t row = size_t(w) * out_c;
  for (int tile : {2, 4}) {
    std::vector<float> u(size_t(mrw_winograd_points(tile)) * in_c * out_c);
    mrw_winograd_transform_weights_ref(&s, tile, weights.data(), u.data());
    mrw_epilogue whole{bias.data(), res.data(), size_t(out_c), 1, nullptr};
    std::vector<float> reference(size_t(h) * row);
    mrw_winograd_conv2d_ref(&s, tile, input.data(), u.data(), &whole, reference.data());
    std::vector<float> packed(mrw_winograd_packed_floats(&s, tile));
    mrw_winograd_pack_weights(&s, tile, weights.data(), packed.data(), nullptr);
    for (int threads : {1, 2}) {
      ScopedPool pool(threads);
      for (int rows : {tile, 2 * tile, 3 * tile}) {
        mrw_conv_shape window = mrw_winograd_window_shape(&s, rows);
        std::vector<float> ws(mrw_winograd_workspace_floats(&window, tile, pool.size()));
        for (int row0 = 0; row0 < h; row0 += rows) {
          int n = h - row0 < rows ? h - row0 : rows;
          mrw_epilogue e{bias.data(), res.data() + size_t(row0) * row, size_t(out_c), 1, nullptr};
          std::vector<float> out(size_t(n) * row, NAN);
          mrw_winograd_conv2d_rows(&s, tile, input.data(), row0, n, packed.data(), &e, out.data(),
                                   ws.data(), pool.get());
          EXPECT_EQ(0, std::memcmp(out.data(), reference.data() + size_t(row0) * row,
                                   out.size() * sizeof(float)))
              << "F(" << tile << ",3) rows " << row0 << ".." << row0 + n << ", threads " << threads;
        }
      }
    }
  }
}

// A wide layer's output channels in groups, each from its own packed weights, written in
// place among the others (ldo): the reference's bits for the whole layer, with bias,
// residual and ReLU. Groups of 8 and 16 channels over 43 (the last group short), a batch of 2.
TEST(Winograd, ChannelGroupsHoldTheWholeLayersBits) {
  const int h = 11, w = 14, in_c = 12, out_c = 43, batch = 2;
  mrw_conv_shape s{h, w, in_c, out_c, 3, 3, 1, 1, batch};
  TestRandom rng(601);
  const size_t pixels = size_t(batch) * h * w;
  std::vector<float> input = rng.floats(pixels * in_c);
  std::vector<float> weights = rng.floats(size_t(out_c) * in_c * 9);
  std::vector<float> bias = rng.floats(out_c), res = rng.floats(pixels * out_c);
  for (int tile : {2, 4}) {
    std::vector<float> u(size_t(mrw_winograd_points(tile)) * in_c * out_c);
    mrw_winograd_transform_weights_ref(&s, tile, weights.data(), u.data());
    mrw_epilogue whole{bias.data(), res.data(), size_t(out_c), 1, nullptr};
    std::vector<float> reference(pixels * out_c);
    mrw_winograd_conv2d_ref(&s, tile, input.data(), u.data(), &whole, reference.data());
    for (int group : {8, 16}) {
      for (int threads : {1, 2}) {
        ScopedPool pool(threads);
        std::vector<float> out(pixels * out_c, NAN);
        for (int first = 0; first < out_c; first += group) {
          mrw_conv_shape part = s;
          part.out_c = out_c - first < group ? out_c - first : group;
          std::vector<float> packed(mrw_winograd_packed_floats(&part, tile));
          mrw_winograd_pack_weights(&part, tile, weights.data() + size_t(first) * in_c * 9,
                                    packed.data(), pool.get());
          std::vector<float> ws(mrw_winograd_workspace_floats(&part, tile, pool.size()));
          mrw_epilogue e{bias.data() + first, res.data() + first, size_t(out_c), 1, nullptr};
          mrw_winograd_conv2d_strided(&part, tile, input.data(), packed.data(), &e,
                                      out.data() + first, size_t(out_c), ws.data(), pool.get());
        }
        EXPECT_EQ(0, std::memcmp(out.data(), reference.data(), out.size() * sizeof(float)))
            << "F(" << tile << ",3) groups of " << group << ", threads " << threads;
      }
    }
  }
}

TEST(Winograd, RandomShapes) {
  TestRandom r(77);
  for (int i = 0; i < 12; i++) {
    Case c{1 + r.below(24), 1 + r.below(24), 1 + r.below(40), 1 + r.below(40), 1 + r.below(3)};
    check_winograd(c, i % 2, i % 4 < 2, 500 + i);
  }
}

}  // namespace
