#include <gtest/gtest.h>

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

std::string describe(const Case &c) {
  return std::to_string(c.batch) + "x" + std::to_string(c.h) + "x" + std::to_string(c.w) + "x" +
         std::to_string(c.in_c) + " -> " + std::to_string(c.out_c);
}

// Runs the SIMD kernel at 1, 2 and 4 threads, the Winograd reference and the direct
// convolution on one random case, with bias and optionally residual and ReLU.
void check_winograd(const Case &c, bool residual, bool relu, uint64_t seed) {
  mrw_conv_shape s{c.h, c.w, c.in_c, c.out_c, 3, 3, 1, 1, c.batch};
  ASSERT_TRUE(mrw_winograd_applies(&s));
  TestRandom rng(seed);
  size_t out_count = size_t(c.batch) * c.h * c.w * c.out_c;
  std::vector<float> input = rng.floats(size_t(c.batch) * c.h * c.w * c.in_c);
  std::vector<float> weights = rng.floats(size_t(c.out_c) * c.in_c * 9);
  std::vector<float> bias = rng.floats(c.out_c), res = rng.floats(out_count);
  mrw_epilogue e{bias.data(), residual ? res.data() : nullptr, size_t(c.out_c), relu ? 1 : 0, nullptr};

  std::vector<float> u(size_t(16) * c.in_c * c.out_c);
  mrw_winograd_transform_weights_ref(&s, weights.data(), u.data());
  std::vector<float> reference(out_count), direct(out_count);
  mrw_winograd_conv2d_ref(&s, input.data(), u.data(), &e, reference.data());
  mrw_conv2d_ref(&s, input.data(), weights.data(), &e, direct.data());

  std::vector<float> packed(mrw_winograd_packed_floats(&s));
  mrw_winograd_pack_weights(&s, weights.data(), packed.data());
  std::vector<float> first;
  for (int threads : kThreadCounts) {
    ScopedPool pool(threads);
    std::vector<float> ws(mrw_winograd_workspace_floats(&s, pool.size()));
    std::vector<float> out(out_count, NAN);
    mrw_winograd_conv2d(&s, input.data(), packed.data(), &e, out.data(), ws.data(), pool.get());
    // The kernel and its reference do the same float operations in the same order.
    Difference d = compare_arrays(out.data(), reference.data(), out_count);
    EXPECT_EQ(d.max_abs_diff, 0.0) << describe(c) << " threads " << threads << " at "
                                   << d.worst_index;
    if (first.empty())
      first = out;
    else
      EXPECT_EQ(0, std::memcmp(first.data(), out.data(), out_count * sizeof(float)))
          << describe(c) << ": threads " << threads << " differ from 1 thread";
  }

  // Against the direct convolution. Each output sums K = 9 * in_c products (plus bias and
  // residual); both ways round every partial sum, whose magnitude is of the order of the
  // result's, and Winograd's transforms only scale intermediate values by small constants (up
  // to 4 for inputs, 9/4 for weights, 9 products back). With random signs the rounding errors
  // add up like a random walk: about sqrt(K) * eps * |y|, not the worst case K * eps * |y|. The
  // tolerance is 4 * sqrt(K) * eps * max |y|; the largest difference seen in these cases is
  // about a tenth of that, and a wrong tap or transform coefficient is off by a whole term.
  double k = 9.0 * c.in_c;
  for (const std::vector<float> *winograd : {&reference, &first}) {
    Difference d = compare_arrays(winograd->data(), direct.data(), out_count);
    EXPECT_LE(d.max_abs_diff, 4.0 * std::sqrt(k) * FLT_EPSILON * d.max_abs_expected)
        << describe(c) << (winograd == &first ? " kernel" : " reference") << " max |y| "
        << d.max_abs_expected;
  }
}

TEST(Winograd, KernelTransformOfADeltaIsItsColumnAndRowWeights) {
  // g = delta at the centre: u = (G e1)(G e1)^T with G e1 = (0, .5, -.5, 0).
  float g[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0}, u[16];
  mrw_winograd_kernel_transform(g, u);
  const float col[4] = {0.0f, 0.5f, -0.5f, 0.0f};
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) EXPECT_EQ(u[i * 4 + j], col[i] * col[j]) << i << "," << j;
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

TEST(Winograd, RandomShapes) {
  TestRandom r(77);
  for (int i = 0; i < 12; i++) {
    Case c{1 + r.below(24), 1 + r.below(24), 1 + r.below(40), 1 + r.below(40), 1 + r.below(3)};
    check_winograd(c, i % 2, i % 4 < 2, 500 + i);
  }
}

}  // namespace
