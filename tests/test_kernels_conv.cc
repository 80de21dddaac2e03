#include <gtest/gtest.h>

#include <vector>

extern "C" {
#include "kernels/conv2d.h"
}
#include "support/compare.h"
#include "support/pool.h"
#include "support/random.h"
#include "support/thread_counts.h"

namespace {

void check_conv(const mrw_conv_shape &s, bool residual, bool relu, int threads, uint64_t seed) {
  TestRandom rng(seed);
  int out_h = mrw_conv_out_h(&s), out_w = mrw_conv_out_w(&s);
  size_t batch = size_t(mrw_conv_batch(&s));
  size_t out_count = batch * out_h * out_w * s.out_c;
  std::vector<float> input = rng.floats(batch * s.in_h * s.in_w * s.in_c);
  std::vector<float> weights = rng.floats(size_t(s.out_c) * s.in_c * s.kernel_h * s.kernel_w);
  std::vector<float> bias = rng.floats(s.out_c), res = rng.floats(out_count);
  mrw_epilogue e{bias.data(), residual ? res.data() : nullptr, size_t(s.out_c), relu ? 1 : 0, nullptr};
  std::vector<float> packed(mrw_conv_packed_floats(&s));
  mrw_conv_pack_weights(&s, weights.data(), packed.data());
  ScopedPool pool(threads);
  std::vector<float> ws(mrw_gemm_workspace_floats(pool.size()));
  std::vector<float> out(out_count), expected(out_count);
  mrw_conv2d(&s, input.data(), packed.data(), &e, out.data(), ws.data(), pool.get());
  mrw_conv2d_ref(&s, input.data(), weights.data(), &e, expected.data());
  Difference d = compare_arrays(out.data(), expected.data(), out_count);
  // The reference skips padding taps where the GEMM adds 0 * w: equal up to the sign of 0.
  EXPECT_LE(d.max_abs_diff, 1e-6 * d.max_abs_expected)
      << "in " << s.in_h << "x" << s.in_w << "x" << s.in_c << " out_c " << s.out_c << " k "
      << s.kernel_h << " stride " << s.stride << " pad " << s.pad << " threads " << threads;
}

TEST(Conv2d, OneByOneStrideOneAndTwo) {
  uint64_t seed = 10;
  for (int threads : kThreadCounts)
    for (int size : {1, 3, 7, 17})
      for (int stride : {1, 2})
      {
        check_conv({size, size + 2, 5 + size, 3 + 2 * size, 1, 1, stride, 0, 1}, seed % 2 == 1,
                   seed % 3 != 0, threads, seed);
        seed++;
      }
}

TEST(Conv2d, ThreeByThreeStrideOneAndTwo) {
  uint64_t seed = 20;
  for (int threads : kThreadCounts)
    for (int size : {1, 3, 7, 17})
      for (int stride : {1, 2})
        for (int in_c : {1, 3, 17})
        {
          check_conv({size, 2 * size + 1, in_c, 9, 3, 3, stride, 1, 1}, seed % 2 == 1, true, threads,
                     seed);
          seed++;
        }
}

TEST(Conv2d, SevenBySevenStrideTwoStem) {
  uint64_t seed = 30;
  for (int threads : kThreadCounts)
    for (int size : {7, 17, 33})
      check_conv({size, size + 4, 3, 16, 7, 7, 2, 3, 1}, false, true, threads, seed++);
}

TEST(Conv2d, WideChannelsCrossKcBlocks) {
  // Depth 9 * 255 spans several KC passes with taps cut inside a pass.
  check_conv({9, 11, 255, 33, 3, 3, 1, 1, 1}, true, true, 2, 40);
  check_conv({6, 5, 300, 64, 1, 1, 1, 0, 1}, true, false, 4, 41);
}

TEST(Conv2d, BatchOfImagesPadsEachImageOnItsOwn) {
  // The mask head's shape: many 14x14 maps at once, 3x3 with padding 1.
  for (int threads : kThreadCounts) check_conv({14, 14, 19, 24, 3, 3, 1, 1, 5}, false, true, threads, 60);
  check_conv({3, 5, 7, 9, 1, 1, 2, 0, 3}, true, false, 2, 61);
}

TEST(Conv2d, RandomShapes) {
  TestRandom r(77);
  for (int i = 0; i < 16; i++) {
    int k = (i % 3 == 0) ? 1 : 3;
    mrw_conv_shape s{1 + r.below(20), 1 + r.below(20), 1 + r.below(40), 1 + r.below(40), k, k,
                     1 + r.below(2), k / 2, 1 + r.below(3)};
    check_conv(s, i % 2, i % 4 < 2, kThreadCounts[i % 3], 500 + i);
  }
}

}  // namespace
