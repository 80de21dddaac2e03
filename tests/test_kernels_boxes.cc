#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

extern "C" {
#include "kernels/boxes.h"
}
#include "support/random.h"

namespace {

TEST(Boxes, DecodeWithUnitWeightsAndZeroDeltasIsIdentity) {
  const float ref[4] = {10, 20, 50, 100}, deltas[4] = {0, 0, 0, 0}, w[4] = {1, 1, 1, 1};
  float out[4];
  mrw_box_decode(deltas, ref, w, 4.135f, out);
  EXPECT_FLOAT_EQ(out[0], 10);
  EXPECT_FLOAT_EQ(out[1], 20);
  EXPECT_FLOAT_EQ(out[2], 50);
  EXPECT_FLOAT_EQ(out[3], 100);
}

TEST(Boxes, DecodeShiftsScalesAndClampsLikeTorchvision) {
  // Box 0,0,10,20: centre (5, 10), size 10x20. Weights (10, 10, 5, 5): dx = 1 -> 0.1 width,
  // dy = -2 -> -0.2 height, dw = 5 * ln 2 -> width x2, dh huge -> clamped at ln(1000/16).
  const float ref[4] = {0, 0, 10, 20}, w[4] = {10, 10, 5, 5};
  const float clip = std::log(1000.0f / 16.0f);
  const float deltas[4] = {1.0f, -2.0f, 5.0f * std::log(2.0f), 1000.0f};
  float out[4];
  mrw_box_decode(deltas, ref, w, clip, out);
  float ctr_x = 5 + 0.1f * 10, ctr_y = 10 - 0.2f * 20, width = 20, height = 20 * 1000.0f / 16.0f;
  EXPECT_NEAR(out[0], ctr_x - width / 2, 1e-4);
  EXPECT_NEAR(out[2], ctr_x + width / 2, 1e-4);
  EXPECT_NEAR(out[1], ctr_y - height / 2, 1e-2);
  EXPECT_NEAR(out[3], ctr_y + height / 2, 1e-2);
}

TEST(Boxes, ClipAndSize) {
  float b[4] = {-5, 3, 700, 900};
  mrw_box_clip(b, 640, 480);
  EXPECT_EQ(b[0], 0);
  EXPECT_EQ(b[1], 3);
  EXPECT_EQ(b[2], 640);
  EXPECT_EQ(b[3], 480);
  const float small[4] = {1, 1, 1.005f, 5};
  EXPECT_FALSE(mrw_box_big_enough(small, 0.01f));
  EXPECT_TRUE(mrw_box_big_enough(small, 0.001f));
}

TEST(Boxes, SortIsByScoreThenIndex) {
  std::vector<mrw_scored> s = {{0.5f, 0}, {0.9f, 1}, {0.5f, 2}, {0.1f, 3}, {0.9f, 4}};
  mrw_scored_sort(s.data(), s.size());
  const int order[] = {1, 4, 0, 2, 3};
  for (size_t i = 0; i < s.size(); i++) EXPECT_EQ(s[i].index, order[i]);
}

// The top k by a heap against the first k of the full sort, on scores with many ties; the
// items stay a permutation of the input.
TEST(Boxes, TopKIsTheFullSortsFirstK) {
  TestRandom rng(9);
  for (size_t n : {size_t(0), size_t(1), size_t(2), size_t(7), size_t(100), size_t(5000)})
    for (size_t k : {size_t(0), size_t(1), size_t(3), n / 2, n - (n > 0), n, n + 5, size_t(1000)}) {
      std::vector<mrw_scored> items(n);
      for (size_t i = 0; i < n; i++)
        items[i] = {float(rng.below(20)) * 0.25f - 2.0f, int((i * 7919) % (n ? n : 1))};
      std::vector<mrw_scored> sorted = items, top = items;
      mrw_scored_sort(sorted.data(), n);
      mrw_scored_top_k(top.data(), n, k);
      for (size_t i = 0; i < std::min(k, n); i++) {
        ASSERT_EQ(top[i].index, sorted[i].index) << "n " << n << " k " << k << " at " << i;
        ASSERT_EQ(top[i].score, sorted[i].score);
      }
      std::vector<int> seen(n, 0);
      for (const mrw_scored &t : top) seen[size_t(t.index)]++;
      for (size_t i = 0; i < n; i++) ASSERT_EQ(seen[i], 1) << "n " << n << " k " << k;
    }
}

TEST(Boxes, NmsKeepsTheBestOfOverlappingBoxes) {
  // 0 and 1 overlap with IoU 81/119 = 0.68; 2 is apart; 3 equals 0.
  const float boxes[] = {0, 0, 10, 10, 1, 1, 11, 11, 50, 50, 60, 60, 0, 0, 10, 10};
  std::vector<mrw_scored> order = {{0.9f, 0}, {0.8f, 1}, {0.7f, 2}, {0.6f, 3}};
  unsigned char suppressed[4];
  int keep[4];
  size_t kept = mrw_nms(boxes, order.data(), 4, 0.5, suppressed, keep);
  ASSERT_EQ(kept, 2u);
  EXPECT_EQ(keep[0], 0);
  EXPECT_EQ(keep[1], 2);
  // With a threshold above their IoU, 1 survives; 3 (IoU 1) never does.
  kept = mrw_nms(boxes, order.data(), 4, 0.7, suppressed, keep);
  ASSERT_EQ(kept, 3u);
  EXPECT_EQ(keep[1], 1);
}

}  // namespace
