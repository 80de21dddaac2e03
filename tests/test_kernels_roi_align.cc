#include <gtest/gtest.h>

#include <vector>

extern "C" {
#include "kernels/roi_align.h"
}
#include "support/compare.h"
#include "support/random.h"

namespace {

void check_roi(const std::vector<float> &features, int h, int w, int c, float scale, int sampling,
               const float box[4], int pooled) {
  std::vector<float> out(size_t(pooled) * pooled * c, -1.0f), ref(out.size(), -2.0f);
  mrw_roi_align(features.data(), h, w, c, scale, sampling, box, pooled, pooled, out.data());
  mrw_roi_align_ref(features.data(), h, w, c, scale, sampling, box, pooled, pooled, ref.data());
  Difference d = compare_arrays(out.data(), ref.data(), out.size());
  EXPECT_EQ(d.max_abs_diff, 0.0) << "box " << box[0] << "," << box[1] << "," << box[2] << ","
                                 << box[3] << " scale " << scale << " c " << c;
}

TEST(RoiAlign, SimdMatchesReferenceOnRandomBoxesAtEveryLevel) {
  TestRandom rng(5);
  const float scales[] = {0.25f, 0.125f, 0.0625f, 0.03125f};
  for (int level = 0; level < 4; level++) {
    int h = 200 >> level, w = 304 >> level;
    for (int c : {1, 3, 8, 17, 256}) {
      std::vector<float> f = rng.floats(size_t(h) * w * c);
      for (int i = 0; i < 6; i++) {
        float x1 = rng.uniform(0, 1216), y1 = rng.uniform(0, 800);
        float box[4] = {x1, y1, x1 + rng.uniform(1, 500), y1 + rng.uniform(1, 500)};
        check_roi(f, h, w, c, scales[level], 2, box, 7);
        check_roi(f, h, w, c, scales[level], 2, box, 14);
      }
    }
  }
}

TEST(RoiAlign, BordersLargeAndDegenerateBoxes) {
  TestRandom rng(6);
  const int h = 25, w = 38, c = 12;
  std::vector<float> f = rng.floats(size_t(h) * w * c);
  const float boxes[][4] = {
      {0, 0, 1216, 800},          // the whole image
      {-300, -200, 2000, 1500},   // larger than the image
      {1100, 700, 1216, 800},     // on the bottom-right border
      {1300, 900, 1400, 1000},    // entirely outside
      {50, 60, 50, 60},           // zero size
      {90, 40, 80, 30},           // inverted
      {0.5f, 0.25f, 3.5f, 2.75f}, // under one pixel at this scale
  };
  for (const auto &box : boxes) {
    check_roi(f, h, w, c, 1.0f / 32, 2, box, 7);
    check_roi(f, h, w, c, 1.0f / 32, 0, box, 7);  // adaptive sampling
  }
}

TEST(RoiAlign, HandComputedSingleBin) {
  // A 2x2 map with values 0, 1, 2, 3 (one channel); box (0, 0, 2, 2) at scale 1, pooled 1,
  // sampling 2: samples at (0.5, 0.5), (0.5, 1.5), (1.5, 0.5), (1.5, 1.5). Bilinear values:
  // 1.5, then x = 1.5 clamps to the last column -> 2.0, y = 1.5 -> 2.5, both -> 3.0. Mean 2.25.
  std::vector<float> f = {0, 1, 2, 3};
  float box[4] = {0, 0, 2, 2};
  float out = 0;
  mrw_roi_align(f.data(), 2, 2, 1, 1.0f, 2, box, 1, 1, &out);
  EXPECT_FLOAT_EQ(out, 2.25f);
}

}  // namespace
