#include <gtest/gtest.h>

#include <array>
#include <vector>

extern "C" {
#include "kernels/pool.h"
#include "kernels/resize.h"
}
#include "support/compare.h"
#include "support/pool.h"
#include "support/random.h"
#include "support/thread_counts.h"

namespace {

TEST(MaxPool, ThreeByThreeStrideTwoPadOneMatchesReference) {
  uint64_t seed = 1;
  for (int threads : kThreadCounts)
    for (int h : {1, 2, 3, 7, 17})
      for (int c : {1, 3, 8, 17}) {
        TestRandom rng(seed++);
        int w = h + 3, oh = mrw_max_pool_out(h, 3, 2, 1), ow = mrw_max_pool_out(w, 3, 2, 1);
        std::vector<float> in = rng.floats(size_t(h) * w * c, -5.0f, -1.0f);
        std::vector<float> out(size_t(oh) * ow * c), ref(out.size());
        ScopedPool pool(threads);
        mrw_max_pool(in.data(), h, w, c, 3, 2, 1, out.data(), pool.get());
        mrw_max_pool_ref(in.data(), h, w, c, 3, 2, 1, ref.data());
        EXPECT_EQ(compare_arrays(out.data(), ref.data(), out.size()).max_abs_diff, 0.0);
      }
}

TEST(MaxPool, OneByOneStrideTwoSubsamples) {
  TestRandom rng(3);
  const int h = 7, w = 5, c = 3;
  std::vector<float> in = rng.floats(h * w * c);
  int oh = mrw_max_pool_out(h, 1, 2, 0), ow = mrw_max_pool_out(w, 1, 2, 0);
  ASSERT_EQ(oh, 4);
  ASSERT_EQ(ow, 3);
  std::vector<float> out(size_t(oh) * ow * c);
  ScopedPool pool(2);
  mrw_max_pool(in.data(), h, w, c, 1, 2, 0, out.data(), pool.get());
  for (int y = 0; y < oh; y++)
    for (int x = 0; x < ow; x++)
      for (int ch = 0; ch < c; ch++)
        EXPECT_EQ(out[(y * ow + x) * c + ch], in[((2 * y) * w + 2 * x) * c + ch]);
}

TEST(MaxPool, KnownValuesWithNegativeInputsAndPadding) {
  // Padding must never win: all inputs are negative.
  const float in[] = {-1, -2, -3, -4, -5, -6, -7, -8, -9};  // 3x3, one channel
  float out[4];
  mrw_max_pool(in, 3, 3, 1, 3, 2, 1, out, nullptr);
  EXPECT_EQ(out[0], -1.0f);
  EXPECT_EQ(out[1], -2.0f);
  EXPECT_EQ(out[2], -4.0f);
  EXPECT_EQ(out[3], -5.0f);
}

TEST(UpsampleNearest, ExactSizesMatchReference) {
  uint64_t seed = 50;
  for (int threads : kThreadCounts)
    for (auto sizes : std::vector<std::array<int, 4>>{{{1, 1, 3, 5}}, {{13, 19, 25, 38}},
                                                      {{4, 6, 8, 12}}, {{7, 3, 17, 7}}}) {
      TestRandom rng(seed++);
      const int c = 5;
      std::vector<float> in = rng.floats(size_t(sizes[0]) * sizes[1] * c);
      std::vector<float> out(size_t(sizes[2]) * sizes[3] * c), ref(out.size());
      ScopedPool pool(threads);
      mrw_upsample_nearest(in.data(), sizes[0], sizes[1], c, out.data(), sizes[2], sizes[3], pool.get());
      mrw_upsample_nearest_ref(in.data(), sizes[0], sizes[1], c, ref.data(), sizes[2], sizes[3]);
      EXPECT_EQ(compare_arrays(out.data(), ref.data(), out.size()).max_abs_diff, 0.0);
    }
}

TEST(UpsampleNearest, AddMatchesReferenceAndAddsToWhatIsThere) {
  uint64_t seed = 60;
  for (int threads : kThreadCounts)
    for (auto sizes : std::vector<std::array<int, 4>>{{{13, 19, 25, 38}}, {{7, 3, 17, 7}}})
      for (int c : {5, 8}) {  // a channel tail after the vectors, and none
        TestRandom rng(seed++);
        std::vector<float> in = rng.floats(size_t(sizes[0]) * sizes[1] * c);
        std::vector<float> base = rng.floats(size_t(sizes[2]) * sizes[3] * c);
        std::vector<float> out = base, ref = base, copy(base.size());
        ScopedPool pool(threads);
        mrw_upsample_nearest_add(in.data(), sizes[0], sizes[1], c, out.data(), sizes[2], sizes[3], pool.get());
        mrw_upsample_nearest_add_ref(in.data(), sizes[0], sizes[1], c, ref.data(), sizes[2], sizes[3]);
        EXPECT_EQ(compare_arrays(out.data(), ref.data(), out.size()).max_abs_diff, 0.0);
        // the same floats as upsampling into a buffer and adding it (the FPN's old way)
        mrw_upsample_nearest_ref(in.data(), sizes[0], sizes[1], c, copy.data(), sizes[2], sizes[3]);
        for (size_t i = 0; i < out.size(); i++) ASSERT_EQ(out[i], base[i] + copy[i]) << i;
      }
}

TEST(UpsampleNearest, DoublingRepeatsEachPixel) {
  const float in[] = {1, 2, 3, 4};  // 2x2, one channel
  float out[16];
  mrw_upsample_nearest(in, 2, 2, 1, out, 4, 4, nullptr);
  const float expected[] = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
  for (int i = 0; i < 16; i++) EXPECT_EQ(out[i], expected[i]) << i;
}

TEST(ResizeBilinear, MatchesReferenceOnOddSizes) {
  uint64_t seed = 70;
  for (int threads : kThreadCounts)
    for (auto sizes : std::vector<std::array<int, 4>>{{{1, 7, 3, 21}}, {{3, 5, 8, 13}},
                                                      {{17, 255, 8, 127}}, {{33, 20, 80, 48}}})
      for (int c : {3, 8}) {
        TestRandom rng(seed++);
        std::vector<float> in = rng.floats(size_t(sizes[0]) * sizes[1] * c);
        std::vector<float> out(size_t(sizes[2]) * sizes[3] * c), ref(out.size());
        ScopedPool pool(threads);
        mrw_resize_bilinear(in.data(), sizes[0], sizes[1], c, out.data(), sizes[2], sizes[3], pool.get());
        mrw_resize_bilinear_ref(in.data(), sizes[0], sizes[1], c, ref.data(), sizes[2], sizes[3]);
        EXPECT_EQ(compare_arrays(out.data(), ref.data(), out.size()).max_abs_diff, 0.0);
      }
}

TEST(ResizeBilinear, HandComputedUpscale) {
  // 1x2 -> 1x4, align_corners=False: src x = (dst + 0.5) / 2 - 0.5 -> 0, 0.25, 0.75, 1.25
  // (clamped to the last pixel): values 10, 12.5, 17.5, 20.
  const float in[] = {10, 20};
  float out[4];
  mrw_resize_bilinear(in, 1, 2, 1, out, 1, 4, nullptr);
  EXPECT_FLOAT_EQ(out[0], 10.0f);
  EXPECT_FLOAT_EQ(out[1], 12.5f);
  EXPECT_FLOAT_EQ(out[2], 17.5f);
  EXPECT_FLOAT_EQ(out[3], 20.0f);
}

TEST(ResizeBilinear, ScaledSizeFloorsLikeTorchvision) {
  EXPECT_EQ(mrw_scaled_size(333, 800.0 / 333.0), 800);
  EXPECT_EQ(mrw_scaled_size(500, 800.0 / 333.0), 1201);
  EXPECT_EQ(mrw_scaled_size(17, 0.5), 8);
}

}  // namespace
