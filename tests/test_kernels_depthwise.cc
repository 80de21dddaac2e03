// The depthwise convolution against its scalar reference: every channel is summed in the
// same order, so the two agree exactly (channel counts below, at and above multiples of 4).
#include <gtest/gtest.h>

#include <vector>

extern "C" {
#include "kernels/depthwise.h"
}
#include "support/compare.h"
#include "support/pool.h"
#include "support/random.h"
#include "support/thread_counts.h"

namespace {

void check_depthwise(const mrw_depthwise_shape &s, mrw_activation activation, int threads,
                     uint64_t seed) {
  TestRandom rng(seed);
  size_t taps = size_t(s.kernel) * s.kernel;
  std::vector<float> input = rng.floats(size_t(s.in_h) * s.in_w * s.channels, -4.0f, 4.0f);
  std::vector<float> weights = rng.floats(size_t(s.channels) * taps);
  std::vector<float> bias = rng.floats(s.channels);
  std::vector<float> packed(weights.size());
  mrw_depthwise_pack_weights(s.channels, s.kernel, weights.data(), packed.data());
  for (int ch = 0; ch < s.channels; ch++)  // packing is a transpose
    for (size_t t = 0; t < taps; t++) ASSERT_EQ(packed[t * s.channels + ch], weights[ch * taps + t]);
  size_t out_count = size_t(mrw_depthwise_out_h(&s)) * mrw_depthwise_out_w(&s) * s.channels;
  std::vector<float> out(out_count), expected(out_count);
  ScopedPool pool(threads);
  mrw_depthwise_conv2d(&s, input.data(), packed.data(), bias.data(), activation, out.data(), pool.get());
  mrw_depthwise_conv2d_ref(&s, input.data(), packed.data(), bias.data(), activation, expected.data());
  Difference d = compare_arrays(out.data(), expected.data(), out_count);
  EXPECT_EQ(d.max_abs_diff, 0.0) << "in " << s.in_h << "x" << s.in_w << "x" << s.channels << " k "
                                 << s.kernel << " stride " << s.stride << " activation "
                                 << int(activation) << " threads " << threads;
}

TEST(Depthwise, KernelsThreeAndFiveStridesOneAndTwo) {
  uint64_t seed = 300;
  for (int threads : kThreadCounts)
    for (int kernel : {3, 5})
      for (int stride : {1, 2})
        for (int channels : {1, 3, 4, 7, 16, 21})
          for (int size : {1, 2, 5, 12}) {
            mrw_depthwise_shape s{size, size + 3, channels, kernel, stride, kernel / 2};
            check_depthwise(s, mrw_activation(seed % 3), threads, seed);
            seed++;
          }
}

TEST(Depthwise, LargerMapsAndChannelCounts) {
  uint64_t seed = 400;
  for (int threads : kThreadCounts) {
    check_depthwise({40, 33, 72, 5, 2, 2}, MRW_ACTIVATION_RELU, threads, seed++);
    check_depthwise({20, 27, 120, 5, 1, 2}, MRW_ACTIVATION_HARDSWISH, threads, seed++);
    check_depthwise({17, 9, 185, 3, 1, 1}, MRW_ACTIVATION_NONE, threads, seed++);
  }
}

TEST(Depthwise, OutputSize) {
  mrw_depthwise_shape s{7, 10, 4, 5, 2, 2};
  EXPECT_EQ(mrw_depthwise_out_h(&s), 4);
  EXPECT_EQ(mrw_depthwise_out_w(&s), 5);
  s.stride = 1;
  EXPECT_EQ(mrw_depthwise_out_h(&s), 7);
  EXPECT_EQ(mrw_depthwise_out_w(&s), 10);
}

}  // namespace
