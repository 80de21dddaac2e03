// Hardswish, ReLU, global average pool, squeeze-excitation scale and channel scale against
// their scalar references, on channel counts that are and are not multiples of 4.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

extern "C" {
#include "kernels/activation.h"
#include "kernels/squeeze_excite.h"
}
#include "support/compare.h"
#include "support/random.h"

namespace {

TEST(Activation, HardswishAndReluMatchReference) {
  TestRandom rng(500);
  for (size_t count : {0, 1, 3, 4, 5, 17, 1000, 1003}) {
    for (mrw_activation a : {MRW_ACTIVATION_NONE, MRW_ACTIVATION_RELU, MRW_ACTIVATION_HARDSWISH}) {
      std::vector<float> x = rng.floats(count, -8.0f, 8.0f), expected = x;
      mrw_activate_array(a, x.data(), count);
      mrw_activate_array_ref(a, expected.data(), count);
      Difference d = compare_arrays(x.data(), expected.data(), count);
      EXPECT_EQ(d.max_abs_diff, 0.0) << "count " << count << " activation " << int(a);
    }
  }
}

TEST(Activation, HardswishValues) {
  // x * relu6(x + 3) / 6 at the corners of its pieces, and hardsigmoid
  EXPECT_EQ(mrw_activate(MRW_ACTIVATION_HARDSWISH, -3.0f), 0.0f);
  EXPECT_EQ(mrw_activate(MRW_ACTIVATION_HARDSWISH, -4.0f), 0.0f);
  EXPECT_EQ(mrw_activate(MRW_ACTIVATION_HARDSWISH, 3.0f), 3.0f);
  EXPECT_EQ(mrw_activate(MRW_ACTIVATION_HARDSWISH, 5.0f), 5.0f);
  EXPECT_FLOAT_EQ(mrw_activate(MRW_ACTIVATION_HARDSWISH, 1.0f), 4.0f / 6.0f);
  EXPECT_FLOAT_EQ(mrw_activate(MRW_ACTIVATION_HARDSWISH, -1.0f), -2.0f / 6.0f);
  EXPECT_EQ(mrw_hardsigmoid(-3.5f), 0.0f);
  EXPECT_EQ(mrw_hardsigmoid(3.5f), 1.0f);
  EXPECT_FLOAT_EQ(mrw_hardsigmoid(0.0f), 0.5f);
}

TEST(SqueezeExcite, GlobalAveragePoolMatchesReference) {
  TestRandom rng(510);
  for (int channels : {1, 3, 4, 5, 72, 121})
    for (size_t pixels : {1, 2, 7, 400}) {
      std::vector<float> x = rng.floats(pixels * channels);
      std::vector<float> mean(channels), expected(channels);
      mrw_global_avg_pool(x.data(), pixels, channels, mean.data());
      mrw_global_avg_pool_ref(x.data(), pixels, channels, expected.data());
      Difference d = compare_arrays(mean.data(), expected.data(), channels);
      EXPECT_EQ(d.max_abs_diff, 0.0) << "pixels " << pixels << " channels " << channels;
    }
}

TEST(SqueezeExcite, ExciteScaleMatchesReference) {
  TestRandom rng(520);
  const int shapes[][2] = {{1, 8}, {3, 8}, {16, 8}, {72, 24}, {120, 32}, {121, 33}, {960, 240}};
  for (const auto &shape : shapes) {
    int c = shape[0], s = shape[1];
    std::vector<float> mean = rng.floats(c), w1 = rng.floats(size_t(s) * c), b1 = rng.floats(s);
    std::vector<float> w2 = rng.floats(size_t(c) * s), b2 = rng.floats(c);
    std::vector<float> hidden(s), scale(c), expected(c);
    mrw_excite_scale(mean.data(), c, s, w1.data(), b1.data(), w2.data(), b2.data(), hidden.data(),
                     scale.data());
    mrw_excite_scale_ref(mean.data(), c, s, w1.data(), b1.data(), w2.data(), b2.data(),
                         hidden.data(), expected.data());
    Difference d = compare_arrays(scale.data(), expected.data(), c);
    // the same products summed in another order (hidden sums of up to 960 terms of |1|);
    // hardsigmoid's slope is 1/6
    EXPECT_LE(d.max_abs_diff, 1e-4) << "channels " << c << " squeeze " << s;
    for (float v : scale) EXPECT_TRUE(v >= 0.0f && v <= 1.0f);
  }
}

TEST(SqueezeExcite, ChannelScaleMatchesReference) {
  TestRandom rng(530);
  for (int channels : {1, 3, 4, 6, 72, 121})
    for (size_t pixels : {1, 5, 64}) {
      std::vector<float> x = rng.floats(pixels * channels), expected = x;
      std::vector<float> scale = rng.floats(channels, 0.0f, 1.0f);
      mrw_channel_scale(x.data(), pixels, channels, scale.data());
      mrw_channel_scale_ref(expected.data(), pixels, channels, scale.data());
      Difference d = compare_arrays(x.data(), expected.data(), x.size());
      EXPECT_EQ(d.max_abs_diff, 0.0) << "pixels " << pixels << " channels " << channels;
    }
}

}  // namespace
